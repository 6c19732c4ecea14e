"""Running projections: from the store's history to read models, exactly once per event.

A projection declares its tables and an ``apply`` step for a batch of events. The runner holds
the projection's advisory lock (so of several workers one applies it at a time), reads a batch
after the checkpoint, and applies it and advances the checkpoint in ONE transaction: a crash at
any point neither skips nor applies an event twice.

Tables live in generations: a projection's logical table ``shift_board`` is the view of that
name over ``shift_board__g<N>``. A rebuild fills generation N+1 from position 0 while readers
keep using N, and swaps the views in the same transaction as the last batch once caught up.
"""

from __future__ import annotations

import asyncio
import zlib
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

import asyncpg

from events.base import PositionedEvent
from events.interface import Store
from projections.pipeline import Pipeline

BATCH_SIZE = 1000
REBUILD_BATCH_SIZE = 5000
"""A rebuild reads in bigger batches: fewer statements and commits per event."""

_STATE_DDL = (
    """CREATE TABLE IF NOT EXISTS projection_state (
        name        text    NOT NULL,
        generation  integer NOT NULL,
        position    bigint  NOT NULL DEFAULT 0,
        live        boolean NOT NULL DEFAULT false,
        applied     bigint  NOT NULL DEFAULT 0,
        updated_at  timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (name, generation)
    )""",
    # Catch-ups that failed in a row (0 once one goes through), and the last error's class.
    "ALTER TABLE projection_state ADD COLUMN IF NOT EXISTS failures integer NOT NULL DEFAULT 0",
    "ALTER TABLE projection_state ADD COLUMN IF NOT EXISTS failure text",
    # Values written made safe (projections/repairs.py).
    """CREATE TABLE IF NOT EXISTS projection_repairs (
        name        text   NOT NULL,
        position    bigint NOT NULL,
        field       text   NOT NULL,
        repaired_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (name, position, field)
    )""",
)


class Projection(Protocol):
    name: str
    tables: Mapping[str, str]
    """Logical table name -> column definitions (the body of CREATE TABLE)."""
    indexes: Sequence[str]
    """CREATE INDEX statements with ``{table}`` placeholders, e.g. ``ON {shift_board} (site_id)``."""
    event_types: frozenset[str] | None
    """Tags of the events ``apply`` looks at (others reach it undecoded); None: every event."""

    async def apply(
        self,
        connection: Pipeline,
        tables: Mapping[str, str],
        events: Sequence[PositionedEvent],
    ) -> None:
        """Apply events to the read model, using the physical names in ``tables``.

        Statements go through ``connection.execute`` of a ``Pipeline``: they may still be
        running when ``apply`` returns; the runner waits for them before the checkpoint."""


def event_types(projections: Sequence[Projection]) -> frozenset[str] | None:
    """The tags any of ``projections`` looks at; None if one looks at every event."""
    wanted: set[str] = set()
    for projection in projections:
        if projection.event_types is None:
            return None
        wanted |= projection.event_types
    return frozenset(wanted)


def physical_tables(projection: Projection, generation: int) -> dict[str, str]:
    return {table: f"{table}__g{generation}" for table in projection.tables}


def lock_key(name: str) -> int:
    return zlib.crc32(f"treffpunkt-projection:{name}".encode())


async def ensure_state_table(connection: asyncpg.Connection) -> None:
    """Create the checkpoint tables once, in the caller's transaction. Two first calls at the
    same moment (an API read and a worker) would both pass ``IF NOT EXISTS`` and collide in the
    catalog: a lock for this transaction serialises the creation; later calls see the newest
    table (a database of an older version gets what it lacks) and take no lock."""
    if await connection.fetchval("SELECT to_regclass('projection_repairs') IS NOT NULL"):
        return
    await connection.execute("SELECT pg_advisory_xact_lock($1)", lock_key("projection_state"))
    for statement in _STATE_DDL:
        await connection.execute(statement)


