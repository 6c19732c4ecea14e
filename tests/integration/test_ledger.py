"""Sealing the history into the ledger, and verify() against an attacker with superuser rights.

The attacker switches the append-only triggers off (``DISABLE TRIGGER USER``) and edits rows
with plain SQL, the way anyone holding the database could.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from uuid import uuid4

import asyncpg
import pytest

from events import ledger
from events.base import Event, EventMetadata, EventRegistry
from events.hashing import content_digest, event_hash, ledger_hash
from events.store import APPEND, EventStore, PendingEvent, StreamWrite, init_connection
from tests.helpers import seal_everything
from tests.ledger_attack import as_attacker

pytestmark = pytest.mark.integration
METADATA = EventMetadata(actor="account:test")
STREAMS, VERSIONS = 4, 5
TOTAL = STREAMS * VERSIONS


class Counted(Event, tag="test.counted", frozen=True, kw_only=True):
    visitors: int


def counted(visitors: int) -> PendingEvent:
    return PendingEvent(
        event=Counted(visitors=visitors), occurred_at=datetime(2024, 5, 4, tzinfo=UTC)
    )


def position_of(stream: int, version: int) -> int:
    """The fixture interleaves the streams: session-0 v1, session-1 v1, ..., session-0 v2, ..."""
    return (version - 1) * STREAMS + stream + 1


@pytest.fixture
async def history(pool) -> EventStore:
    registry = EventRegistry()
    registry.register(Counted)
    store = EventStore(pool, registry)
    for version in range(VERSIONS):
        for stream in range(STREAMS):
            await store.append(
                StreamWrite(f"session-{stream}", version, [counted(10 + version)]),
                metadata=METADATA,
            )
    assert await pool.fetchval(
        "SELECT stream_id FROM events WHERE position = $1", position_of(2, 3)
    ) == "session-2"
    return store


async def everything_stored(pool) -> list[ledger.StoredEvent]:
    return [event async for event in ledger.stored_events(pool)]


async def assert_caught_at(pool, position: int | None) -> ledger.Verification:
    result = await ledger.verify(pool)
    assert not result.ok, result
    assert result.first_bad_position == position, result
    return result


# --- sealing -------------------------------------------------------------------------------


async def test_an_untouched_history_verifies_and_names_its_head(history, pool):
    await seal_everything(pool)
    result = await ledger.verify(pool)
    assert result.ok and result.events_checked == TOTAL
    assert result.head == (await ledger.ledger_head(pool))[1]
    assert (await ledger.ledger_head(pool))[0] == TOTAL


async def test_an_unsealed_history_verifies_by_its_stream_chains(history, pool):
    result = await ledger.verify(pool)
    assert result.ok and result.events_checked == TOTAL and result.head is None


async def test_sealing_is_incremental_and_leaves_what_was_sealed_alone(history, pool):
    await seal_everything(pool)
    assert await ledger.seal(pool) == 0  # nothing new
    before = await pool.fetch("SELECT seq, position, chain_hash FROM ledger ORDER BY seq")

    for version in range(VERSIONS, VERSIONS + 2):
        await history.append(StreamWrite("session-0", version, [counted(1)]), metadata=METADATA)
    half_sealed = await ledger.verify(pool)  # two unsealed events after the sealed ones
    assert half_sealed.ok and half_sealed.events_checked == TOTAL + 2
    await seal_everything(pool)

    after = await pool.fetch("SELECT seq, position, chain_hash FROM ledger ORDER BY seq")
    assert after[:TOTAL] == before
    assert [row["seq"] for row in after] == list(range(1, TOTAL + 3))
    assert (await ledger.verify(pool)).ok


async def test_several_sealers_at_once_seal_each_event_exactly_once(history, pool):
    sealed = await asyncio.gather(*(ledger.seal(pool) for _ in range(6)))
    assert sum(sealed) <= TOTAL
    for version in range(VERSIONS, VERSIONS + 3):
        await history.append(StreamWrite("session-1", version, [counted(2)]), metadata=METADATA)
    await asyncio.gather(*(ledger.seal(pool) for _ in range(6)), seal_everything(pool))

    rows = await pool.fetch("SELECT seq, position FROM ledger ORDER BY seq")
    assert [row["seq"] for row in rows] == list(range(1, TOTAL + 4))
    assert sorted(row["position"] for row in rows) == [
        row["position"] for row in await pool.fetch("SELECT position FROM events ORDER BY position")
    ]
    assert (await ledger.verify(pool)).ok


async def test_the_ledger_seals_in_read_order_and_waits_for_a_late_commit(
    history, pool, database_url
):
    await seal_everything(pool)
    connection = await asyncpg.connect(database_url)
    await init_connection(connection)
    try:
        async with connection.transaction():
            arguments = history._append_arguments(
                [StreamWrite("late", 0, [counted(1)])], METADATA
            )
            await connection.fetch(APPEND, *arguments)
            for stream in range(STREAMS):
                await history.append(
                    StreamWrite(f"session-{stream}", VERSIONS, [counted(3)]), metadata=METADATA
                )
            await ledger.seal(pool)
            # Nothing committed after the open transaction is sealed before it.
            assert await pool.fetchval("SELECT count(*) FROM ledger") == TOTAL
    finally:
        await connection.close()
    await seal_everything(pool)
    sealed = await pool.fetch(
        """SELECT e.stream_id FROM ledger l JOIN events e USING (position)
            WHERE l.seq > $1 ORDER BY l.seq""",
        TOTAL,
    )
    assert [row["stream_id"] for row in sealed] == ["late"] + [
        f"session-{stream}" for stream in range(STREAMS)
    ]
    assert (await ledger.verify(pool)).ok


# --- tampering with events -----------------------------------------------------------------


async def test_one_changed_byte_in_stored_data_is_caught_at_its_position(history, pool):
    await seal_everything(pool)
    target = position_of(1, 3)  # visitors 12
    await as_attacker(
        pool,
        f"""UPDATE events SET data = replace(data::text, '12', '13')::json
             WHERE position = {target}""",
    )
    assert await pool.fetchval(
        "SELECT data::text FROM events WHERE position = $1", target
    ) == '{"type":"test.counted","visitors":13}'
    result = await assert_caught_at(pool, target)
    assert "content" in result.problem


async def test_one_changed_byte_in_an_unsealed_event_is_caught_too(history, pool):
    target = position_of(3, 4)
    await as_attacker(
        pool,
        f"""UPDATE events SET data = replace(data::text, '13', '14')::json
             WHERE position = {target}""",
    )
    await assert_caught_at(pool, target)


async def test_any_changed_hashed_field_of_a_sealed_event_is_caught_at_its_position(
    history, pool
):
    await seal_everything(pool)
    target = position_of(2, 2)
    changes = [
        "metadata = '{\"actor\":\"account:mallory\"}'::json",
        "occurred_at = occurred_at + interval '1 microsecond'",
        "type = 'test.other'",
        "schema_version = 2",
        "event_id = gen_random_uuid()",
        "stream_id = 'session-9'",
        "stream_version = 7",
        "prev_hash = sha256(prev_hash)",
    ]
    async with pool.acquire() as connection:
        for change in changes:
            # Each edit alone, verified inside the attacker's transaction, then undone.
            transaction = connection.transaction()
            await transaction.start()
            try:
                await connection.execute("ALTER TABLE events DISABLE TRIGGER USER")
                await connection.execute(f"UPDATE events SET {change} WHERE position = {target}")
                result = await ledger.verify(connection)
                assert (result.ok, result.first_bad_position) == (False, target), (change, result)
            finally:
                await transaction.rollback()
    assert (await ledger.verify(pool)).ok


async def test_a_changed_recorded_at_of_a_sealed_event_is_caught(history, pool):
    await seal_everything(pool)
    target = position_of(0, 2)
    await as_attacker(
        pool,
        f"""UPDATE events SET recorded_at = recorded_at - interval '1 day'
             WHERE position = {target}""",
    )
    result = await assert_caught_at(pool, target)
    assert "ledger chain" in result.problem


async def test_a_changed_hash_with_a_matching_successor_is_caught(history, pool):
    """Re-chaining the stream after an edit does not help: the ledger sealed the old hashes."""
    await seal_everything(pool)
    target = position_of(3, VERSIONS)  # the last event of its stream: nothing links to it
    row = await pool.fetchrow("SELECT * FROM events WHERE position = $1", target)
    data = b'{"type":"test.counted","visitors":99}'
    digest = content_digest(
        event_id=row["event_id"], stream_id=row["stream_id"], stream_version=row["stream_version"],
        type=row["type"], schema_version=row["schema_version"], data=data,
        metadata=row["metadata"], occurred_at=row["occurred_at"],
    )
    await as_attacker(
        pool,
        "UPDATE events SET data = $1, hash = $2 WHERE position = $3",
        arguments=(data, event_hash(row["prev_hash"], digest), target),
    )
    result = await assert_caught_at(pool, target)
    assert "ledger chain" in result.problem


# --- deleting events -----------------------------------------------------------------------


async def test_a_deleted_sealed_event_is_caught_where_the_chain_breaks(history, pool):
    await seal_everything(pool)
    target = position_of(1, 2)
    await as_attacker(
        pool,
        f"DELETE FROM ledger WHERE position = {target}",
        f"DELETE FROM events WHERE position = {target}",
    )
    result = await assert_caught_at(pool, target + 1)  # the next sealed event
    assert "ledger chain" in result.problem


async def test_a_deleted_sealed_event_whose_ledger_entry_stays_is_caught(history, pool):
    await seal_everything(pool)
    target = position_of(2, 3)
    await as_attacker(
        pool,
        "ALTER TABLE ledger DROP CONSTRAINT ledger_position_fkey",
        f"DELETE FROM events WHERE position = {target}",
    )
    await assert_caught_at(pool, target + 1)


async def test_a_deleted_unsealed_event_in_the_middle_of_a_stream_is_caught(history, pool):
    target = position_of(0, 3)
    await as_attacker(pool, f"DELETE FROM events WHERE position = {target}")
    result = await assert_caught_at(pool, position_of(0, 4))
    assert "jumps" in result.problem


async def test_deleting_the_newest_sealed_events_is_caught_against_a_head_recorded_before(
    history, pool
):
    """Cutting off the tail leaves a shorter chain that is consistent in itself; it is caught
    against the head an auditor recorded earlier (as for an export)."""
    await seal_everything(pool)
    _, recorded_head = await ledger.ledger_head(pool)
    await as_attacker(
        pool,
        f"DELETE FROM ledger WHERE seq > {TOTAL - STREAMS}",
        f"DELETE FROM events WHERE position > {TOTAL - STREAMS}",
    )
    result = ledger.verify_events(await everything_stored(pool), expected_head=recorded_head)
    assert not result.ok and "expected" in result.problem


async def test_a_rewritten_and_resealed_tail_is_caught_against_a_head_recorded_before(
    history, pool
):
    await seal_everything(pool)
    _, recorded_head = await ledger.ledger_head(pool)
    target = TOTAL  # the newest event, the last of its stream
    row = await pool.fetchrow("SELECT * FROM events WHERE position = $1", target)
    data = b'{"type":"test.counted","visitors":99}'
    digest = content_digest(
        event_id=row["event_id"], stream_id=row["stream_id"], stream_version=row["stream_version"],
        type=row["type"], schema_version=row["schema_version"], data=data,
        metadata=row["metadata"], occurred_at=row["occurred_at"],
    )
    await as_attacker(
        pool,
        f"DELETE FROM ledger WHERE position = {target}",
        "UPDATE events SET data = $1, hash = $2 WHERE position = $3",
        arguments=(data, event_hash(row["prev_hash"], digest), target),
    )
    await seal_everything(pool)
    result = ledger.verify_events(await everything_stored(pool), expected_head=recorded_head)
    assert not result.ok and result.head != recorded_head


# --- inserting events ----------------------------------------------------------------------


def forged_event(stream_id: str = "session-forged", stream_version: int = 1) -> tuple[object, ...]:
    """A well-formed event as the store would hash it, first of its (claimed) stream chain."""
    event_id, occurred_at = uuid4(), datetime(2024, 5, 4, 10, 0, tzinfo=UTC)
    data, metadata = b'{"type":"test.counted","visitors":500}', b'{"actor":"account:test"}'
    digest = content_digest(
        event_id=event_id, stream_id=stream_id, stream_version=stream_version,
        type="test.counted", schema_version=1, data=data, metadata=metadata,
        occurred_at=occurred_at,
    )
    return event_id, stream_id, data, metadata, occurred_at, event_hash(None, digest)


FORGE_INTO_THE_PAST = """
    INSERT INTO events (event_id, stream_id, stream_version, type, schema_version, data,
                        metadata, occurred_at, hash, transaction_id)
    SELECT $1, $2, 1, 'test.counted', 1, $3, $4, $5, $6, transaction_id
      FROM events WHERE position = 3"""


async def test_an_event_inserted_into_the_past_with_correct_hashes_is_caught(history, pool):
    """A forger who knows the hashing writes a well-formed event into sealed history."""
    await seal_everything(pool)
    forged = forged_event()
    await as_attacker(pool, FORGE_INTO_THE_PAST, arguments=forged)
    position = await pool.fetchval("SELECT position FROM events WHERE event_id = $1", forged[0])
    result = await assert_caught_at(pool, position)
    assert "never sealed" in result.problem


async def test_an_event_inserted_into_the_past_with_a_forged_ledger_entry_is_caught(
    history, pool
):
    """The forger also extends the ledger chain correctly, so every hash checks out; but the
    ledger seals in read order, and this entry's event sorts before the one sealed before it."""
    await seal_everything(pool)
    forged = forged_event()
    await as_attacker(pool, FORGE_INTO_THE_PAST, arguments=forged)
    row = await pool.fetchrow(
        "SELECT position, recorded_at, hash FROM events WHERE event_id = $1", forged[0]
    )
    seq, head = await ledger.ledger_head(pool)
    chain = ledger_hash(bytes.fromhex(head), row["position"], row["recorded_at"], row["hash"])
    await as_attacker(
        pool,
        "INSERT INTO ledger (seq, position, chain_hash) VALUES ($1, $2, $3)",
        arguments=(seq + 1, row["position"], chain),
    )
    await assert_caught_at(pool, row["position"])


