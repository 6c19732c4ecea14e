"""Read models built live by real workers, while writers write, equal a rebuild from scratch."""

from __future__ import annotations

import os
import time

import pytest

from events.catalog import registry
from events.store import EventStore
from projections.catalog import PROJECTIONS
from projections.runner import ensure_projection, run_once
from services.platform.wakeup import worker_waker
from tests.history import write_history
from tests.projection_checks import (
    differing_rows,
    read_models,
    rebuild_from_scratch,
    wait_until_caught_up,
    workers,
)

pytestmark = pytest.mark.integration

HISTORY = int(os.environ.get("TREFFPUNKT_EQUALITY_EVENTS", "6000"))
"""Six batches of a catch-up (``projections.runner.BATCH_SIZE``) by default, written while the
workers catch up; ``TREFFPUNKT_EQUALITY_EVENTS=50000`` for the long run before a release (about
45 s on this 2-core machine alone, 90 s while other test runs share it)."""
WRITERS = 6


@pytest.mark.timeout(300)
async def test_live_read_models_equal_a_rebuild_after_a_long_history_by_concurrent_writers(
    servers, database_url, pool, store, broker_namespace
):
    assert PROJECTIONS, "no read models are registered in projections.catalog"
    waker = worker_waker(servers.redis_url, broker_namespace)
    waker.start()
    waking_store = EventStore(pool, registry, on_commit=waker.poke)
    with workers(database_url, servers.redis_url, broker_namespace, count=2) as started:
        began = time.monotonic()
        try:
            world = await write_history(pool, [waking_store] * WRITERS, HISTORY)
        finally:
            await waker.close()
        written = time.monotonic() - began
        await wait_until_caught_up(pool, PROJECTIONS, started[0])
        caught_up = time.monotonic() - began
    stopped = time.monotonic() - began
    assert world.written >= HISTORY
    assert await pool.fetchval("SELECT count(*) FROM events") == world.written

    live = await read_models(pool, PROJECTIONS)
    assert sum(map(len, live.values())) > 0
    await rebuild_from_scratch(pool, store, PROJECTIONS)
    rebuilt = await read_models(pool, PROJECTIONS)
    print(
        f"\n{world.written} events written in {written:.1f} s ({world.refused} commands refused),"
        f" read models caught up at {caught_up:.1f} s, workers stopped at {stopped:.1f} s,"
        f" rebuilt and compared at {time.monotonic() - began:.1f} s"
    )
    assert differing_rows(live, rebuilt) == []


async def test_the_comparison_notices_a_single_differing_row(database_url, pool, store):
    await write_history(pool, [store], 300, volunteers=30)
    for projection in PROJECTIONS:
        await ensure_projection(pool, projection)
        await run_once(pool, store, projection)
    before = await read_models(pool, PROJECTIONS)
    table = next(table for table, rows in before.items() if rows)
    physical = await pool.fetchval(
        "SELECT definition FROM pg_views WHERE viewname = $1", table
    )
    assert "__g1" in physical
    await pool.execute(
        f"DELETE FROM {table}__g1 WHERE ctid = (SELECT ctid FROM {table}__g1 LIMIT 1)"
    )
    after = await read_models(pool, PROJECTIONS)
    differences = differing_rows(before, after)
    assert len(differences) == 1
    assert differences[0][:2] == (table, "live only")
