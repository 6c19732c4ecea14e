"""``treffpunkt projections status | rebuild``, the projection gauges of /metrics, and /ready."""

from __future__ import annotations

import argparse
import asyncio
import io
import multiprocessing
from datetime import UTC, datetime
from uuid import uuid4

import pytest
from litestar.testing import AsyncTestClient
from rich.console import Console

from events import store as event_store
from events.accounts import AccountRegistered
from events.base import EventMetadata
from events.store import PendingEvent, StreamWrite
from projections import admin
from projections.catalog import PROJECTIONS
from projections.runner import ensure_projection, run_together, start_rebuild
from services.platform import projections_cli
from services.platform.app import create_app
from services.platform.settings import Settings
from tests.helpers import read_everything
from tests.history import write_history_in_bulk
from tests.toy_projection import EventsPerStream, write_events
from tests.projection_checks import differing_rows, read_models

pytestmark = pytest.mark.integration


async def caught_up_history(pool, store, events: int = 400) -> int:
    await write_history_in_bulk(pool, store, events, volunteers=30)
    total = await pool.fetchval("SELECT count(*) FROM events")
    await read_everything(store, total)
    for projection in PROJECTIONS:
        await ensure_projection(pool, projection)
    await run_together(pool, store, PROJECTIONS)
    return total


async def three_more_events(store) -> None:
    account_id = uuid4()
    event = AccountRegistered(
        account_id=account_id, email_digest="d", password_hash="-", role="volunteer"
    )
    await store.append(
        StreamWrite(
            f"toy-{account_id}",
            0,
            [PendingEvent(event=event, occurred_at=datetime.now(UTC)) for _ in range(3)],
        ),
        metadata=EventMetadata(actor="test"),
    )


def cli(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    projections_cli.add_commands(parser.add_subparsers(dest="command"))
    return parser.parse_args(["projections", *argv])


def recording_console() -> Console:
    return Console(file=io.StringIO(), width=160, record=True)


async def test_status_counts_the_events_a_read_model_has_not_applied_and_their_age(pool, store):
    total = await caught_up_history(pool, store)
    head = await store.head_position()
    statuses = await admin.status(pool, store, PROJECTIONS)
    assert {s.name for s in statuses} == {p.name for p in PROJECTIONS}
    assert all(s.lag == admin.Lag(0, 0.0) and s.generation == 1 for s in statuses)
    assert all(s.position == head for s in statuses)

    await three_more_events(store)
    await read_everything(store, total + 3)
    await asyncio.sleep(0.05)
    behind = await admin.status(pool, store, PROJECTIONS)
    assert all(s.lag.events == 3 and s.lag.seconds >= 0.05 for s in behind)

    await start_rebuild(pool, PROJECTIONS[0])
    rebuilding = next(
        s for s in await admin.status(pool, store, PROJECTIONS) if s.name == PROJECTIONS[0].name
    )
    assert (rebuilding.generation, rebuilding.rebuilding, rebuilding.rebuild_position) == (1, 2, 0)


async def test_the_lag_query_is_a_range_of_the_read_order_index_from_the_checkpoint(pool, store):
    await caught_up_history(pool, store)
    position = await store.head_position()
    # A few hundred events fit a page or two, where a sequential scan is rightly cheaper; with
    # it ruled out, the plan shows the count is a range scan of the index, not of the history.
    async with pool.acquire() as connection, connection.transaction():
        await connection.execute("SET LOCAL enable_seqscan = off")
        plan = "\n".join(
            row[0]
            for row in await connection.fetch(
                f"EXPLAIN {event_store._LAG}", position
            )
        )
    assert "events_read_order" in plan and "Seq Scan" not in plan, plan


async def test_the_status_command_prints_every_read_model_with_its_lag(database_url, pool, store):
    await caught_up_history(pool, store)
    console = recording_console()
    assert await projections_cli.run(cli("status"), database_url, console) == 0
    printed = console.export_text()
    for projection in PROJECTIONS:
        assert projection.name in printed


async def test_a_rebuild_swaps_in_a_new_generation_equal_to_the_old(database_url, pool, store):
    await caught_up_history(pool, store)
    before = await read_models(pool, PROJECTIONS)
    name = PROJECTIONS[0].name
    console = recording_console()
    assert await projections_cli.run(cli("rebuild", name), database_url, console) == 0
    assert f"{name}: generation 2 is live" in console.export_text()
    assert differing_rows(before, await read_models(pool, PROJECTIONS)) == []

    console = recording_console()
    rebuild_all = cli("rebuild", "--all", "--processes", "3")
    assert await projections_cli.run(rebuild_all, database_url, console) == 0
    states = await pool.fetch("SELECT name, generation, live FROM projection_state")
    assert all(row["live"] for row in states) and len(states) == len(PROJECTIONS)
    assert {row["name"]: row["generation"] for row in states}[name] == 3
    assert differing_rows(before, await read_models(pool, PROJECTIONS)) == []
    # Two of the three processes were helpers: their progress reached this one's bars.
    printed = console.export_text()
    applied = await pool.fetchval("SELECT count(*) FROM events")
    for projection in PROJECTIONS:
        assert f"rebuilding {projection.name}" in printed
        assert f"{projection.name}: generation" in printed
    assert printed.count(f"{applied}/{applied}") == len(PROJECTIONS), printed
    assert multiprocessing.active_children() == []


async def test_a_helper_process_that_fails_fails_the_rebuild(database_url, pool, store):
    await write_events(store, streams=10, per_stream=3)
    position = await store.head_position()
    fine = EventsPerStream(name="toy_fine", prefix="fine")
    failing = EventsPerStream(fail_on_position=position, name="toy_failing", prefix="failing")
    for projection in (fine, failing):
        await ensure_projection(pool, projection)
    # Of two equally dear projections the first stays here, the second goes to the helper.
    with pytest.raises(RuntimeError, match="rebuild toy_failing failed"):
        await admin.rebuild(pool, store, [fine, failing], database_url=database_url, processes=2)
    assert multiprocessing.active_children() == []
    states = {row["name"]: row["live"] for row in await pool.fetch(
        "SELECT name, live FROM projection_state WHERE generation = 2")}
    assert states == {"toy_fine": True, "toy_failing": False}


async def test_rebuilding_an_unknown_read_model_names_the_known_ones(database_url):
    console = recording_console()
    assert await projections_cli.run(cli("rebuild", "no_such_model"), database_url, console) == 2
    assert PROJECTIONS[0].name in console.export_text()


async def test_metrics_give_each_read_model_its_position_and_lag_and_ready_stays_ready(
    database_url, servers, pool, store
):
    total = await caught_up_history(pool, store)
    applied = await store.head_position()
    await three_more_events(store)
    await read_everything(store, total + 3)
    app = create_app(Settings(database_url=database_url, redis_url=servers.redis_url))
    async with AsyncTestClient(app) as client:
        metrics = (await client.get("/metrics")).text
        ready = await client.get("/ready")
    for projection in PROJECTIONS:
        assert f'treffpunkt_projection_lag_events{{name="{projection.name}"}} 3' in metrics
        assert f'treffpunkt_projection_position{{name="{projection.name}"}} {applied}' in metrics
        assert f'treffpunkt_projection_lag_seconds{{name="{projection.name}"}}' in metrics
    assert "# TYPE treffpunkt_projection_lag_seconds gauge" in metrics
    assert ready.status_code == 200
    assert ready.json()["projection_lag_events"] == {p.name: 3 for p in PROJECTIONS}
