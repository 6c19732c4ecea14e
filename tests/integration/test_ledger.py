from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from uuid import uuid4

import pytest

from events import ledger
from events.base import Event, EventMetadata, EventRegistry
from events.hashing import content_digest, event_hash
from events.store import EventStore, PendingEvent, StreamWrite
from tests.helpers import seal_everything

pytestmark = pytest.mark.integration
METADATA = EventMetadata(actor="account:test")


class Counted(Event, tag="test.counted", frozen=True, kw_only=True):
    visitors: int


@pytest.fixture
async def history(pool) -> EventStore:
    registry = EventRegistry()
    registry.register(Counted)
    store = EventStore(pool, registry)
    for stream in range(4):
        for version in range(5):
            await store.append(
                StreamWrite(f"session-{stream}", version,
                            [PendingEvent(event=Counted(visitors=10 + version),
                                          occurred_at=datetime.now(UTC))]),
                metadata=METADATA,
            )
    return store


async def as_attacker(pool, *statements: str) -> None:
    """A superuser who switches the append-only triggers off and rewrites rows."""
    async with pool.acquire() as connection, connection.transaction():
        await connection.execute("ALTER TABLE events DISABLE TRIGGER USER")
        await connection.execute("ALTER TABLE ledger DISABLE TRIGGER USER")
        for statement in statements:
            await connection.execute(statement)
        await connection.execute("ALTER TABLE events ENABLE TRIGGER USER")
        await connection.execute("ALTER TABLE ledger ENABLE TRIGGER USER")


async def test_an_untouched_history_verifies_and_names_its_head(history, pool):
    await seal_everything(pool)
    result = await ledger.verify(pool)
    assert result.ok and result.events_checked == 20
    assert result.head == (await ledger.ledger_head(pool))[1]


async def test_sealing_is_incremental_and_several_sealers_at_once_seal_each_event_once(
    history, pool
):
    await asyncio.gather(*(ledger.seal(pool) for _ in range(4)))
    await history.append(
        StreamWrite("session-9", 0, [PendingEvent(event=Counted(visitors=1),
                                                  occurred_at=datetime.now(UTC))]),
        metadata=METADATA,
    )
    await asyncio.gather(*(ledger.seal(pool) for _ in range(4)))
    await seal_everything(pool)
    rows = await pool.fetch("SELECT seq, position FROM ledger ORDER BY seq")
    assert [row["seq"] for row in rows] == list(range(1, 22))
    assert len({row["position"] for row in rows}) == 21
    assert (await ledger.verify(pool)).ok


async def test_unsealed_events_are_verified_by_their_stream_chain(history, pool):
    result = await ledger.verify(pool)
    assert result.ok and result.events_checked == 20 and result.head is None


async def test_one_changed_byte_in_stored_data_is_caught_at_its_position(history, pool):
    await seal_everything(pool)
    await as_attacker(
        pool, "UPDATE events SET data = replace(data::text, '12', '99')::json WHERE position = 8"
    )
    result = await ledger.verify(pool)
    assert not result.ok and result.first_bad_position == 8


async def test_a_changed_recorded_at_is_caught(history, pool):
    await seal_everything(pool)
    await as_attacker(
        pool, "UPDATE events SET recorded_at = recorded_at - interval '1 day' WHERE position = 5"
    )
    result = await ledger.verify(pool)
    assert not result.ok and result.first_bad_position == 5


async def test_a_deleted_event_is_caught(history, pool):
    await seal_everything(pool)
    await as_attacker(
        pool,
        "DELETE FROM ledger WHERE position = 6",
        "DELETE FROM events WHERE position = 6",
    )
    result = await ledger.verify(pool)
    assert not result.ok and result.first_bad_position is not None


async def test_an_event_inserted_into_the_past_with_correct_hashes_is_caught(history, pool):
    """A forger who knows the hashing writes a well-formed event dated into sealed history."""
    await seal_everything(pool)
    event_id, occurred_at = uuid4(), datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
    data, metadata = b'{"type":"test.counted","visitors":500}', b'{"actor":"account:test"}'
    digest = content_digest(
        event_id=event_id, stream_id="session-forged", stream_version=1, type="test.counted",
        schema_version=1, data=data, metadata=metadata, occurred_at=occurred_at,
    )
    async with pool.acquire() as connection, connection.transaction():
        await connection.execute("ALTER TABLE events DISABLE TRIGGER USER")
        await connection.execute(
            """INSERT INTO events (event_id, stream_id, stream_version, type, schema_version, data,
                                   metadata, occurred_at, hash, transaction_id)
               SELECT $1, 'session-forged', 1, 'test.counted', 1, $2, $3, $4, $5,
                      transaction_id FROM events WHERE position = 3""",
            event_id, data, metadata, occurred_at, event_hash(None, digest),
        )
        await connection.execute("ALTER TABLE events ENABLE TRIGGER USER")
    forged = await pool.fetchval("SELECT position FROM events WHERE event_id = $1", event_id)
    result = await ledger.verify(pool)
    assert not result.ok and result.first_bad_position == forged


async def test_a_rewritten_ledger_entry_is_caught(history, pool):
    await seal_everything(pool)
    await as_attacker(pool, "UPDATE ledger SET chain_hash = sha256(chain_hash) WHERE seq = 10")
    result = await ledger.verify(pool)
    assert not result.ok
