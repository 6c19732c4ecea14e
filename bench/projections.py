"""Projection benchmark, run by hand: .venv/bin/python bench/projections.py [--events N]

1. Generates N events (default 200,000) of the realistic mix of tests/history.py: the same
   commands, decided by the real deciders, but on states kept in memory and appended through
   the store directly in big multi-stream appends (thousands of events each), for speed.
2. Measures the store's decoded ``read_all`` rate over the whole history (events/s), in the
   batch size a rebuild reads in.
3. Measures the rebuild of every read model in projections.catalog, as
   ``treffpunkt projections rebuild --all`` does (a new generation each, from position 0 to the
   swap; the read models split over one process per core, each process reading every batch
   once for its read models): events in the history / seconds. Then the same in one process,
   and, for finding the slow one, each read model rebuilt alone.
4. Prints the rates and the ratios to the read rate (target >= 0.5).

Uses DATABASE_URL if set, else starts the embedded server under .treffpunkt/bench. Creates a
fresh database, applies the migrations, drops the database at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from events.catalog import registry  # noqa: E402
from events.store import EventStore, create_pool  # noqa: E402
from projections import admin  # noqa: E402
from projections.catalog import PROJECTIONS  # noqa: E402
from projections.runner import REBUILD_BATCH_SIZE, Projection  # noqa: E402
from services.platform.database import migrate  # noqa: E402
from services.platform.embedded import EmbeddedServers  # noqa: E402
from tests.history import write_history_in_bulk  # noqa: E402

async def read_rate(store: EventStore) -> tuple[int, float]:
    began = time.perf_counter()
    after, count = 0, 0
    while events := await store.read_all(after, limit=REBUILD_BATCH_SIZE):
        after, count = events[-1].position, count + len(events)
    return count, count / (time.perf_counter() - began)


async def rebuild_rate(
    pool: asyncpg.Pool, store: EventStore, events: int, database_url: str, processes: int
) -> tuple[float, float, list[tuple[str, float]]]:
    """Events/s of ``rebuild --all`` in ``processes`` processes, in one, and of each alone."""
    async def timed(projections: list[Projection], processes: int = 1) -> float:
        began = time.perf_counter()
        await admin.rebuild(pool, store, projections, database_url=database_url,
                            processes=processes)
        return events / (time.perf_counter() - began)

    split = await timed(PROJECTIONS, processes)
    together = await timed(PROJECTIONS)
    alone = [(projection.name, await timed([projection])) for projection in PROJECTIONS]
    return split, together, alone


async def wait_readable(store: EventStore) -> int:
    total = await store.count()
    while (await store.lag_after(0)).events < total:
        await asyncio.sleep(0.05)
    return total


async def run(server_url: str, events: int) -> None:
    name = f"treffpunkt_bench_projections_{uuid.uuid4().hex[:8]}"
    database_url = urlunsplit(urlsplit(server_url)._replace(path=f"/{name}"))
    admin_connection = await asyncpg.connect(server_url)
    await admin_connection.execute(f'CREATE DATABASE "{name}"')
    try:
        connection = await asyncpg.connect(database_url)
        await migrate(connection)
        version = connection.get_server_version()
        await connection.close()
        pool = await create_pool(database_url, min_size=2, max_size=8)
        store = EventStore(pool, registry)
        try:
            began = time.perf_counter()
            world = await write_history_in_bulk(pool, store, events)
            generated = time.perf_counter() - began
            total = await wait_readable(store)
            print(f"PostgreSQL {version.major}.{version.micro}, Python {platform.python_version()}, "
                  f"{os.cpu_count()} cores; {len(PROJECTIONS)} read models: "
                  f"{', '.join(p.name for p in PROJECTIONS)}")
            print(f"generated {total:,} events in {generated:.1f} s "
                  f"({world.refused} commands refused)")
            await pool.execute("VACUUM ANALYZE events")
            read, read_per_second = await read_rate(store)
            assert read == total, (read, total)
            processes = os.cpu_count() or 1
            split, together, each = await rebuild_rate(pool, store, total, database_url, processes)
            print(f"read_all decoded (batch {REBUILD_BATCH_SIZE}): {read_per_second:,.0f} events/s")
            print(f"rebuild --all ({min(processes, len(PROJECTIONS))} processes, as the command "
                  f"runs it here): {split:,.0f} events/s")
            print(f"rebuild of all read models in one process: {together:,.0f} events/s")
            print("each read model rebuilt alone:")
            for projection, rate in each:
                print(f"  {projection:<24} {rate:,.0f} events/s")
            print(f"ratio rebuild --all / read_all: {split / read_per_second:.2f} (target >= 0.5); "
                  f"in one process: {together / read_per_second:.2f}")
        finally:
            await pool.close()
    finally:
        await admin_connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin_connection.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200_000)
    args = parser.parse_args()
    embedded = EmbeddedServers(ROOT / ".treffpunkt" / "bench")
    database_url, _ = embedded.start(os.environ.get("DATABASE_URL"), os.environ.get("REDIS_URL"))
    try:
        asyncio.run(run(database_url, args.events))
    finally:
        embedded.stop()


if __name__ == "__main__":
    main()