async def test_a_sealed_event_moved_in_read_order_is_caught(history, pool):
    """read_all orders by (transaction_id, position); moving an event to another transaction
    changes the order every projection replays, though no hashed field changed."""
    await seal_everything(pool)
    moved = position_of(2, 4)
    await as_attacker(
        pool,
        f"""UPDATE events
               SET transaction_id = (SELECT transaction_id FROM events WHERE position = 2)
             WHERE position = {moved}""",
    )
    await assert_caught_at(pool, moved)


async def test_a_forged_event_that_does_not_link_to_its_stream_is_caught(history, pool):
    await seal_everything(pool)
    event_id, _, data, metadata, occurred_at, hash_ = forged_event("session-1", VERSIONS + 1)
    await as_attacker(
        pool,
        """INSERT INTO events (event_id, stream_id, stream_version, type, schema_version, data,
                               metadata, occurred_at, hash)
           VALUES ($1, 'session-1', $6, 'test.counted', 1, $2, $3, $4, $5)""",
        arguments=(event_id, data, metadata, occurred_at, hash_, VERSIONS + 1),
    )
    position = await pool.fetchval("SELECT position FROM events WHERE event_id = $1", event_id)
    result = await assert_caught_at(pool, position)
    assert "link" in result.problem


# --- tampering with the ledger -------------------------------------------------------------


async def test_a_rewritten_ledger_entry_is_caught_at_its_position(history, pool):
    await seal_everything(pool)
    await as_attacker(pool, "UPDATE ledger SET chain_hash = sha256(chain_hash) WHERE seq = 10")
    position = await pool.fetchval("SELECT position FROM ledger WHERE seq = 10")
    await assert_caught_at(pool, position)


async def test_ledger_entries_for_missing_events_are_caught(history, pool):
    await seal_everything(pool)
    await as_attacker(
        pool,
        "ALTER TABLE ledger DROP CONSTRAINT ledger_position_fkey",
        f"DELETE FROM events WHERE position = {TOTAL}",
    )
    result = await ledger.verify(pool)
    assert not result.ok and "missing" in result.problem