async def _create_generation(
    connection: asyncpg.Connection, projection: Projection, generation: int, *, indexed: bool
) -> None:
    """The generation's tables; ``indexed``: with their indexes at once (a generation filled
    before readers see it gets them at the swap: one index build is cheaper than many rows'
    index updates)."""
    tables = physical_tables(projection, generation)
    for table, columns in projection.tables.items():
        await connection.execute(f"DROP TABLE IF EXISTS {tables[table]} CASCADE")
        await connection.execute(f"CREATE TABLE {tables[table]} ({columns})")
    if indexed:
        await _create_indexes(connection, projection, generation)
    await connection.execute(
        """INSERT INTO projection_state (name, generation) VALUES ($1, $2)
           ON CONFLICT (name, generation) DO UPDATE SET position = 0, applied = 0, live = false""",
        projection.name,
        generation,
    )


async def _create_indexes(
    connection: asyncpg.Connection, projection: Projection, generation: int
) -> None:
    tables = physical_tables(projection, generation)
    for index in projection.indexes:
        await connection.execute(index.format(**tables))


async def _swap_in(connection: asyncpg.Connection, projection: Projection, generation: int) -> None:
    tables = physical_tables(projection, generation)
    for table in projection.tables:
        await connection.execute(f"DROP VIEW IF EXISTS {table}")
        await connection.execute(f"CREATE VIEW {table} AS SELECT * FROM {tables[table]}")
    await connection.execute(
        "UPDATE projection_state SET live = (generation = $2) WHERE name = $1",
        projection.name,
        generation,
    )


async def _hold(connection: asyncpg.Connection, projection: Projection) -> int | None:
    """Take the projection's lock for this transaction; the newest generation it has, if any."""
    await connection.execute("SELECT pg_advisory_xact_lock($1)", lock_key(projection.name))
    await ensure_state_table(connection)
    return await connection.fetchval(
        "SELECT max(generation) FROM projection_state WHERE name = $1", projection.name
    )


async def ensure_projection(pool: asyncpg.Pool, projection: Projection) -> None:
    """Create the first generation of a projection's tables if it has none."""
    async with pool.acquire() as connection, connection.transaction():
        if await _hold(connection, projection) is None:
            await _create_generation(connection, projection, 1, indexed=True)
            await _swap_in(connection, projection, 1)


async def run_once(
    pool: asyncpg.Pool,
    store: Store,
    projection: Projection,
    *,
    batch_size: int = BATCH_SIZE,
    max_batches: int | None = None,
) -> int:
    """Catch the projection's live generation (and a pending rebuild) up; returns events applied.

    Events come from ``store``; the read model's tables and checkpoints are in ``pool``'s
    database. Returns 0 at once if another process holds the projection.
    """
    return await run_together(
        pool, store, [projection], batch_size=batch_size, max_batches=max_batches)


class ReadAhead:
    """Reads the batch after the one being applied while it is applied (on another pooled
    connection), so that the database reads while Python applies. Events are immutable and
    read order only grows at its end, so a full batch read early is the batch read late."""

    def __init__(
        self, store: Store, batch_size: int, types: frozenset[str] | None = None
    ) -> None:
        """``types``: decode only events of these tags (see ``event_types``)."""
        self.store, self.batch_size, self.types = store, batch_size, types
        self._next: tuple[int, asyncio.Task[list[PositionedEvent]]] | None = None

    async def read(self, after: int) -> list[PositionedEvent]:
        ahead, self._next = self._next, None
        if ahead is not None:
            position, task = ahead
            events = await task
            if position == after and len(events) == self.batch_size:
                return events
        return await self.store.read_events(after, self.batch_size, self.types)

    def prefetch(self, after: int) -> None:
        if self._next is None:
            self._next = (after, asyncio.create_task(
                self.store.read_events(after, self.batch_size, self.types)))

    async def close(self) -> None:
        """Wait for a read still under way (rather than cancel it halfway on its connection)."""
        ahead, self._next = self._next, None
        if ahead is not None:
            await asyncio.gather(ahead[1], return_exceptions=True)


