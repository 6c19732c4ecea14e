"""Event store benchmark, run by hand: .venv/bin/python bench/store.py [--events N]

In one run against one PostgreSQL, with N events of about 150 bytes of data per case, prints
events/s for

  1. EventStore.append, one event per call (one transaction), sequential
  2. EventStore.append, 16 concurrent writers on distinct streams (a pool of 16 connections)
  3. EventStore.read_all decoded to event Structs, in batches (several sizes, the best reported)
and, as the reference, in the same run:
  4. raw asyncpg single-row INSERT into bench_raw (LIKE events ...), sequential, autocommit
  5. the same with 16 connections
  6. raw SELECT of the same columns, the same batch sizes, json.loads on data

with the ratios (2)/(5) (target >= 1.0: group commit), (1)/(4) (target >= 0.85) and (3)/(6)
(target >= 1.0).

A store case and its reference run interleaved, in rounds (``--rounds``, each after a short
warm-up), so a change of load on the machine during the run hits both alike. Beside the wall
clock rate it prints the CPU spent per event by this client process and by the PostgreSQL server
(its backends serving the bench database, read from /proc when the server runs here): on a
small machine that CPU, not waiting, is what limits the rate.

Uses DATABASE_URL if set, else starts the embedded server under .treffpunkt/bench. Creates a fresh
database, applies the migrations, drops the database at the end.

``--profile`` afterwards runs the store's cases once more under cProfile (client side) and prints
the top functions. ``--before`` adds rows for the append as it was before issue 23 (the
PL/pgSQL ``append_events`` of the first migration, still in the schema; one call per append, no
group commit), measured in the same rounds.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import os
import platform
import pstats
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import msgspec

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from events.base import Event, EventMetadata, EventRegistry  # noqa: E402
from events.hashing import digest_of  # noqa: E402
from events.interface import prepare  # noqa: E402
from events.migrations import apply_migrations  # noqa: E402
from events.store import EventStore, PendingEvent, StreamWrite, create_pool  # noqa: E402
from services.platform.embedded import EmbeddedServers  # noqa: E402

WRITERS = 16
BATCH_SIZES = (100, 500, 1000, 2000, 5000)
WARMUP = 200  # events before each timed write round (per round, all writers together)


class BenchHappened(Event, tag="bench.happened", frozen=True, kw_only=True):
    room_id: uuid.UUID
    title: str
    visitors: int
    note: str


REGISTRY = EventRegistry()
REGISTRY.register(BenchHappened)

METADATA = EventMetadata(actor="account:bench", correlation_id=str(uuid.uuid4()))
_encode = msgspec.json.Encoder().encode
METADATA_TEXT = _encode(METADATA).decode()


def make_event(n: int) -> BenchHappened:
    # About 150 bytes of JSON with its tag (printed at the start of a run).
    return BenchHappened(
        room_id=uuid.uuid4(),
        title=f"Mittagstisch {n}",
        visitors=n % 40,
        note="Gemeinsames Essen im Dorftreff.",
    )


# --- CPU accounting ---------------------------------------------------------------------------


class ServerCpu:
    """CPU seconds of the server backends connected to the bench's own database (so neither
    other users of a shared server nor its background processes count), from /proc. None when
    the server is not a local process we can see."""

    def __init__(self, pool: asyncpg.Pool | None = None, local: bool = False) -> None:
        self.pool = pool
        self.local = local
        self.tick = os.sysconf("SC_CLK_TCK")

    async def seconds(self) -> float | None:
        if self.pool is None or not self.local:
            return None
        pids = await self.pool.fetch(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
        )
        total = 0
        for (pid,) in pids:
            try:
                with open(f"/proc/{pid}/stat", "rb") as handle:
                    stat = handle.read()
            except OSError:
                continue
            fields = stat[stat.rindex(b")") + 2 :].split()
            total += int(fields[11]) + int(fields[12])  # utime + stime
        return total / self.tick


@dataclass
class Measure:
    events: int = 0
    wall: float = 0.0
    client_cpu: float = 0.0
    server_cpu: float | None = 0.0
    samples: list[float] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.events / self.wall if self.wall else 0.0

    def per_event_us(self, seconds: float | None) -> str:
        if seconds is None or not self.events:
            return "-"
        return f"{seconds / self.events * 1e6:.0f}"


async def measured(
    into: Measure, server: ServerCpu, work: Callable[[], Awaitable[int]]
) -> float:
    server_before = await server.seconds()
    cpu_before = time.process_time()
    started = time.perf_counter()
    count = await work()
    wall = time.perf_counter() - started
    into.client_cpu += time.process_time() - cpu_before
    server_after = await server.seconds()
    if into.server_cpu is not None and server_before is not None and server_after is not None:
        into.server_cpu += server_after - server_before
    else:
        into.server_cpu = None
    into.events += count
    into.wall += wall
    into.samples.append(count / wall)
    return count / wall


# --- the store ---------------------------------------------------------------------------------


class Streams:
    """Fresh stream names for every round; per concurrent writer, its next expected version."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.counter = 0

    def fresh(self) -> str:
        self.counter += 1
        return f"{self.prefix}-{self.counter}"


