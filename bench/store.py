"""Event store benchmark, run by hand: python bench/store.py [--events N]

Measures, in one run against one PostgreSQL, the store's append (sequential and 16 concurrent
writers on distinct streams) and its decoded read_all, next to raw asyncpg references: single-row
INSERTs into a plain table shaped like `events` (sequential and 16 connections) and a raw SELECT
with json.loads. Uses DATABASE_URL if set, else the embedded server under .treffpunkt/bench.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from events.base import Event, EventMetadata, EventRegistry  # noqa: E402
from events.store import EventStore, PendingEvent, StreamWrite, create_pool  # noqa: E402
from services.database import migrate  # noqa: E402
from services.embedded import EmbeddedServers  # noqa: E402

WRITERS = 16
BATCH = 1000


class BenchHappened(Event, tag="bench.happened", frozen=True, kw_only=True):
    room_id: uuid.UUID
    title: str
    visitors: int
    note: str


def registry() -> EventRegistry:
    registry = EventRegistry()
    registry.register(BenchHappened)
    return registry


def event(n: int) -> BenchHappened:
    # About 150 bytes of JSON.
    return BenchHappened(room_id=uuid.uuid4(), title=f"Mittagstisch {n}", visitors=n % 40,
                         note="Gemeinsames Essen im Dorftreff, bitte anmelden.")


METADATA = EventMetadata(actor="account:bench", correlation_id=str(uuid.uuid4()))


async def timed(label: str, count: int, work) -> float:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    await work()
    rate = count / (time.perf_counter() - started)
    print(f"  {label:<46} {rate:>10,.0f} events/s", flush=True)
    return rate


async def store_append_sequential(store: EventStore, n: int, prefix: str) -> None:
    for i in range(n):
        await store.append(
            StreamWrite(f"{prefix}-{i}", 0, [PendingEvent(event=event(i), occurred_at=datetime.now(UTC))]),
            metadata=METADATA,
        )


async def store_append_concurrent(store: EventStore, n: int, prefix: str) -> None:
    async def writer(w: int) -> None:
        for version in range(n // WRITERS):
            await store.append(
                StreamWrite(f"{prefix}-{w}", version,
                            [PendingEvent(event=event(version), occurred_at=datetime.now(UTC))]),
                metadata=METADATA,
            )

    await asyncio.gather(*(writer(w) for w in range(WRITERS)))


RAW_INSERT = """INSERT INTO bench_raw (event_id, stream_id, stream_version, type, schema_version,
    data, metadata, occurred_at, hash) VALUES ($1, $2, $3, $4, 1, $5, $6, $7, $8)"""


def raw_row(i: int, stream: str, version: int) -> tuple:
    return (uuid.uuid4(), stream, version, "bench.happened",
            json.dumps({"type": "bench.happened", "room_id": str(uuid.uuid4()),
                        "title": f"Mittagstisch {i}", "visitors": i % 40,
                        "note": "Gemeinsames Essen im Dorftreff, bitte anmelden."}),
            '{"actor":"account:bench"}', datetime.now(UTC), os.urandom(32))


async def raw_insert_sequential(pool: asyncpg.Pool, n: int, prefix: str) -> None:
    async with pool.acquire() as connection:
        for i in range(n):
            await connection.execute(RAW_INSERT, *raw_row(i, f"{prefix}-{i}", 1))


async def raw_insert_concurrent(pool: asyncpg.Pool, n: int, prefix: str) -> None:
    async def writer(w: int) -> None:
        async with pool.acquire() as connection:
            for version in range(1, n // WRITERS + 1):
                await connection.execute(RAW_INSERT, *raw_row(version, f"{prefix}-{w}", version))

    await asyncio.gather(*(writer(w) for w in range(WRITERS)))


async def store_read_all(store: EventStore) -> int:
    after, count = 0, 0
    while batch := await store.read_all(after, limit=BATCH):
        after = batch[-1].position
        count += len(batch)
    return count


RAW_SELECT = """SELECT position, transaction_id::text::bigint AS transaction_id, event_id,
    stream_id, stream_version, type, schema_version, data, metadata, occurred_at, recorded_at,
    hash, prev_hash FROM events WHERE position > $1 ORDER BY position LIMIT $2"""


async def raw_read(pool: asyncpg.Pool) -> int:
    after, count = 0, 0
    while rows := await pool.fetch(RAW_SELECT, after, BATCH):
        for row in rows:
            json.loads(row["data"])
            json.loads(row["metadata"])
        after = rows[-1]["position"]
        count += len(rows)
    return count


async def run(database_url: str, n: int) -> None:
    admin = await asyncpg.connect(database_url)
    name = f"treffpunkt_bench_{uuid.uuid4().hex[:8]}"
    await admin.execute(f'CREATE DATABASE "{name}"')
    url = urlunsplit(urlsplit(database_url)._replace(path=f"/{name}"))
    try:
        connection = await asyncpg.connect(url)
        await migrate(connection)
        await connection.execute(
            "CREATE TABLE bench_raw (LIKE events INCLUDING DEFAULTS INCLUDING IDENTITY INCLUDING INDEXES)"
        )
        version = await connection.fetchval("SHOW server_version")
        await connection.close()
        store_pool = await create_pool(url, min_size=WRITERS, max_size=WRITERS)
        raw_pool = await asyncpg.create_pool(url, min_size=WRITERS, max_size=WRITERS)
        store = EventStore(store_pool, registry())
        print(f"machine: {os.cpu_count()} cores, {platform.platform()}, Python "
              f"{platform.python_version()}, PostgreSQL {version}; {n:,} events per case")
        # Warm-up: connections, plans, the PL/pgSQL function.
        await store_append_sequential(store, 300, "warm")
        await raw_insert_sequential(raw_pool, 300, "warm")

        raw_seq = await timed("raw INSERT, sequential", n, lambda: raw_insert_sequential(raw_pool, n, "rs"))
        seq = await timed("store.append, sequential", n, lambda: store_append_sequential(store, n, "s"))
        raw_conc = await timed(f"raw INSERT, {WRITERS} connections", n,
                               lambda: raw_insert_concurrent(raw_pool, n, "rc"))
        conc = await timed(f"store.append, {WRITERS} writers", n,
                           lambda: store_append_concurrent(store, n, "c"))
        total = await store_pool.fetchval("SELECT count(*) FROM events")
        await raw_read(raw_pool)  # warm the cache for both readers
        raw_rd = await timed("raw SELECT + json.loads", total, lambda: raw_read(raw_pool))
        rd = await timed("store.read_all, decoded to Structs", total, lambda: store_read_all(store))
        print()
        print(f"  {'case':<40} {'ratio':>7} {'target':>7}")
        for label, ratio, target in [
            ("append sequential / raw sequential", seq / raw_seq, 0.85),
            (f"append {WRITERS} writers / raw {WRITERS} connections", conc / raw_conc, 0.85),
            ("read_all decoded / raw read + json.loads", rd / raw_rd, 1.0),
        ]:
            verdict = "met" if ratio >= target else "MISSED"
            print(f"  {label:<40} {ratio:>7.2f} {target:>7.2f}  {verdict}")
        await store_pool.close()
        await raw_pool.close()
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=20_000)
    args = parser.parse_args()
    embedded = EmbeddedServers(ROOT / ".treffpunkt" / "bench")
    database_url, _ = embedded.start(os.environ.get("DATABASE_URL"), "redis://unused")
    try:
        asyncio.run(run(database_url, args.events))
    finally:
        embedded.stop()


if __name__ == "__main__":
    main()