async def run_together(
    pool: asyncpg.Pool,
    store: Store,
    projections: Sequence[Projection],
    *,
    batch_size: int = BATCH_SIZE,
    max_batches: int | None = None,
    read_ahead: ReadAhead | None = None,
) -> int:
    """Catch several projections up in one pass; returns the events applied to live generations.

    Each batch is one transaction over every projection this process could lock (those another
    process holds are left to it), and is read once for all generations at the same position:
    projections that are in step (the usual case, and a ``rebuild --all``) share the reading.
    With ``read_ahead`` (of the same batch size) the next batch is read while one is applied.
    """
    applied = 0
    batches = 0
    reader = read_ahead or ReadAhead(store, batch_size, event_types(projections))
    try:
        while max_batches is None or batches < max_batches:
            async with pool.acquire() as connection, connection.transaction():
                pipeline = Pipeline(connection)
                try:
                    caught_up, live_applied = await _apply_batch(
                        connection, pipeline, projections, reader, batch_size)
                except BaseException:
                    await pipeline.abandon()
                    raise
                if caught_up is None:
                    return applied
                applied += live_applied
                if caught_up:
                    return applied
            batches += 1
        return applied
    finally:
        if read_ahead is None:
            await reader.close()


async def _apply_batch(
    connection: asyncpg.Connection,
    pipeline: Pipeline,
    projections: Sequence[Projection],
    reader: ReadAhead,
    batch_size: int,
) -> tuple[bool | None, int]:
    """One batch in the caller's transaction: (caught up, or None if nothing could be held;
    events applied to live generations)."""
    # Read models are derived data: a batch lost in a crash with its checkpoint is applied
    # again, so the commit need not wait for the disk.
    await connection.execute("SET LOCAL synchronous_commit = off")
    held = await _try_hold(connection, projections)
    if not held:
        return None, 0
    rows = await connection.fetch(
        """SELECT name, generation, position, live, failures FROM projection_state
            WHERE name = ANY($1::text[]) ORDER BY name, generation""",
        list(held),
    )
    missing = held.keys() - {row["name"] for row in rows}
    if missing:
        raise LookupError(f"{sorted(missing)} have no tables yet; ensure them first")
    # Feed every generation: the live one, and a rebuild in progress if there is one.
    read: dict[int, list[PositionedEvent]] = {}
    checkpoints: list[tuple[str, int, int, int]] = []
    caught_up, applied = True, 0
    for generation in rows:
        projection = held[generation["name"]]
        position = generation["position"]
        if position not in read:
            read[position] = await reader.read(position)
            if len(read) == 1 and len(read[position]) == batch_size:
                reader.prefetch(read[position][-1].position)
        events = read[position]
        if events:
            await projection.apply(
                pipeline, physical_tables(projection, generation["generation"]), events)
            checkpoints.append((projection.name, generation["generation"],
                                events[-1].position, len(events)))
            if generation["live"]:
                applied += len(events)
        if len(events) == batch_size:
            caught_up = False
        elif not generation["live"]:
            await pipeline.flush()
            await _create_indexes(connection, projection, generation["generation"])
            await _swap_in(connection, projection, generation["generation"])
            await _drop_older_generations(connection, projection, generation["generation"])
    await pipeline.flush()
    await _advance(connection, checkpoints)
    recovered = [row["name"] for row in rows if row["failures"]]
    if recovered:  # this batch goes through, with events to apply or none
        await connection.execute(
            "UPDATE projection_state SET failures = 0, failure = NULL WHERE name = ANY($1)",
            recovered)
    return caught_up, applied


async def _try_hold(
    connection: asyncpg.Connection, projections: Sequence[Projection]
) -> dict[str, Projection]:
    """Take, for this transaction, the lock of each projection no other process holds."""
    by_name = {projection.name: projection for projection in projections}
    names = list(by_name)
    locked = await connection.fetch(
        """SELECT name FROM unnest($1::text[], $2::bigint[]) WITH ORDINALITY AS p(name, key, n)
            WHERE pg_try_advisory_xact_lock(key) ORDER BY n""",
        names, [lock_key(name) for name in names],
    )
    return {row["name"]: by_name[row["name"]] for row in locked}