def pending(n: int) -> list[PendingEvent]:
    return [PendingEvent(event=make_event(n), occurred_at=datetime.now(UTC))]


async def store_append_sequential(store: EventStore | StoreBefore, n: int, streams: Streams) -> int:
    for i in range(n):
        await store.append(StreamWrite(streams.fresh(), 0, pending(i)), metadata=METADATA)
    return n


async def store_append_concurrent(store: EventStore | StoreBefore, n: int, streams: Streams) -> int:
    async def writer(stream: str, count: int) -> None:
        for version in range(count):
            await store.append(StreamWrite(stream, version, pending(version)), metadata=METADATA)

    await asyncio.gather(
        *(writer(streams.fresh(), per_writer(n, w)) for w in range(WRITERS))
    )
    return n


async def store_read_all(store: EventStore, batch: int, upto: int) -> int:
    after, count = 0, 0
    while count < upto and (events := await store.read_all(after, limit=batch)):
        after = events[-1].position
        count += len(events)
    return count


class StoreBefore:
    """The append before issue 23: one PL/pgSQL call per append, no group commit."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    async def append(self, *writes: StreamWrite, metadata: EventMetadata) -> None:
        events = prepare(writes, metadata, REGISTRY).events
        await self.pool.fetchrow(
            "SELECT last_position, replayed FROM append_events($1, $2, $3, $4, $5, $6, $7, $8, "
            "$9, $10)",
            [w.stream_id for w in sorted(writes, key=lambda w: w.stream_id)],
            [w.expected_version for w in sorted(writes, key=lambda w: w.stream_id)],
            [e.event_id for e in events], [e.stream + 1 for e in events],
            [e.type for e in events], [e.schema_version for e in events],
            [e.data for e in events], [e.metadata for e in events],
            [e.occurred_at for e in events], [digest_of(e) for e in events],
        )


# --- the raw reference -------------------------------------------------------------------------

RAW_INSERT = """INSERT INTO bench_raw (event_id, stream_id, stream_version, type, schema_version,
    data, metadata, occurred_at, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"""


def raw_row(n: int, stream: str, version: int) -> tuple[Any, ...]:
    # The same values the store writes; json as text (no codec on this pool).
    return (
        uuid.uuid4(),
        stream,
        version,
        "bench.happened",
        1,
        _encode(make_event(n)).decode(),
        METADATA_TEXT,
        datetime.now(UTC),
        None,
        os.urandom(32),
    )


async def raw_insert_sequential(pool: asyncpg.Pool, n: int, streams: Streams) -> int:
    async with pool.acquire() as connection:
        for i in range(n):
            await connection.execute(RAW_INSERT, *raw_row(i, streams.fresh(), 1))
    return n


async def raw_insert_concurrent(pool: asyncpg.Pool, n: int, streams: Streams) -> int:
    async def writer(stream: str, count: int) -> None:
        async with pool.acquire() as connection:
            for version in range(1, count + 1):
                await connection.execute(RAW_INSERT, *raw_row(version, stream, version))

    await asyncio.gather(*(writer(streams.fresh(), per_writer(n, w)) for w in range(WRITERS)))
    return n


RAW_SELECT = """SELECT position, transaction_id::text::bigint AS transaction_id, event_id,
    stream_id, stream_version, type, schema_version, data, metadata, occurred_at, recorded_at,
    hash, prev_hash FROM events WHERE position > $1 ORDER BY position LIMIT $2"""


async def raw_read(pool: asyncpg.Pool, batch: int, upto: int) -> int:
    after, count = 0, 0
    loads = json.loads
    while count < upto and (rows := await pool.fetch(RAW_SELECT, after, batch)):
        for row in rows:
            loads(row["data"])
        after = rows[-1]["position"]
        count += len(rows)
    return count


# --- running -----------------------------------------------------------------------------------


def per_writer(n: int, w: int) -> int:
    return n // WRITERS + (1 if w < n % WRITERS else 0)


def split(n: int, rounds: int) -> list[int]:
    return [n // rounds + (1 if r < n % rounds else 0) for r in range(rounds)]


async def server_is_local(connection: asyncpg.Connection) -> bool:
    backend = await connection.fetchval("SELECT pg_backend_pid()")
    try:
        with open(f"/proc/{backend}/stat", "rb") as handle:
            return b"(postgres)" in handle.read()
    except OSError:
        return False  # not on this machine (or not visible)


async def profiled(label: str, work: Callable[[], Awaitable[object]]) -> None:
    profile = cProfile.Profile()
    profile.enable()
    await work()
    profile.disable()
    print(f"\n--- cProfile (client side): {label} ---")
    pstats.Stats(profile).sort_stats("tottime").print_stats(16)


def print_table(rows: list[tuple[str, str, Measure, str]]) -> None:
    print(
        f"  {'#':>3}  {'case':<44} {'events/s':>10} {'rounds (events/s)':>28}"
        f" {'client us/ev':>12} {'server us/ev':>12}"
    )
    for key, label, m, note in rows:
        rounds = " ".join(f"{s:,.0f}" for s in m.samples[:4]) + (" ..." if len(m.samples) > 4 else "")
        print(
            f"  {key:>3}  {label:<44} {m.rate:>10,.0f} {rounds:>28}"
            f" {m.per_event_us(m.client_cpu):>12} {m.per_event_us(m.server_cpu):>12}"
            + (f"  {note}" if note else "")
        )


async def run(database_url: str, args: argparse.Namespace) -> None:
    n: int = args.events
    rounds: int = args.rounds
    batch_sizes = tuple(int(b) for b in args.batches.split(","))
    admin = await asyncpg.connect(database_url)
    name = f"treffpunkt_bench_{uuid.uuid4().hex[:8]}"
    await admin.execute(f'CREATE DATABASE "{name}"')
    url = urlunsplit(urlsplit(database_url)._replace(path=f"/{name}"))
    pools: list[asyncpg.Pool] = []
    try:
        connection = await asyncpg.connect(url)
        await apply_migrations(connection)
        await connection.execute(
            "CREATE TABLE bench_raw "
            "(LIKE events INCLUDING DEFAULTS INCLUDING IDENTITY INCLUDING INDEXES)"
        )
        server_version = await connection.fetchval("SHOW server_version")
        local = await server_is_local(connection)
        await connection.close()

        store_pool = await create_pool(url, min_size=WRITERS, max_size=WRITERS)
        raw_pool = await asyncpg.create_pool(url, min_size=WRITERS, max_size=WRITERS)
        pools += [store_pool, raw_pool]
        store = EventStore(store_pool, REGISTRY)
        server = ServerCpu(await asyncpg.create_pool(url, min_size=1, max_size=1), local)
        pools.append(server.pool)

        load = os.getloadavg()
        print(
            f"machine: nproc {os.cpu_count()}, PostgreSQL {server_version}, Python "
            f"{platform.python_version()}, asyncpg {asyncpg.__version__}, msgspec "
            f"{msgspec.__version__}, {platform.machine()} {platform.system()}; "
            f"load average at start {load[0]:.2f}"
        )
        print(
            f"{n:,} events per case, event data {len(_encode(make_event(12345)))} bytes, "
            f"metadata {len(METADATA_TEXT)} bytes; writes in {rounds} interleaved rounds with "
            f"{WARMUP} warm-up events each; server CPU "
            + ("of its backends from /proc" if local else "not visible (remote server)")
        )

        before = StoreBefore(store_pool) if args.before else None
        m: dict[str, Measure] = {k: Measure() for k in ("1", "2", "4", "5", "1b", "2b")}
        names = {k: Streams(f"s{k}") for k in m}
        names.update({f"w{k}": Streams(f"w{k}") for k in m})

        def seq_cases() -> list[tuple[str, Callable[[int, Streams], Awaitable[int]]]]:
            cases = [
                ("4", lambda k, s: raw_insert_sequential(raw_pool, k, s)),
                ("1", lambda k, s: store_append_sequential(store, k, s)),
            ]
            if before is not None:
                cases.append(("1b", lambda k, s: store_append_sequential(before, k, s)))
            return cases

        def conc_cases() -> list[tuple[str, Callable[[int, Streams], Awaitable[int]]]]:
            cases = [
                ("5", lambda k, s: raw_insert_concurrent(raw_pool, k, s)),
                ("2", lambda k, s: store_append_concurrent(store, k, s)),
            ]
            if before is not None:
                cases.append(("2b", lambda k, s: store_append_concurrent(before, k, s)))
            return cases

        for part in split(n, rounds):
            for key, case in [*seq_cases(), *conc_cases()]:
                await case(WARMUP, names[f"w{key}"])  # warm-up, untimed
                await measured(m[key], server, lambda: case(part, names[key]))  # noqa: B023

        # Reads: the whole events table (cases 1 and 2 and their warm-ups),
        # cached; per batch size the best of --read-repeats passes, store and raw alternating.
        await store_pool.execute("VACUUM ANALYZE events")
        total = await store_pool.fetchval("SELECT count(*) FROM events")
        upto = total
        reads: dict[tuple[str, int], Measure] = {}
        readers: list[tuple[str, Callable[[int], Awaitable[int]]]] = [
            ("6", lambda b: raw_read(raw_pool, b, upto)),
            ("3", lambda b: store_read_all(store, b, upto)),
        ]
        for key, reader in readers:  # warm-up: caches, plans
            await reader(batch_sizes[0])
        for batch in batch_sizes:
            for _ in range(args.read_repeats):
                for key, reader in readers:
                    measure = Measure()
                    await measured(measure, server, lambda: reader(batch))  # noqa: B023
                    best = reads.get((key, batch))
                    if best is None or measure.rate > best.rate:
                        measure.samples = (best.samples if best else []) + measure.samples
                        reads[(key, batch)] = measure
                    else:
                        best.samples += measure.samples

        def best_read(key: str) -> tuple[int, Measure]:
            return max(((b, reads[(key, b)]) for b in batch_sizes), key=lambda x: x[1].rate)

        labels = {
            "1": "store.append, sequential",
            "2": f"store.append, {WRITERS} writers",
            "3": "store.read_all -> Structs",
            "4": "raw INSERT, sequential",
            "5": f"raw INSERT, {WRITERS} connections",
            "6": "raw SELECT + json.loads(data)",
            "1b": "append before issue 23, sequential",
            "2b": f"append before issue 23, {WRITERS} writers",
        }
        b3, r3 = best_read("3")
        b6, r6 = best_read("6")
        rows = [
            ("1", labels["1"], m["1"], ""),
            ("2", labels["2"], m["2"], ""),
            ("3", labels["3"], r3, f"best batch {b3}"),
            ("4", labels["4"], m["4"], ""),
            ("5", labels["5"], m["5"], ""),
            ("6", labels["6"], r6, f"best batch {b6}"),
        ]
        if before is not None:
            rows += [("1b", labels["1b"], m["1b"], ""), ("2b", labels["2b"], m["2b"], "")]
        print(f"(reads over all {total:,} events of the table; rounds column: first samples)\n")
        print_table(rows)

        print("\n  read rate by batch size (best of", args.read_repeats, "passes), events/s:")
        print("  " + f"{'batch':>7}" + "".join(f"{labels[k][:30]:>32}" for k, _ in readers))
        for batch in batch_sizes:
            print(
                "  " + f"{batch:>7}"
                + "".join(f"{reads[(k, batch)].rate:>32,.0f}" for k, _ in readers)
            )

        def cpu(measure: Measure) -> float | None:
            if measure.server_cpu is None or not measure.events:
                return None
            return (measure.client_cpu + measure.server_cpu) / measure.events

        def ratio_line(text: str, a: Measure, b: Measure, target: float) -> None:
            ratio = a.rate / b.rate
            verdict = "met" if ratio >= target else "MISSED"
            cpu_a, cpu_b = cpu(a), cpu(b)
            by_cpu = f"{cpu_b / cpu_a:>6.2f}" if cpu_a and cpu_b else f"{'-':>6}"
            print(f"  {text:<56} {ratio:>6.2f}  >= {target:.2f}  {verdict:<6}  {by_cpu}")

        print()
        print(f"  {'ratio':<56} {'value':>6}  target          by CPU/event*")
        ratio_line(f"(2)/(5) append {WRITERS} writers / raw {WRITERS} connections",
                   m["2"], m["5"], 1.0)
        ratio_line("(1)/(4) append sequential / raw sequential", m["1"], m["4"], 0.85)
        if before is not None:
            ratio_line(f"(2b)/(5) before issue 23, {WRITERS} writers", m["2b"], m["5"], 0.85)
            ratio_line("(1b)/(4) before issue 23, sequential", m["1b"], m["4"], 0.85)
        ratio_line(f"(3)/(6) read_all decoded / raw + json.loads (batch {b3}/{b6})",
                   r3, r6, 1.0)
        print(
            "  * (client + server CPU per event of the reference) / (the same of the store):\n"
            "    the ratio the wall clock tends to when the machine's CPU is the limit"
        )
        print(f"  load average at end {os.getloadavg()[0]:.2f}")

        if args.profile:
            k = min(n, 5000)
            s = Streams("p")
            await profiled(f"store append sequential x{k}",
                           lambda: store_append_sequential(store, k, s))
            await profiled(f"raw INSERT sequential x{k}",
                           lambda: raw_insert_sequential(raw_pool, k, s))
            await profiled(f"store append {WRITERS} writers x{k}",
                           lambda: store_append_concurrent(store, k, s))
            await profiled(f"store read_all batch {b3}", lambda: store_read_all(store, b3, upto))
            await profiled(f"raw SELECT batch {b6}", lambda: raw_read(raw_pool, b6, upto))
    finally:
        for pool in pools:
            await pool.close()
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


def main() -> None:
    parser = argparse.ArgumentParser(description="Event store benchmark")
    parser.add_argument("--events", type=int, default=20_000, help="events per case")
    parser.add_argument("--rounds", type=int, default=4, help="interleaved rounds per write case")
    parser.add_argument("--batches", default=",".join(map(str, BATCH_SIZES)),
                        help="read_all batch sizes to try, comma-separated")
    parser.add_argument("--read-repeats", type=int, default=3)
    parser.add_argument("--profile", action="store_true", help="cProfile the client afterwards")
    parser.add_argument("--before", action="store_true",
                        help="also measure the append before issue 23 (PL/pgSQL, no group commit)")
    args = parser.parse_args()
    embedded = EmbeddedServers(ROOT / ".treffpunkt" / "bench")
    database_url = os.environ.get("DATABASE_URL")
    if database_url is None:
        database_url = embedded.postgres.start()
    try:
        asyncio.run(run(database_url, args))
    finally:
        embedded.postgres.stop()


if __name__ == "__main__":
    main()
