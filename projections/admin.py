"""Looking after projections: how far behind each one is, and rebuilding them from scratch.

Lag is the store's ``lag_after`` the checkpoint: counted through its read barrier, at a cost
that grows with the lag, not with the history. The read models' own tables are reached
through the pool each function is given.
"""

from __future__ import annotations

import asyncio
import multiprocessing
from collections.abc import Callable, Mapping, Sequence

import asyncpg
import msgspec

from events.catalog import registry
from events.interface import Lag, Store
from events.store import EventStore, create_pool
from projections.runner import (
    REBUILD_BATCH_SIZE,
    Projection,
    ReadAhead,
    ensure_state_table,
    event_types,
    run_together,
    start_rebuild,
)

POLL_SECONDS = 0.05
STALL_FAILURES = 3
"""Catch-ups failed in a row that make a read model stalled."""
STALL_SECONDS = 60.0
"""Events waiting this long while the checkpoint has not moved for as long: stalled."""


class ProjectionStatus(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    generation: int | None
    """The live generation; None when the projection has no tables yet."""
    position: int
    lag: Lag
    rebuilding: int | None = None
    """The generation being rebuilt, if a rebuild is in progress."""
    rebuild_position: int | None = None
    failures: int = 0
    """Catch-ups of it that failed in a row (the worker counts them)."""
    failure: str | None = None
    """The class of the last failure's error."""
    idle_seconds: float = 0.0
    """Time since the live generation last applied a batch."""
    repaired: int = 0
    """Values it wrote made safe (``projections/repairs.py``), each counted once."""
    stalled: str | None = None
    """Why it is stalled (``stall_of``); None while it moves or has nothing to do."""


def stall_of(failures: int, failure: str | None, lag: Lag, idle_seconds: float) -> str | None:
    """A read model is stalled when its catch-up failed ``STALL_FAILURES`` times in a row, or
    when events have waited ``STALL_SECONDS`` and its checkpoint has not moved for as long.
    One that is only slow moves its checkpoint with every batch, so it is never stalled."""
    if failures >= STALL_FAILURES:
        return f"failing: {failure} ({failures} times in a row)"
    if lag.events and min(lag.seconds, idle_seconds) >= STALL_SECONDS:
        return (f"not moving: {lag.events} events wait, the oldest for {lag.seconds:.0f} s, "
                f"nothing applied for {idle_seconds:.0f} s")
    return None


async def status(
    pool: asyncpg.Pool, store: Store, projections: Sequence[Projection]
) -> list[ProjectionStatus]:
    """Every projection of ``projections``, and any other that has tables, by name."""
    async with pool.acquire() as connection:
        async with connection.transaction():
            await ensure_state_table(connection)
        rows = await connection.fetch(
            """SELECT name, generation, position, live, failures, failure,
                      greatest(extract(epoch FROM clock_timestamp() - updated_at), 0)::float8
                          AS idle_seconds
                 FROM projection_state ORDER BY name, generation"""
        )
        repaired = dict(await connection.fetch(
            "SELECT name, count(*) FROM projection_repairs GROUP BY name"))
    names = sorted({p.name for p in projections} | {row["name"] for row in rows})
    lags: dict[int, Lag] = {}  # projections in step share one count
    result = []
    for name in names:
        mine = [row for row in rows if row["name"] == name]
        live = next((row for row in mine if row["live"]), None)
        pending = [row for row in mine if not row["live"]]
        position = live["position"] if live else 0
        if position not in lags:
            lags[position] = await store.lag_after(position)
        failures, failure = (live["failures"], live["failure"]) if live else (0, None)
        idle_seconds = live["idle_seconds"] if live else 0.0
        result.append(
            ProjectionStatus(
                name=name,
                generation=live["generation"] if live else None,
                position=position,
                lag=lags[position],
                rebuilding=pending[-1]["generation"] if pending else None,
                rebuild_position=pending[-1]["position"] if pending else None,
                failures=failures,
                failure=failure,
                idle_seconds=idle_seconds,
                repaired=repaired.get(name, 0),
                stalled=stall_of(failures, failure, lags[position], idle_seconds),
            )
        )
    return result


Progress = Callable[[str, int, int], None]
"""Called with (read model, events applied to its new generation, events to apply in all)."""


async def rebuild(
    pool: asyncpg.Pool,
    store: Store,
    projections: Sequence[Projection],
    on_progress: Progress | None = None,
    *,
    database_url: str | None = None,
    processes: int = 1,
) -> dict[str, int]:
    """Fill a new generation of each projection from position 0 and swap it in; their numbers.

    The new generations are fed together, each batch read once for all of them. Readers keep
    the old generations until each swap. Workers may feed the new generations too (whoever
    holds a projection's lock applies its next batch); this waits until every one is live.

    With ``processes`` > 1 (and the ``database_url`` they connect to) the projections are
    split by cost over that many OS processes, this one included: a rebuild is Python work
    bound to one core per process. Progress of the others is reported here too.
    """
    generations = {p.name: await start_rebuild(pool, p) for p in projections}
    parts = min(processes, len(projections)) if database_url is not None else 1
    groups = split_by_cost(projections, await store.count_by_type(), parts) or [[]]
    context = multiprocessing.get_context("spawn")  # a fork would share the event loop
    progress: multiprocessing.SimpleQueue[tuple[str, int, int]] = context.SimpleQueue()
    helpers = [
        context.Process(
            target=_feed_in_process,
            args=(database_url, group, generations, progress),
            name=f"rebuild {', '.join(p.name for p in group)}",
            daemon=True,
        )
        for group in groups[1:]
    ]

    def forward_helpers_progress() -> None:
        while not progress.empty():
            update = progress.get()
            if on_progress is not None:
                on_progress(*update)

    def report(name: str, done: int, total: int) -> None:
        forward_helpers_progress()
        if on_progress is not None:
            on_progress(name, done, total)

    for helper in helpers:
        helper.start()
    try:
        await _feed(pool, store, groups[0], generations, report)
        while any(helper.is_alive() for helper in helpers):
            forward_helpers_progress()
            await asyncio.sleep(POLL_SECONDS)
        forward_helpers_progress()
        failed = [helper.name for helper in helpers if helper.exitcode != 0]
        if failed:
            raise RuntimeError(f"{'; '.join(failed)} failed (see its error above)")
    finally:
        for helper in helpers:
            if helper.is_alive():
                helper.terminate()
            helper.join()
        progress.close()
    return generations


def split_by_cost(
    projections: Sequence[Projection], counts: Mapping[str, int], parts: int
) -> list[list[Projection]]:
    """``projections`` in at most ``parts`` groups of about equal cost, the dearest first.

    A projection costs the events it looks at (every event when it names no types); each
    goes, dearest first, to the cheapest group so far. No group is empty."""
    def cost(projection: Projection) -> int:
        types = projection.event_types
        return sum(n for tag, n in counts.items() if types is None or tag in types)

    priced = sorted(((cost(projection), projection) for projection in projections),
                    key=lambda pair: pair[0], reverse=True)
    groups: list[tuple[int, list[Projection]]] = [(0, []) for _ in range(max(1, parts))]
    for price, projection in priced:
        cheapest = min(range(len(groups)), key=lambda i: (groups[i][0], len(groups[i][1])))
        total, members = groups[cheapest]
        groups[cheapest] = (total + price, [*members, projection])
    return sorted((members for _, members in groups if members), key=len, reverse=True)


def _feed_in_process(
    database_url: str,
    projections: list[Projection],
    generations: dict[str, int],
    progress: multiprocessing.SimpleQueue[tuple[str, int, int]],
) -> None:
    """A helper process of ``rebuild``: feed these projections' new generations."""

    async def feed() -> None:
        pool = await create_pool(database_url, min_size=2, max_size=3)
        try:
            await _feed(pool, EventStore(pool, registry), projections, generations,
                        lambda *report: progress.put(report))
        finally:
            await pool.close()

    asyncio.run(feed())


async def _feed(
    pool: asyncpg.Pool,
    store: Store,
    projections: Sequence[Projection],
    generations: Mapping[str, int],
    on_progress: Progress,
) -> None:
    """Apply batches to the new ``generations`` of ``projections`` until each is live."""
    total = (await store.lag_after(0)).events
    pending = list(projections)
    progress = -1
    read_ahead = ReadAhead(store, REBUILD_BATCH_SIZE, event_types(projections))
    try:
        while pending:
            applied_to_live = await run_together(
                pool, store, pending, batch_size=REBUILD_BATCH_SIZE, max_batches=1,
                read_ahead=read_ahead,
            )
            rows = {
                row["name"]: row
                for row in await pool.fetch(
                    """SELECT name, position, applied, live FROM projection_state
                        WHERE (name, generation) IN
                              (SELECT * FROM unnest($1::text[], $2::int[]))""",
                    [p.name for p in pending],
                    [generations[p.name] for p in pending],
                )
            }
            replaced = [p.name for p in pending if p.name not in rows]
            if replaced:
                raise RuntimeError(
                    f"a newer rebuild replaced the generation of {', '.join(replaced)}")
            total = max(total, *(row["applied"] for row in rows.values()))
            still = []
            for projection in pending:
                row = rows[projection.name]
                # Live and caught up: swapped in, or (a first generation) live from the start.
                done = (
                    row["live"]
                    and applied_to_live < REBUILD_BATCH_SIZE
                    and (await store.lag_after(row["position"])).events == 0
                )
                on_progress(projection.name, row["applied"], row["applied"] if done else total)
                if not done:
                    still.append(projection)
            pending = still
            moved = sum(row["applied"] for row in rows.values())
            if moved == progress:
                # Another process holds the locks (a worker applying a batch): give it a moment.
                await asyncio.sleep(POLL_SECONDS)
            progress = moved
    finally:
        await read_ahead.close()