async def _advance(
    connection: asyncpg.Connection, checkpoints: Sequence[tuple[str, int, int, int]]
) -> None:
    """Move the checkpoints past the batch just applied, in the caller's transaction."""
    if not checkpoints:
        return
    names, generations, positions, counts = (list(column) for column in zip(*checkpoints))
    await connection.execute(
        """UPDATE projection_state s
              SET position = c.position, applied = s.applied + c.count, updated_at = now()
             FROM unnest($1::text[], $2::int[], $3::bigint[], $4::bigint[])
                  AS c(name, generation, position, count)
            WHERE s.name = c.name AND s.generation = c.generation""",
        names, generations, positions, counts,
    )


async def record_failure(pool: asyncpg.Pool, name: str, error: BaseException) -> None:
    """Count a catch-up of the projection that failed (the next one that goes through resets
    it); only the error's class is kept, never its message (it may quote data)."""
    await pool.execute(
        "UPDATE projection_state SET failures = failures + 1, failure = $2 WHERE name = $1",
        name, type(error).__name__,
    )


async def _drop_older_generations(
    connection: asyncpg.Connection, projection: Projection, generation: int
) -> None:
    older = await connection.fetch(
        "SELECT generation FROM projection_state WHERE name = $1 AND generation < $2",
        projection.name,
        generation,
    )
    for row in older:
        for table in physical_tables(projection, row["generation"]).values():
            await connection.execute(f"DROP TABLE IF EXISTS {table}")
    await connection.execute(
        "DELETE FROM projection_state WHERE name = $1 AND generation < $2",
        projection.name,
        generation,
    )


async def start_rebuild(pool: asyncpg.Pool, projection: Projection) -> int:
    """Create an empty next generation; ``run_once`` fills it and swaps it in when caught up.

    Starting a rebuild while one is in progress starts it over in a newer generation.
    """
    async with pool.acquire() as connection, connection.transaction():
        newest = await _hold(connection, projection)
        generation = (newest or 0) + 1
        # Readers see a first generation at once; a later one only when it is caught up.
        await _create_generation(connection, projection, generation, indexed=newest is None)
        if newest is None:
            await _swap_in(connection, projection, generation)
        return generation


async def live_position(connection: asyncpg.Connection | asyncpg.Pool, name: str) -> int:
    return (
        await connection.fetchval(
            "SELECT position FROM projection_state WHERE name = $1 AND live", name
        )
        or 0
    )


_AT_LIVE_POSITION = """
SELECT state.position AS projection_position, selected.*
  FROM projection_state AS state
  LEFT JOIN LATERAL (SELECT true AS selected_row, query.* FROM ({select}) AS query) AS selected
         ON true
 WHERE state.name = ${name_parameter} AND state.live
 ORDER BY {order_by}"""


async def fetch_at_live_position(
    connection: asyncpg.Connection | asyncpg.Pool,
    name: str,
    select: str,
    *arguments: object,
    order_by: str,
) -> tuple[list[dict[str, Any]], int]:
    """The rows of ``select`` (over the projection's views) and the live position, one statement.

    One snapshot for both, so the rows reflect exactly the events up to the position, and one
    round trip instead of two. ``order_by`` names output columns of ``select`` (an ORDER BY
    inside it would not order the joined result). Without a live generation: no rows,
    position 0.
    """
    statement = _AT_LIVE_POSITION.format(
        select=select, name_parameter=len(arguments) + 1, order_by=order_by
    )
    rows = await connection.fetch(statement, *arguments, name)
    if not rows:
        return [], 0
    selected = []
    for row in rows:
        if row["selected_row"]:  # else no row of the query: the state row alone, joined to NULLs
            values = dict(row)
            del values["projection_position"], values["selected_row"]
            selected.append(values)
    return selected, rows[0]["projection_position"]
