from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import pytest

from events.base import Event, EventMetadata, EventRegistry
from events.migrations import apply_migrations
from events.notify import listen, postgres_notifier
from tests.helpers import read_everything, seal_everything
from events.store import (
    ConcurrencyError,
    EventStore,
    PendingEvent,
    StreamWrite,
    create_pool,
    init_connection,
)

pytestmark = pytest.mark.integration

METADATA = EventMetadata(actor="account:test", correlation_id="c-1", causation_id="k-1",
                         idempotency_key="idem-1")


class Noted(Event, tag="test.noted", frozen=True, kw_only=True):
    text: str


class Renamed(Event, tag="test.renamed", frozen=True, kw_only=True):
    name: str


def notes_registry() -> EventRegistry:
    registry = EventRegistry()
    registry.register(Noted)
    return registry


@pytest.fixture
def notes(pool) -> EventStore:
    return EventStore(pool, notes_registry())


def noted(text: str = "x", occurred_at: datetime | None = None, event_id: UUID | None = None):
    return PendingEvent(
        event=Noted(text=text),
        occurred_at=occurred_at or datetime(2026, 3, 2, 17, 0, tzinfo=UTC),
        **({"event_id": event_id} if event_id else {}),
    )


async def count(pool) -> int:
    return await pool.fetchval("SELECT count(*) FROM events")


async def test_an_append_stores_every_field_and_reads_back(notes, pool):
    happened = datetime(2026, 3, 2, 17, 0, tzinfo=UTC)
    result = await notes.append(StreamWrite("note-1", 0, [noted("a", happened), noted("b")]),
                                metadata=METADATA)
    events = await notes.read_stream("note-1")
    assert [e.stream_version for e in events] == [1, 2]
    assert [e.event for e in events] == [Noted(text="a"), Noted(text="b")]
    assert result.position == events[-1].position and not result.replayed
    first = events[0]
    assert first.type == "test.noted" and first.schema_version == 1
    assert first.metadata == METADATA
    assert first.occurred_at == happened
    assert first.recorded_at > datetime.now(UTC) - timedelta(minutes=1)
    assert first.recorded_at != first.occurred_at
    assert first.prev_hash is None and events[1].prev_hash == first.hash


async def test_an_append_to_several_streams_is_atomic_and_checks_every_expected_version(
    notes, pool
):
    await notes.append(StreamWrite("note-a", 0, [noted()]), metadata=METADATA)
    result = await notes.append(
        StreamWrite("note-a", 1, [noted()]), StreamWrite("note-b", 0, [noted(), noted()]),
        metadata=METADATA,
    )
    assert result.position == await pool.fetchval("SELECT max(position) FROM events")
    before = await count(pool)
    with pytest.raises(ConcurrencyError) as error:
        await notes.append(
            StreamWrite("note-a", 2, [noted()]),  # right
            StreamWrite("note-b", 1, [noted()]),  # wrong: note-b holds 2
            metadata=METADATA,
        )
    assert error.value.stream_id == "note-b"
    assert await count(pool) == before


async def test_a_wrong_expected_version_writes_nothing(notes, pool):
    await notes.append(StreamWrite("note-1", 0, [noted()]), metadata=METADATA)
    for wrong in (0, 2, 5):
        with pytest.raises(ConcurrencyError):
            await notes.append(StreamWrite("note-1", wrong, [noted()]), metadata=METADATA)
    assert await count(pool) == 1


async def test_of_many_writers_at_the_same_version_exactly_one_wins(notes, pool):
    await notes.append(StreamWrite("note-1", 0, [noted()]), metadata=METADATA)
    outcomes = await asyncio.gather(
        *(notes.append(StreamWrite("note-1", 1, [noted(str(i))]), metadata=METADATA)
          for i in range(15)),
        return_exceptions=True,
    )
    assert sum(not isinstance(o, BaseException) for o in outcomes) == 1
    assert all(isinstance(o, ConcurrencyError) for o in outcomes if isinstance(o, BaseException))
    assert await count(pool) == 2


