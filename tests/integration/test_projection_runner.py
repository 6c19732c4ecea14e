from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence

import asyncpg
import pytest

from events.base import PositionedEvent
from projections.runner import (
    ensure_projection,
    fetch_at_live_position,
    live_position,
    lock_key,
    run_once,
    run_together,
    start_rebuild,
)
from tests.toy_projection import EventsPerStream, write_events

pytestmark = pytest.mark.integration


async def table_rows(pool, table: str) -> list[tuple]:
    return [tuple(row) for row in await pool.fetch(f"SELECT * FROM {table} ORDER BY 1")]


async def test_a_projection_applies_every_event_once_in_batches(store, pool):
    projection = EventsPerStream()
    await ensure_projection(pool, projection)
    await write_events(store, streams=30, per_stream=3)
    applied = await run_once(pool, store, projection, batch_size=7)
    assert applied == 90
    assert await pool.fetchval("SELECT count(*) FROM toy_applied") == 90
    assert {row[1] for row in await table_rows(pool, "toy_stream_counts")} == {3}
    assert await live_position(pool, projection.name) == await store.head_position()


async def test_rows_at_live_position_come_in_the_asked_order_with_the_position(store, pool):
    projection = EventsPerStream()
    await ensure_projection(pool, EventsPerStream(name="toy_other", prefix="other"))
    assert await fetch_at_live_position(pool, projection.name, "SELECT 1 AS one",
                                        order_by="one") == ([], 0)  # no generation yet
    await ensure_projection(pool, projection)
    await write_events(store, streams=6, per_stream=1)
    await run_once(pool, store, projection)
    head = await store.head_position()

    rows, position = await fetch_at_live_position(
        pool, projection.name,
        "SELECT position AS applied FROM toy_applied WHERE position > $1", 2,
        order_by="applied DESC")
    assert position == head
    assert rows == [{"applied": p} for p in range(head, 2, -1)]
    assert await fetch_at_live_position(
        pool, projection.name, "SELECT position FROM toy_applied WHERE false",
        order_by="position") == ([], head)


async def test_rows_at_live_position_reflect_exactly_the_events_up_to_it(store, pool):
    """Read while a runner commits batch after batch: never a row past the position answered,
    never one missing below it (rows and position come from one snapshot)."""
    projection = EventsPerStream()
    await ensure_projection(pool, projection)
    await write_events(store, streams=300, per_stream=1)
    applying = asyncio.create_task(run_once(pool, store, projection, batch_size=3))
    seen = set()
    while not applying.done() or not seen:
        rows, position = await fetch_at_live_position(
            pool, projection.name, "SELECT position AS applied FROM toy_applied",
            order_by="applied")
        assert [row["applied"] for row in rows] == list(range(1, position + 1))
        seen.add(position)
    assert await applying == 300
    assert any(0 < position < 300 for position in seen)  # it read between batches


async def test_several_runners_at_once_give_the_same_read_model_as_one(store, pool):
    projection = EventsPerStream()
    await ensure_projection(pool, projection)
    await write_events(store, streams=40, per_stream=2)
    await asyncio.gather(*(run_once(pool, store, projection, batch_size=5) for _ in range(3)))
    await run_once(pool, store, projection)
    assert await pool.fetchval("SELECT count(*) FROM toy_applied") == 80


async def test_a_crash_in_the_middle_of_a_batch_neither_skips_nor_repeats_an_event(store, pool):
    await write_events(store, streams=10, per_stream=2)
    doomed = EventsPerStream(fail_on_position=13)
    await ensure_projection(pool, doomed)
    with pytest.raises(RuntimeError):
        await run_once(pool, store, doomed, batch_size=4)
    assert await live_position(pool, doomed.name) == 12
    await run_once(pool, store, EventsPerStream())
    assert await pool.fetchval("SELECT count(*) FROM toy_applied") == 20
    assert {row[1] for row in await table_rows(pool, "toy_stream_counts")} == {2}


class FailsInPostgres(EventsPerStream):
    """Queues a statement PostgreSQL refuses (a repeated primary key) with more behind it."""

    async def apply(self, connection, tables: Mapping[str, str], events: Sequence[PositionedEvent]):
        await super().apply(connection, tables, events[:1])
        await connection.execute(
            f"INSERT INTO {tables[self.applied]} VALUES ($1)", events[0].position)
        await super().apply(connection, tables, events[1:])


