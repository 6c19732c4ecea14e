"""A worker killed with SIGKILL in the middle of a batch: the next one catches up exactly."""

from __future__ import annotations

import asyncio
import os

import asyncpg
import pytest

from projections.catalog import PROJECTIONS
from projections.runner import ensure_projection
from tests.history import write_history_in_bulk
from tests.projection_checks import (
    differing_rows,
    kill,
    read_models,
    rebuild_from_scratch,
    start_worker,
    stop,
    wait_until_caught_up,
)

pytestmark = pytest.mark.e2e

HISTORY = int(os.environ.get("TREFFPUNKT_WORKER_CRASH_EVENTS", "6000"))
"""Enough for many batches of every read model (1,000 events each), so a worker is killed in
the middle of one; TREFFPUNKT_WORKER_CRASH_EVENTS=20000 for the long run."""

# A worker's transaction is open (a batch being applied) while some read model has applied
# part of the history, but not all of it.
_IN_THE_MIDDLE = """
SELECT EXISTS (SELECT 1 FROM projection_state WHERE live AND applied > 0 AND applied < $1)
   AND EXISTS (SELECT 1 FROM pg_stat_activity
                WHERE datname = current_database() AND pid <> pg_backend_pid()
                  AND xact_start IS NOT NULL AND backend_type = 'client backend'
                  AND application_name <> 'test')"""


async def wait_for_a_batch_in_flight(pool: asyncpg.Pool, events: int, timeout: float = 60) -> None:
    async def poll() -> None:
        while not await pool.fetchval(_IN_THE_MIDDLE, events):
            await asyncio.sleep(0.005)

    await asyncio.wait_for(poll(), timeout)


async def test_a_worker_killed_mid_batch_loses_nothing_and_applies_nothing_twice(
    servers, database_url, pool, store, broker_namespace
):
    assert PROJECTIONS, "no read models are registered in projections.catalog"
    await write_history_in_bulk(pool, store, HISTORY)
    for projection in PROJECTIONS:
        await ensure_projection(pool, projection)
    # The test's own connections say who they are, so only the worker's transactions count.
    watcher = await asyncpg.create_pool(
        database_url, min_size=1, max_size=1, server_settings={"application_name": "test"}
    )
    try:
        events = await pool.fetchval("SELECT count(*) FROM events")
        first = start_worker(database_url, servers.redis_url, broker_namespace)
        try:
            await wait_for_a_batch_in_flight(watcher, events)
        finally:
            kill(first)
        assert first.returncode == -9
        partly = await watcher.fetch("SELECT name, applied FROM projection_state WHERE live")
        assert any(row["applied"] < events for row in partly), "the worker had finished already"

        second = start_worker(database_url, servers.redis_url, broker_namespace)
        try:
            await wait_until_caught_up(watcher, PROJECTIONS, second)
        finally:
            stop(second)
    finally:
        await watcher.close()

    # Each live generation counted every event exactly once (the counter moves in the same
    # transaction as the read model), and the read models equal a rebuild from scratch.
    applied = await pool.fetch("SELECT name, applied FROM projection_state WHERE live")
    assert {row["name"]: row["applied"] for row in applied} == {p.name: events for p in PROJECTIONS}
    live = await read_models(pool, PROJECTIONS)
    await rebuild_from_scratch(pool, store, PROJECTIONS)
    assert differing_rows(live, await read_models(pool, PROJECTIONS)) == []