async def test_a_retried_append_with_the_same_event_ids_stores_nothing_new(notes, pool):
    pending = [noted("a", event_id=uuid4()), noted("b", event_id=uuid4())]
    first = await notes.append(StreamWrite("note-1", 0, pending), metadata=METADATA)
    again = await notes.append(StreamWrite("note-1", 0, pending), metadata=METADATA)
    concurrent = await asyncio.gather(
        *(notes.append(StreamWrite("note-1", 0, pending), metadata=METADATA) for _ in range(5))
    )
    assert again.replayed and again.position == first.position
    assert all(r.replayed and r.position == first.position for r in concurrent)
    assert await count(pool) == 2


async def test_concurrent_first_attempts_with_the_same_event_ids_store_once(notes, pool):
    pending = [noted("a", event_id=uuid4())]
    results = await asyncio.gather(
        *(notes.append(StreamWrite("note-9", 0, pending), metadata=METADATA) for _ in range(8))
    )
    assert len({r.position for r in results}) == 1
    assert sum(not r.replayed for r in results) == 1
    assert await count(pool) == 1


async def test_bad_appends_are_refused_before_anything_is_written(notes, pool):
    with pytest.raises(ValueError):
        await notes.append(metadata=METADATA)
    with pytest.raises(ValueError):
        await notes.append(StreamWrite("n", 0, [noted()]), StreamWrite("n", 0, [noted()]),
                           metadata=METADATA)
    with pytest.raises(ValueError):
        await notes.append(
            StreamWrite("n", 0, [PendingEvent(event=Noted(text="x"),
                                              occurred_at=datetime(2026, 3, 2, 17, 0))]),
            metadata=METADATA,
        )
    assert await count(pool) == 0


async def hold_open_append(connection: asyncpg.Connection, store: EventStore, stream: str):
    """Begin a transaction that appends and stays open until the caller commits it."""
    transaction = connection.transaction()
    await transaction.start()
    arguments = store._append_arguments([StreamWrite(stream, 0, [noted("late")])], METADATA)
    await connection.fetchrow(
        "SELECT * FROM append_events($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)", *arguments
    )
    return transaction


async def test_an_event_committed_late_is_neither_skipped_nor_read_out_of_order(
    notes, pool, database_url
):
    await notes.append(StreamWrite("early", 0, [noted()]), metadata=METADATA)
    seen = [e.position for e in await read_everything(notes, 1)]

    connection = await asyncpg.connect(database_url)
    await init_connection(connection)
    try:
        late = await hold_open_append(connection, notes, "late")
        late_position = await connection.fetchval(
            "SELECT position FROM events WHERE stream_id = 'late'"
        )
        for i in range(5):
            await notes.append(StreamWrite(f"after-{i}", 0, [noted()]), metadata=METADATA)
        # The late writer took a lower position but has not committed: the reader must wait
        # for it rather than pass it, so it reads nothing of those that committed after it.
        assert await notes.read_all(seen[-1]) == []
        await late.commit()
    finally:
        await connection.close()

    async def read_on() -> None:
        while len(seen) < 7:
            seen.extend(e.position for e in await notes.read_all(seen[-1], limit=2))

    await asyncio.wait_for(read_on(), timeout=20)
    seen += [e.position for e in await notes.read_all(seen[-1])]
    assert late_position in seen
    assert len(seen) == len(set(seen)) == await count(pool) == 7
    assert [e.position for e in await read_everything(notes, 7)] == seen


