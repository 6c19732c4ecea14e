"""What only PostgreSQL can show of the event store: races between writers, the read barrier
under concurrent transactions, the append-only triggers, migrations, NOTIFY. What every store
does is in the contract (tests/store_contract.py)."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from uuid import uuid4

import asyncpg
import msgspec
import pytest

from events.base import StoredEvent
from events.migrations import apply_migrations
from events.notify import listen, postgres_notifier
from events.store import (
    APPEND,
    NOTIFY_CHANNEL,
    AppendQueueFull,
    ConcurrencyError,
    EventIdsPartlyStored,
    EventStore,
    StreamWrite,
    create_pool,
    init_connection,
)
from services.platform.database import migrate
from tests.helpers import read_everything, seal_everything
from tests.store_contract import HAPPENED, METADATA, contract_registry, noted, write

pytestmark = pytest.mark.integration


@pytest.fixture
def notes(pool) -> EventStore:
    return EventStore(pool, contract_registry())


async def count(pool) -> int:
    return await pool.fetchval("SELECT count(*) FROM events")


# --- appending -----------------------------------------------------------------------------


async def test_recorded_at_is_the_databases_clock_at_the_write(notes, pool):
    before = await pool.fetchval("SELECT clock_timestamp()")
    await notes.append(write("note-1", 0, "a", "b"), metadata=METADATA)
    after = await pool.fetchval("SELECT clock_timestamp()")
    for event in await notes.read_stream("note-1"):
        assert before <= event.recorded_at <= after


async def test_occurred_at_and_recorded_at_are_separate_columns(notes, pool):
    await notes.append(write("note-1", 0), metadata=METADATA)
    row = await pool.fetchrow("SELECT occurred_at, recorded_at, metadata FROM events")
    assert row["occurred_at"] == HAPPENED
    assert row["recorded_at"] > HAPPENED + timedelta(days=365)
    assert msgspec.json.decode(row["metadata"]) == {
        "actor": "account:test",
        "correlation_id": "corr-1",
        "causation_id": "cause-1",
        "idempotency_key": "idem-1",
    }


async def test_of_many_writers_at_the_same_expected_version_exactly_one_wins(notes, pool):
    await notes.append(write("note-1", 0), metadata=METADATA)
    outcomes = await asyncio.gather(
        *(notes.append(write("note-1", 1, f"writer {i}"), metadata=METADATA) for i in range(20)),
        return_exceptions=True,
    )
    winners = [o for o in outcomes if not isinstance(o, BaseException)]
    losers = [o for o in outcomes if isinstance(o, BaseException)]
    assert len(winners) == 1 and not winners[0].replayed
    assert len(losers) == 19 and all(isinstance(o, ConcurrencyError) for o in losers)
    assert await count(pool) == 2
    [second] = await notes.read_stream("note-1", after_version=1)
    assert second.position == winners[0].position


async def test_of_many_new_streams_raced_by_multi_stream_writers_each_is_written_once(notes, pool):
    """Writers race for overlapping pairs of new streams; a pair is all or nothing."""
    outcomes = await asyncio.gather(
        *(
            notes.append(write(f"pair-{i % 4}", 0, str(i)), write(f"pair-{(i + 1) % 4}", 0, str(i)),
                         metadata=METADATA)
            for i in range(12)
        ),
        return_exceptions=True,
    )
    assert all(isinstance(o, ConcurrencyError) for o in outcomes if isinstance(o, BaseException))
    rows = await pool.fetch("SELECT stream_id, data FROM events ORDER BY stream_id")
    assert len({r["stream_id"] for r in rows}) == len(rows)  # every stream holds one event
    by_writer: dict[str, int] = {}
    for row in rows:
        text = msgspec.json.decode(row["data"])["text"]
        by_writer[text] = by_writer.get(text, 0) + 1
    assert set(by_writer.values()) == {2}  # each winner wrote both of its streams
    assert len(by_writer) == sum(not isinstance(o, BaseException) for o in outcomes)


async def test_two_appends_naming_the_same_streams_in_opposite_orders_never_deadlock(notes, pool):
    """Each waits for the other's key in the unique index; in opposite orders that was a cycle
    PostgreSQL broke only after deadlock_timeout, with an error that was not a ConcurrencyError."""
    many = [f"e{i}" for i in range(20)]
    for round_ in range(40):
        a, b = f"a-{round_}", f"b-{round_}"
        outcomes = await asyncio.gather(
            notes.append(write(a, 0, *many), write(b, 0, *many), metadata=METADATA),
            notes.append(write(b, 0, *many), write(a, 0, *many), metadata=METADATA),
            return_exceptions=True,
        )
        assert sorted(type(o).__name__ for o in outcomes) == ["AppendResult", "ConcurrencyError"]
    assert await count(pool) == 40 * 2 * 20


# --- group commit --------------------------------------------------------------------------


async def test_a_group_with_one_conflicting_append_commits_the_rest_and_reports_only_that_one(
    notes, pool
):
    await notes.append(*(write(f"g-{i}", 0) for i in range(6)), metadata=METADATA)
    expected = [1] * 6
    expected[3] = 0  # g-3 moved on since
    outcomes = await asyncio.gather(
        *(notes.append(write(f"g-{i}", expected[i], f"second {i}"),
                       write(f"h-{i}", 0, f"new {i}", "more"), metadata=METADATA)
          for i in range(6)),
        return_exceptions=True,
    )
    [failed] = [o for o in outcomes if isinstance(o, BaseException)]
    assert isinstance(failed, ConcurrencyError) and failed.stream_id == "g-3"
    assert "g-3 is at version 1, expected 0" in str(failed)
    assert isinstance(outcomes[3], ConcurrencyError)
    assert [await notes.read_stream("h-3"), (await notes.read_stream("g-3"))[1:]] == [[], []]
    transactions = set()
    for i in (0, 1, 2, 4, 5):
        [second] = await notes.read_stream(f"g-{i}", after_version=1)
        appended = await notes.read_append(second.event_id)  # its own events, no neighbour's
        assert [(e.stream_id, e.stream_version) for e in appended] == [
            (f"g-{i}", 2), (f"h-{i}", 1), (f"h-{i}", 2)]
        assert appended[-1].position == outcomes[i].position
        assert second.prev_hash == (await notes.read_stream(f"g-{i}"))[0].hash
        transactions |= {e.transaction_id for e in appended}
    assert len(transactions) == 1  # the five went together, in one transaction
    assert (await notes.verify()).ok


async def test_a_group_with_a_reused_event_id_commits_the_rest_and_refuses_that_one(notes, pool):
    stored = noted("stored")
    await notes.append(StreamWrite("r-0", 0, [stored]), metadata=METADATA)
    outcomes = await asyncio.gather(
        notes.append(write("r-1", 0, "a"), metadata=METADATA),
        notes.append(StreamWrite("r-2", 0, [stored, noted("b")]), metadata=METADATA),
        notes.append(StreamWrite("r-0", 0, [stored]), metadata=METADATA),  # a plain retry
        notes.append(write("r-3", 0, "c"), metadata=METADATA),
        return_exceptions=True,
    )
    assert isinstance(outcomes[1], EventIdsPartlyStored)
    assert outcomes[2].replayed
    assert not outcomes[0].replayed and not outcomes[3].replayed
    assert [len(await notes.read_stream(f"r-{i}")) for i in range(4)] == [1, 1, 0, 1]


async def test_appends_of_one_stream_never_share_a_group(notes, pool):
    outcomes = await asyncio.gather(
        *(notes.append(write("same", 0, f"writer {i}"), metadata=METADATA) for i in range(5)),
        *(notes.append(write(f"other-{i}", 0), metadata=METADATA) for i in range(5)),
        return_exceptions=True,
    )
    assert sum(not isinstance(o, BaseException) for o in outcomes[:5]) == 1
    assert all(isinstance(o, ConcurrencyError) for o in outcomes[:5] if isinstance(o, Exception))
    assert all(not isinstance(o, BaseException) for o in outcomes[5:])
    assert await count(pool) == 6


async def test_appends_beyond_the_bounded_queue_are_refused_at_once(pool):
    store = EventStore(pool, contract_registry(), max_waiting=4, max_in_flight=1)
    await store.append(write("warm", 0), metadata=METADATA)
    outcomes = await asyncio.gather(
        *(store.append(write(f"q-{i}", 0), metadata=METADATA) for i in range(10)),
        return_exceptions=True,
    )
    refused = [o for o in outcomes if isinstance(o, AppendQueueFull)]
    assert len(refused) == 5 and "try again" in str(refused[0])
    # The first of the ten came to a quiet process: it leads the group the others join (it is
    # not counted against the bound, being admitted before them), four wait with it.
    assert all(not isinstance(o, BaseException) for o in outcomes[:5])
    assert await count(pool) == 6  # warm, the first, the four queued; nothing of the refused
    assert (await store.append(write("q-9", 0), metadata=METADATA)).position > 0  # free again


async def test_appends_following_closely_share_a_connection_that_a_quiet_store_gives_back(
    database_url,
):
    pool = await create_pool(database_url, min_size=2, max_size=2)
    store = EventStore(pool, contract_registry())
    try:
        for version in range(5):
            await store.append(write("close", version), metadata=METADATA)
            assert pool.get_idle_size() == 1  # the writer keeps its connection for the next
            assert await pool.fetchval("SELECT 1") == 1  # the others still have the other
        await asyncio.sleep(0.1)
        assert pool.get_idle_size() == 2  # quiet: nothing held
        await store.append(write("close", 5), metadata=METADATA)
        await asyncio.wait_for(pool.close(), 1)  # closing does not wait for a kept connection long
    finally:
        pool.terminate()


# --- idempotency ---------------------------------------------------------------------------


async def test_concurrent_retries_of_a_stored_append_all_replay_it(notes, pool):
    pending = [noted("a"), noted("b")]
    first = await notes.append(StreamWrite("note-1", 0, pending), metadata=METADATA)
    retries = await asyncio.gather(
        *(notes.append(StreamWrite("note-1", 0, pending), metadata=METADATA) for _ in range(10))
    )
    assert all(r.replayed and r.position == first.position for r in retries)
    assert await count(pool) == 2


async def test_concurrent_first_attempts_with_the_same_event_ids_store_once(notes, pool):
    pending = [noted("a"), noted("b")]
    results = await asyncio.gather(
        *(notes.append(StreamWrite("note-9", 0, pending), metadata=METADATA) for _ in range(12))
    )
    assert len({r.position for r in results}) == 1
    assert sum(not r.replayed for r in results) == 1
    assert await count(pool) == 2


# --- reading everything in global order ----------------------------------------------------


async def read_on(store: EventStore, seen: list[StoredEvent], total: int, limit: int) -> None:
    """Poll from the checkpoint (the last position seen) the way a projection does."""
    while len(seen) < total:
        batch = await store.read_all(seen[-1].position if seen else 0, limit=limit)
        seen.extend(batch)
        if not batch:
            await asyncio.sleep(0.01)


async def test_an_event_committed_late_is_neither_skipped_nor_read_twice_and_order_is_stable(
    notes, pool, database_url
):
    await notes.append(write("early", 0), metadata=METADATA)
    seen = await read_everything(notes, 1)

    connection = await asyncpg.connect(database_url)
    await init_connection(connection)  # json parameters pass as the bytes the store encoded
    try:
        async with connection.transaction():
            arguments = notes._append_arguments([write("late", 0, "late")], METADATA)
            await connection.fetch(APPEND, *arguments)
            late_position = await connection.fetchval(
                "SELECT position FROM events WHERE stream_id = 'late'"
            )
            after = [
                (await notes.append(write(f"after-{i}", 0), metadata=METADATA)).position
                for i in range(5)
            ]
            assert late_position < min(after)  # it took its position first...
            assert await count(pool) == 6  # ...the others committed, it has not
            assert (await notes.read_stream("after-4"))[0].position == after[-1]
            # The barrier: while the late writer is in flight, a reader passes none of the
            # events committed after it, however often it polls.
            for _ in range(5):
                assert await notes.read_all(seen[-1].position) == []
                assert not {e.position for e in await notes.read_all(0)} & set(after)
                await asyncio.sleep(0.01)
            assert await notes.head_position() in (0, seen[-1].position)
        # committed now
    finally:
        await connection.close()

    await asyncio.wait_for(read_on(notes, seen, 7, limit=2), timeout=20)
    assert await notes.read_all(seen[-1].position) == []  # nothing more, nothing twice
    assert [e.stream_id for e in seen] == ["early", "late"] + [f"after-{i}" for i in range(5)]
    positions = [e.position for e in seen]
    assert len(set(positions)) == 7 and late_position in positions and set(after) <= set(positions)
    # Stable: a fresh reader from the start, and one reading one by one, see the same order.
    assert [e.position for e in await notes.read_all(0)] == positions
    one_by_one: list[StoredEvent] = []
    await read_on(notes, one_by_one, 7, limit=1)
    assert [e.position for e in one_by_one] == positions


async def test_a_rolled_back_writer_leaves_no_gap_that_stops_the_reader(notes, pool, database_url):
    connection = await asyncpg.connect(database_url)
    await init_connection(connection)
    try:
        transaction = connection.transaction()
        await transaction.start()
        arguments = notes._append_arguments([write("doomed", 0)], METADATA)
        await connection.fetch(APPEND, *arguments)
        await notes.append(write("survivor", 0), metadata=METADATA)
        await transaction.rollback()
    finally:
        await connection.close()
    [event] = await read_everything(notes, 1)
    assert event.stream_id == "survivor"


async def test_events_of_some_types_are_read_as_soon_as_they_commit_past_an_older_writer(
    notes, pool, database_url
):
    """``read_types_since`` has no read barrier (closed accounts must be seen at once), and
    still misses no event that commits late: it reads on from the horizon it answered."""
    kept = timedelta(hours=1)
    horizon, _ = await notes.read_types_since(["test.noted"], 0, recorded_within=kept)
    connection = await asyncpg.connect(database_url)
    await init_connection(connection)
    try:
        async with connection.transaction():
            arguments = notes._append_arguments([write("slow", 0, "slow")], METADATA)
            await connection.fetch(APPEND, *arguments)
            await notes.append(write("quick", 0, "quick"), metadata=METADATA)
            assert await notes.read_all() == []  # behind the barrier of the slow writer
            horizon, found = await notes.read_types_since(
                ["test.noted"], horizon, recorded_within=kept)
            assert [event.stream_id for event in found] == ["quick"]
    finally:
        await connection.close()
    _, found = await notes.read_types_since(["test.noted"], horizon, recorded_within=kept)
    assert "slow" in [event.stream_id for event in found]


async def test_a_reader_polling_during_many_writers_sees_every_event_exactly_once(notes, pool):
    writers, appends = 12, 15
    total = writers * appends + 3 * 2 * 3
    writers_done = asyncio.Event()

    async def writer(n: int) -> None:
        for version in range(appends):
            await notes.append(write(f"w-{n}", version), metadata=METADATA)

    async def pair_writer(n: int) -> None:  # multi-stream appends in the mix
        for version in range(2):
            await notes.append(
                write(f"p-{n}-a", version), write(f"p-{n}-b", 2 * version, "b1", "b2"),
                metadata=METADATA,
            )

    async def reader() -> list[int]:
        seen: list[int] = []
        while not (writers_done.is_set() and len(seen) >= total):
            batch = await notes.read_all(seen[-1] if seen else 0, limit=7)
            seen += [e.position for e in batch]
            await asyncio.sleep(0 if batch else 0.005)
        seen += [e.position for e in await notes.read_all(seen[-1])]  # a stray would show here
        return seen

    reading = asyncio.create_task(reader())
    try:
        await asyncio.gather(
            *(writer(n) for n in range(writers)), *(pair_writer(n) for n in range(3))
        )
        writers_done.set()
        seen = await asyncio.wait_for(reading, timeout=30)
    finally:
        reading.cancel()

    stored = await pool.fetch("SELECT position FROM events")
    assert len(stored) == total
    assert len(seen) == len(set(seen)) == total
    assert set(seen) == {row["position"] for row in stored}
    assert seen == [e.position for e in await read_everything(notes, total)]


# --- history is append-only ----------------------------------------------------------------


async def test_history_cannot_be_updated_deleted_or_truncated(notes, pool):
    await notes.append(write("note-1", 0), metadata=METADATA)
    await seal_everything(pool)
    for statement in [
        "UPDATE events SET type = 'x'",
        "UPDATE events SET data = '{}'::json",
        "DELETE FROM events",
        "TRUNCATE events CASCADE",
        "UPDATE ledger SET seq = 0",
        "DELETE FROM ledger",
        "TRUNCATE ledger",
    ]:
        with pytest.raises(asyncpg.PostgresError) as error:
            await pool.execute(statement)
        assert error.value.sqlstate == "TPIMM", statement
        assert "append-only" in error.value.message
    assert await count(pool) == 1
    assert await pool.fetchval("SELECT count(*) FROM ledger") == 1


# --- migrations ----------------------------------------------------------------------------


async def test_migrations_applied_again_change_nothing(pool):
    async with pool.acquire() as connection:
        recorded = await connection.fetch("SELECT name, applied_at FROM schema_migrations")
        assert await apply_migrations(connection) == []
        assert await migrate(connection) == []
        assert await connection.fetch("SELECT name, applied_at FROM schema_migrations") == recorded
    assert "events/0001_event_store.sql" in {row["name"] for row in recorded}


async def test_a_new_migration_is_applied_once_and_an_edited_one_is_refused(pool, tmp_path):
    folder = tmp_path / "extra" / "migrations"
    folder.mkdir(parents=True)
    (folder / "0001_table.sql").write_text("CREATE TABLE extra_thing (id int);")
    async with pool.acquire() as connection:
        assert await apply_migrations(connection, folder) == ["extra/0001_table.sql"]
        assert await apply_migrations(connection, folder) == []

        (folder / "0001_table.sql").write_text("CREATE TABLE extra_thing (id bigint);")
        (folder / "0002_more.sql").write_text("CREATE TABLE extra_more (id int);")
        with pytest.raises(RuntimeError, match="changed after it was applied"):
            await apply_migrations(connection, folder)
        # Refused as a whole: the migration after the edited one was not applied either.
        assert await connection.fetchval("SELECT to_regclass('extra_more')") is None


async def test_an_edited_event_store_migration_is_refused(pool):
    async with pool.acquire() as connection:
        await connection.execute(
            """UPDATE schema_migrations SET checksum = 'edited'
                WHERE name = 'events/0001_event_store.sql'"""
        )
        with pytest.raises(RuntimeError, match="changed after it was applied"):
            await apply_migrations(connection)


# --- waking listeners ----------------------------------------------------------------------


async def test_a_listener_on_another_connection_is_woken_with_only_a_position(
    pool, database_url
):
    payloads: asyncio.Queue[str] = asyncio.Queue()
    positions: asyncio.Queue[int] = asyncio.Queue()
    raw = await asyncpg.connect(database_url)
    woken = await asyncpg.connect(database_url)
    notifier = postgres_notifier(pool)
    notifier.start()
    store = EventStore(pool, contract_registry(), on_commit=notifier.poke)
    try:
        await raw.add_listener(NOTIFY_CHANNEL, lambda *args: payloads.put_nowait(args[-1]))
        await listen(woken, positions.put_nowait)
        secret = noted("a private remark", event_id=uuid4())
        result = await store.append(StreamWrite("note-1", 0, [secret]), metadata=METADATA)

        payload = await asyncio.wait_for(payloads.get(), timeout=5)
        assert payload == str(result.position)  # the position, and nothing of the event
        assert await asyncio.wait_for(positions.get(), timeout=5) == result.position
        # Woken after the commit: what the wake-up announces is there to read.
        assert [e.position for e in await store.read_stream("note-1")] == [result.position]

        # A replay writes nothing and so wakes no one.
        assert (await store.append(StreamWrite("note-1", 0, [secret]), metadata=METADATA)).replayed
        await asyncio.sleep(0.3)
        assert payloads.empty()
    finally:
        await notifier.close()
        await raw.close()
        await woken.close()


async def test_a_pool_made_by_create_pool_passes_json_through_as_bytes(database_url):
    pool = await create_pool(database_url, min_size=1, max_size=1)
    try:
        assert await pool.fetchval("""SELECT '{"a":  1}'::json""") == b'{"a":  1}'
    finally:
        await pool.close()