async def test_a_statement_refused_by_postgres_rolls_the_whole_batch_back(store, pool):
    await write_events(store, streams=6, per_stream=1)
    doomed = FailsInPostgres()
    await ensure_projection(pool, doomed)
    with pytest.raises(asyncpg.UniqueViolationError):
        await run_once(pool, store, doomed, batch_size=4)
    assert await live_position(pool, doomed.name) == 0
    assert await pool.fetchval("SELECT count(*) FROM toy_applied") == 0
    await run_once(pool, store, EventsPerStream())
    assert await pool.fetchval("SELECT count(*) FROM toy_applied") == 6


async def test_a_rebuild_fills_new_tables_while_reads_see_the_old_then_swaps_them_in(store, pool):
    projection = EventsPerStream()
    await ensure_projection(pool, projection)
    await write_events(store, streams=20, per_stream=2)
    await run_once(pool, store, projection)
    before = await table_rows(pool, "toy_stream_counts")

    await start_rebuild(pool, projection)
    await write_events(store, streams=5, per_stream=1)
    await run_once(pool, store, projection, batch_size=10, max_batches=1)
    # Half-way through the rebuild, readers still see the complete old generation.
    assert len(await table_rows(pool, "toy_stream_counts")) == 25

    await run_once(pool, store, projection, batch_size=10)
    after = await table_rows(pool, "toy_stream_counts")
    assert len(after) == 25 and set(before) <= set(after)
    assert await pool.fetchval(
        "SELECT count(*) FROM projection_state WHERE name = $1", projection.name
    ) == 1
    assert await pool.fetchval("SELECT to_regclass('toy_stream_counts__g1')") is None


async def test_a_read_waits_for_its_own_write_and_gives_up_after_the_limit(store, pool):
    from services.platform.problems import Problem
    from services.reads.read_models import wait_for_projection

    projection = EventsPerStream()
    await ensure_projection(pool, projection)
    await write_events(store, streams=3, per_stream=1)
    head = await store.head_position()

    with pytest.raises(Problem) as not_yet:
        await wait_for_projection(pool, store, projection.name, head, timeout=0.2)
    assert not_yet.value.status_code == 503 and not_yet.value.headers["Retry-After"]

    waiting = asyncio.create_task(
        wait_for_projection(pool, store, projection.name, head, timeout=5))
    await asyncio.sleep(0.1)
    await run_once(pool, store, projection)
    assert await waiting == head


def two_toys() -> tuple[EventsPerStream, EventsPerStream]:
    return EventsPerStream(), EventsPerStream(name="toy_second", prefix="toy_second")


async def test_read_models_at_different_positions_are_caught_up_together_exactly_once(store, pool):
    ahead, behind = two_toys()
    await ensure_projection(pool, ahead)
    await ensure_projection(pool, behind)
    await write_events(store, streams=30, per_stream=3)
    await run_once(pool, store, ahead, batch_size=7, max_batches=3)

    assert await run_together(pool, store, [ahead, behind], batch_size=7) == (90 - 21) + 90
    assert await pool.fetchval("SELECT count(*) FROM toy_applied") == 90
    assert await pool.fetchval("SELECT count(*) FROM toy_second_applied") == 90


async def test_a_read_model_locked_elsewhere_is_left_to_its_holder(store, pool):
    mine, theirs = two_toys()
    await ensure_projection(pool, mine)
    await ensure_projection(pool, theirs)
    await write_events(store, streams=10, per_stream=1)
    async with pool.acquire() as holder, holder.transaction():
        await holder.execute("SELECT pg_advisory_xact_lock($1)", lock_key(theirs.name))
        assert await run_together(pool, store, [mine, theirs]) == 10
    assert await pool.fetchval("SELECT count(*) FROM toy_second_applied") == 0
    assert await live_position(pool, mine.name) == await store.head_position()


async def test_the_first_readers_and_workers_create_every_read_model_at_once_without_error(pool):
    from projections.catalog import PROJECTIONS

    # Each projection twice (an API read and a worker), all at the same moment.
    await asyncio.gather(*(ensure_projection(pool, p) for p in [*PROJECTIONS, *PROJECTIONS]))
    live = await pool.fetchval("SELECT count(*) FROM projection_state WHERE live")
    assert live == len(PROJECTIONS)