async def test_a_reader_polling_during_many_writers_sees_every_event_exactly_once(notes, pool):
    writers_done = asyncio.Event()

    async def writer(n: int) -> None:
        for version in range(15):
            await notes.append(StreamWrite(f"w-{n}", version, [noted()]), metadata=METADATA)

    async def reader() -> list[int]:
        seen: list[int] = []
        while not (writers_done.is_set() and len(seen) >= 180):
            batch = await notes.read_all(seen[-1] if seen else 0, limit=7)
            seen += [e.position for e in batch]
            await asyncio.sleep(0)
        # Nothing more may arrive: a duplicate or a stray would show here.
        seen += [e.position for e in await notes.read_all(seen[-1])]
        return seen

    reading = asyncio.create_task(reader())
    await asyncio.gather(*(writer(n) for n in range(12)))
    writers_done.set()
    seen = await asyncio.wait_for(reading, timeout=30)
    assert len(seen) == len(set(seen)) == 180
    assert seen == [e.position for e in await read_everything(notes, 180)]


async def test_a_stored_old_shape_is_upcast_when_read_through_the_store(pool):
    class RenamedV1(Event, tag="test.renamed", frozen=True, kw_only=True):
        label: str

    old = EventRegistry()
    old.register(RenamedV1)
    await EventStore(pool, old).append(
        StreamWrite("thing-1", 0, [PendingEvent(event=RenamedV1(label="Dorftreff"),
                                                occurred_at=datetime.now(UTC))]),
        metadata=METADATA,
    )

    class RenamedV2(Event, tag="test.renamed", frozen=True, kw_only=True):
        schema_version = 2
        name: str

    new = EventRegistry()
    new.register(RenamedV2)

    @new.upcaster("test.renamed", from_version=1)
    def label_became_name(old_shape: dict[str, Any]) -> dict[str, Any]:
        return {"type": old_shape["type"], "name": old_shape["label"]}

    [event] = await EventStore(pool, new).read_stream("thing-1")
    assert event.event == RenamedV2(name="Dorftreff") and event.schema_version == 1


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE events SET type = 'x'",
        "DELETE FROM events",
        "TRUNCATE events CASCADE",
        "UPDATE ledger SET seq = 0",
    ],
)
async def test_history_cannot_be_updated_or_deleted(notes, pool, statement):
    await notes.append(StreamWrite("note-1", 0, [noted()]), metadata=METADATA)
    await seal_everything(pool)
    with pytest.raises(asyncpg.PostgresError) as error:
        await pool.execute(statement)
    assert error.value.sqlstate == "TPIMM"


async def test_migrations_applied_again_change_nothing_and_an_edited_one_is_refused(
    pool, tmp_path
):
    async with pool.acquire() as connection:
        assert await apply_migrations(connection) == []
        folder = tmp_path / "extra" / "migrations"
        folder.mkdir(parents=True)
        (folder / "0001_table.sql").write_text("CREATE TABLE extra_thing (id int);")
        assert await apply_migrations(connection, folder) == ["extra/0001_table.sql"]
        assert await apply_migrations(connection, folder) == []
        (folder / "0001_table.sql").write_text("CREATE TABLE extra_thing (id bigint);")
        with pytest.raises(RuntimeError, match="changed after it was applied"):
            await apply_migrations(connection, folder)


async def test_listeners_are_woken_after_a_commit_with_only_a_position(
    notes, pool, database_url
):
    woken: asyncio.Queue[int] = asyncio.Queue()
    listener = await asyncpg.connect(database_url)
    notifier = postgres_notifier(pool)
    notifier.start()
    waking = EventStore(pool, notes_registry(), on_commit=notifier.poke)
    try:
        await listen(listener, woken.put_nowait)
        result = await waking.append(StreamWrite("note-1", 0, [noted("secret")]),
                                     metadata=METADATA)
        assert await asyncio.wait_for(woken.get(), timeout=5) == result.position
    finally:
        await notifier.close()
        await listener.close()


async def test_a_pool_made_by_create_pool_passes_json_through_as_bytes(database_url):
    pool = await create_pool(database_url, min_size=1, max_size=1)
    try:
        assert await pool.fetchval("""SELECT '{"a": 1}'::json""") == b'{"a": 1}'
    finally:
        await pool.close()
