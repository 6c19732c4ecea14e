"""Load over real HTTP, run by hand: .venv/bin/python bench/load.py [--seconds S] [--clients 16 64]

``treffpunkt serve --api-processes 2 --worker-processes 2`` on a fresh database of the system
PostgreSQL and Redis (DATABASE_URL, REDIS_URL; defaults postgres@127.0.0.1 and redis 127.0.0.1),
a world seeded through the API, then for each client count a bounded run of the mix of issue 8:
80 % reads (a site's shift board, a room's calendar for one week, as the pages read them),
15 % shift claims and releases, 5 % bookings.

Printed per client count: throughput, median and p99 latency of reads and of writes served,
requests refused at an API process's bound (503 with Retry-After; the client then waits as told)
and how fast, answers by status, and the projection lag when the run ends. Before each mix,
three ceilings, up to 10 s each with the same clients: only ``GET /health`` (the cheapest route)
times the mix's write share, the writes per second if every request cost no more; only the mix's
writes, no reads at all; only its reads. For reference, bench/store.py's 16-writer append case
and its raw single-row INSERT with 16 connections, measured in the same run on a database of
their own; the writes alone are printed as a ratio of both (issue 23's target (a): at least 0.25
× the raw INSERT at 16 clients). For the writes alone, the reads alone and the
reference, the CPU each request (or append) cost the API processes, PostgreSQL, the workers and
the load generator, from /proc: only this run's processes (the service's own children, the
PostgreSQL backends of the run's databases, and only when the server runs on this machine), so
other work on a shared machine does not count; PostgreSQL's background processes (WAL writer,
checkpointer) do not count either. Then the
invariants, each PASS or FAIL: no shift holds more than its capacity, no room has two active
bookings that overlap, every read model equals a rebuild from scratch.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import httpx

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from bench.claims import drop_database, fresh_database  # noqa: E402
from bench.keepalive import Connection  # noqa: E402
from bench.store import (  # noqa: E402
    REGISTRY,
    WRITERS,
    Streams,
    raw_insert_concurrent,
    store_append_concurrent,
)
from events.catalog import registry  # noqa: E402
from events.store import EventStore, create_pool  # noqa: E402
from projections import admin  # noqa: E402
from projections.catalog import PROJECTIONS  # noqa: E402
from services.platform.embedded import free_port  # noqa: E402
from tests.projection_checks import (  # noqa: E402
    differing_rows,
    read_models,
    rebuild_from_scratch,
    wait_until_caught_up,
)

SECRET = "bench-load-secret"
ADMIN_EMAIL, ADMIN_PASSWORD = "bench-admin@example.org", "bench-admin-password"
PASSWORD = "bench-password"
SITES, ROOMS_PER_SITE, SHIFTS_PER_SITE, VOLUNTEERS = 4, 3, 10, 32
REFERENCE_EVENTS = 8000
WRITE_SHARE = 0.20  # of the mix: 15 % claims and releases, 5 % bookings
CLAIM_SHARE_OF_WRITES = 0.75
WRITES_ALONE_TARGET = 0.25  # × the raw 16-connection INSERT reference (issue 23, target (a))
RETRY_AFTER_SECONDS = 1.0  # what a refusal (503, services/platform/in_flight.py) asks of a client
_TODAY = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
BOOKINGS_FROM = _TODAY + timedelta(days=14 - _TODAY.weekday())  # a Monday, 1-2 weeks ahead
"""The run fills half hours from here: near today, as the service plans (services/checks.py)."""
SLOTS_PER_WEEK = 7 * 48


# --- the service -------------------------------------------------------------------------------


def start_service(database_url: str, redis_url: str, port: int,
                  checkout: Path = ROOT) -> subprocess.Popen[bytes]:
    env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": redis_url, "PORT": str(port),
           "TREFFPUNKT_SECRET_KEY": SECRET, "TREFFPUNKT_ADMIN_EMAIL": ADMIN_EMAIL,
           "TREFFPUNKT_ADMIN_PASSWORD": ADMIN_PASSWORD,
           "TREFFPUNKT_BROKER_NAMESPACE": f"bench-load-{uuid.uuid4().hex[:8]}"}
    return subprocess.Popen(
        [sys.executable, "-m", "services.platform.cli", "serve", "--api-processes", "2",
         "--worker-processes", "2"],
        cwd=checkout, env=env, start_new_session=True,
    )


def stop_service(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)


async def wait_until_ready(client: httpx.AsyncClient, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("the service exited early")
        try:
            if (await client.get("/ready")).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        await asyncio.sleep(0.3)
    raise SystemExit("the service was not ready within 90 s")


# --- the world ---------------------------------------------------------------------------------


@dataclass
class World:
    admin: str
    sites: list[str] = field(default_factory=list)
    rooms: list[str] = field(default_factory=list)
    shifts: list[str] = field(default_factory=list)
    volunteers: list[tuple[str, str]] = field(default_factory=list)
    """(volunteer id, that volunteer's token)"""


async def token(client: httpx.AsyncClient, email: str, password: str) -> str:
    response = await client.post("/api/auth/token", json={"email": email, "password": password})
    response.raise_for_status()
    return response.json()["access_token"]


async def created(client: httpx.AsyncClient, bearer: str, path: str, body: dict) -> str:
    response = await client.post(path, json=body, headers={"Authorization": f"Bearer {bearer}"})
    if response.status_code != 201:
        raise SystemExit(f"{path}: {response.status_code} {response.text}")
    return response.json()["id"]


async def seed(client: httpx.AsyncClient) -> World:
    world = World(admin=await token(client, ADMIN_EMAIL, ADMIN_PASSWORD))
    day = datetime.now(UTC).replace(hour=8, minute=0, second=0, microsecond=0) + timedelta(days=7)
    for s in range(SITES):
        site = await created(client, world.admin, "/api/sites",
                             {"name": f"Dorftreff {s}", "village": f"Dorf {s}"})
        world.sites.append(site)
        for r in range(ROOMS_PER_SITE):
            world.rooms.append(await created(client, world.admin, f"/api/sites/{site}/rooms",
                                             {"name": f"Raum {r}", "capacity": 20}))
        for n in range(SHIFTS_PER_SITE):  # one a day per site: a volunteer's never overlap
            starts = day + timedelta(days=n, hours=s)
            world.shifts.append(await created(client, world.admin, "/api/shifts", {
                "site_id": site, "title": f"Schicht {n}", "starts_at": starts.isoformat(),
                "ends_at": (starts + timedelta(minutes=50)).isoformat(), "capacity": 3}))
    for v in range(VOLUNTEERS):
        email = f"bench-volunteer-{v}@example.org"
        volunteer = await created(client, world.admin, "/api/volunteers",
                                  {"name": f"Bench {v}", "email": email})
        await created(client, world.admin, "/api/accounts", {
            "email": email, "password": PASSWORD, "role": "volunteer", "volunteer_id": volunteer})
        world.volunteers.append((volunteer, await token(client, email, PASSWORD)))
    return world


# --- the mix -----------------------------------------------------------------------------------


@dataclass
class Samples:
    reads: list[float] = field(default_factory=list)
    writes: list[float] = field(default_factory=list)
    refused: list[float] = field(default_factory=list)
    """Seconds to each 503, the answer of a process at its bound of requests in flight."""
    statuses: dict[str, int] = field(default_factory=dict)

    def count(self, kind: str, status: int) -> None:
        key = f"{kind} {status}"
        self.statuses[key] = self.statuses.get(key, 0) + 1


async def run_mix(port: int, world: World, clients: int, seconds: float,
                  seed_value: int, write_share: float = WRITE_SHARE) -> tuple[Samples, float]:
    samples = Samples()
    deadline = time.monotonic() + seconds
    window = "from=2020-01-01T00:00:00Z&to=2040-01-01T00:00:00Z"
    booking_slot = iter(range(10**9))
    latest_slot = [0]

    def booked_weeks() -> int:
        return latest_slot[0] // SLOTS_PER_WEEK

    async def one_client(number: int) -> None:
        rng = random.Random(seed_value * 1000 + number)
        volunteer, own_token = world.volunteers[number % len(world.volunteers)]
        own = {"Authorization": f"Bearer {own_token}"}
        admin = {"Authorization": f"Bearer {world.admin}"}
        connection = Connection("127.0.0.1", port, {"Accept": "application/json"})
        try:
            while time.monotonic() < deadline:
                body: object = None
                roll = rng.random()
                if roll >= write_share:
                    kind, method, headers = "read", "GET", own
                    if rng.random() < 0.5:
                        path = f"/api/shifts?site_id={rng.choice(world.sites)}&{window}"
                    else:
                        # A week, as the coordinators' week view reads it: a busy one, among
                        # the weeks the bookings of this run have filled so far.
                        week = BOOKINGS_FROM + timedelta(weeks=rng.randrange(booked_weeks() + 1))
                        path = (f"/api/rooms/{rng.choice(world.rooms)}/calendar?"
                                f"from={week:%Y-%m-%dT%H:%M:%SZ}"
                                f"&to={week + timedelta(weeks=1):%Y-%m-%dT%H:%M:%SZ}")
                elif roll < write_share * CLAIM_SHARE_OF_WRITES:
                    kind, headers = "write", own
                    shift = rng.choice(world.shifts)
                    if rng.random() < 0.5:
                        method, path, body = "POST", f"/api/shifts/{shift}/claims", {}
                    else:
                        method, path = "DELETE", f"/api/shifts/{shift}/claims/{volunteer}"
                else:
                    kind, method, headers = "write", "POST", admin
                    # Distinct half hours mostly, a random earlier one now and then: real
                    # conflicts.
                    slot = next(booking_slot)
                    if rng.random() < 0.2:
                        slot = rng.randrange(slot + 1)
                    starts = BOOKINGS_FROM + timedelta(minutes=30 * slot)
                    latest_slot[0] = max(latest_slot[0], slot)
                    path = f"/api/rooms/{rng.choice(world.rooms)}/bookings"
                    body = {"title": "Probe", "starts_at": starts.isoformat(),
                            "ends_at": (starts + timedelta(minutes=45)).isoformat()}
                started = time.perf_counter()
                try:
                    status, _ = await connection.request(method, path, json=body,
                                                         headers=headers)
                except (OSError, asyncio.IncompleteReadError) as error:
                    status = type(error).__name__  # type: ignore[assignment]
                elapsed = time.perf_counter() - started
                samples.count(kind, status)  # type: ignore[arg-type]
                # A 409 (already holding it, no claim to release, room taken) or a 404 (nothing
                # to release) is the rules answering, as fast as a success: it counts.
                if isinstance(status, int) and status < 500:
                    (samples.reads if kind == "read" else samples.writes).append(elapsed)
                elif status == 503:
                    # Refused at the bound, nothing stored: wait as told, as a client should.
                    samples.refused.append(elapsed)
                    await asyncio.sleep(RETRY_AFTER_SECONDS)
        finally:
            await connection.close()

    started = time.monotonic()
    await asyncio.gather(*(one_client(n) for n in range(clients)))
    return samples, time.monotonic() - started


async def run_floor(port: int, clients: int, seconds: float) -> float:
    """Requests per second of ``GET /health`` alone, the cheapest route, with the same clients:
    the most requests per second that any mix can reach on this machine."""
    deadline = time.monotonic() + seconds
    answered = [0]

    async def one_client() -> None:
        connection = Connection("127.0.0.1", port, {"Accept": "application/json"})
        try:
            while time.monotonic() < deadline:
                status, _ = await connection.request("GET", "/health")
                if status == 200:
                    answered[0] += 1
        finally:
            await connection.close()

    started = time.monotonic()
    await asyncio.gather(*(one_client() for _ in range(clients)))
    return answered[0] / (time.monotonic() - started)


def quantiles(values: list[float]) -> tuple[float, float]:
    if not values:
        return float("nan"), float("nan")
    ordered = sorted(values)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]


# --- CPU per request -----------------------------------------------------------------------------

ROLES = ("API", "PostgreSQL", "workers", "load generator")


def cpu_seconds(service: int | None = None, database: str | None = None) -> dict[str, float]:
    """CPU seconds (user and system) spent so far by the processes of each role on this machine.

    Read from /proc, and only this run's: the API processes and workers of the service whose
    session leader is ``service``, the PostgreSQL backends connected to ``database`` (counted
    only when the server runs here; the system server does). Other sessions' services and
    tests on the same machine and server do not count."""
    tick = os.sysconf("SC_CLK_TCK")
    spent = dict.fromkeys(ROLES, 0.0)
    backend = f" {database} " if database else None
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # ended meanwhile, or not ours to read
        ours = int(fields[3]) == service  # the session: the service's own children
        if ours and "services.platform.api_process" in command:
            role = "API"
        elif ours and "dramatiq" in command:
            role = "workers"
        elif backend is not None and command.startswith("postgres") and backend in command:
            role = "PostgreSQL"
        elif int(entry.name) == os.getpid():
            role = "load generator"
        else:
            continue
        spent[role] += (int(fields[11]) + int(fields[12])) / tick
    return spent


def cpu_per_request(before: dict[str, float], after: dict[str, float],
                    requests: int) -> dict[str, float]:
    """Milliseconds of CPU per request, by role, between two ``cpu_seconds(...)``."""
    return {role: 1000 * (after[role] - before[role]) / max(requests, 1) for role in ROLES}


# --- the references: bench/store.py's 16-writer append case and raw 16-connection INSERT -------


@dataclass
class Reference:
    rate: float
    """Events (rows) per second."""
    cpu: dict[str, float]
    """Milliseconds of CPU per event (row), by role."""


async def reference_rates(server_url: str) -> tuple[Reference, Reference]:
    """bench/store.py's 16-writer cases on a database of their own: the store's append (one
    event per append, group commit) and the raw single-row INSERT with 16 connections into a
    table like ``events`` (issue 23's reference for the writes alone)."""
    name, url = await fresh_database(server_url)
    try:
        pool = await create_pool(url, min_size=WRITERS, max_size=WRITERS)
        raw_pool = await asyncpg.create_pool(url, min_size=WRITERS, max_size=WRITERS)
        try:
            await raw_pool.execute(
                "CREATE TABLE bench_raw "
                "(LIKE events INCLUDING DEFAULTS INCLUDING IDENTITY INCLUDING INDEXES)")
            store = EventStore(pool, REGISTRY)
            await store_append_concurrent(store, 800, Streams("warmup"))
            await raw_insert_concurrent(raw_pool, 800, Streams("raw-warmup"))
            append = await _timed(name, lambda: store_append_concurrent(
                store, REFERENCE_EVENTS, Streams("timed")))
            insert = await _timed(name, lambda: raw_insert_concurrent(
                raw_pool, REFERENCE_EVENTS, Streams("raw-timed")))
            return append, insert
        finally:
            await raw_pool.close()
            await pool.close()
    finally:
        await drop_database(server_url, name)


async def _timed(database: str, work: Callable[[], Awaitable[int]]) -> Reference:
    before = cpu_seconds(database=database)
    started = time.perf_counter()
    await work()
    rate = REFERENCE_EVENTS / (time.perf_counter() - started)
    return Reference(rate, cpu_per_request(before, cpu_seconds(database=database),
                                           REFERENCE_EVENTS))


# --- the invariants ----------------------------------------------------------------------------

DOUBLE_BOOKED = """
SELECT count(*) FROM room_calendar a JOIN room_calendar b
  ON a.room_id = b.room_id AND (a.booking_id, a.starts_at) < (b.booking_id, b.starts_at)
 WHERE NOT a.cancelled AND NOT b.cancelled
   AND a.starts_at < b.ends_at AND b.starts_at < a.ends_at"""


async def check_invariants(database_url: str) -> list[tuple[str, bool, str]]:
    pool = await create_pool(database_url, min_size=1, max_size=4)
    try:
        store = EventStore(pool, registry)
        await wait_until_caught_up(pool, PROJECTIONS, timeout=300)
        overfull = await pool.fetchval("SELECT count(*) FROM shift_board WHERE claimed > capacity")
        shifts, held = await pool.fetchrow(
            "SELECT count(*), count(*) FILTER (WHERE claimed > 0) FROM shift_board")
        double = await pool.fetchval(DOUBLE_BOOKED)
        live = await read_models(pool, PROJECTIONS)
        await rebuild_from_scratch(pool, store, PROJECTIONS)
        differences = differing_rows(live, await read_models(pool, PROJECTIONS))
        return [
            ("no shift holds more than its capacity", overfull == 0,
             f"{overfull} over-full of {shifts} shifts, {held} with claims"),
            ("no room has two overlapping active bookings", double == 0,
             f"{double} overlapping pairs"),
            ("every read model equals a rebuild from scratch", not differences,
             f"{len(differences)} differing rows"
             + (f", first: {differences[0]}" if differences else "")),
        ]
    finally:
        await pool.close()


async def projection_lag(database_url: str) -> str:
    pool = await create_pool(database_url, min_size=1, max_size=2)
    try:
        statuses = await admin.status(pool, EventStore(pool, registry), PROJECTIONS)
        return ", ".join(f"{s.name} {s.lag.events} ev/{s.lag.seconds:.2f} s" for s in statuses)
    finally:
        await pool.close()


# --- main --------------------------------------------------------------------------------------


async def main(args: argparse.Namespace) -> int:
    server_url = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    append_reference, insert_reference = await reference_rates(server_url)
    reference = append_reference.rate
    print(f"load average at start {os.getloadavg()[0]:.2f}")
    print(f"store reference: append, {WRITERS} writers: {reference:,.0f} events/s; "
          f"raw INSERT, {WRITERS} connections: {insert_reference.rate:,.0f} rows/s")

    name, database_url = await fresh_database(server_url)
    port = free_port()
    process = start_service(database_url, redis_url, port)
    rows: list[tuple[int, Samples, float, str]] = []
    ceilings: dict[int, tuple[float, float, float]] = {}
    cpu: dict[str, dict[str, float]] = {"an append, store reference": append_reference.cpu,
                                        "a row, raw INSERT reference": insert_reference.cpu}
    try:
        limits = httpx.Limits(max_connections=200, max_keepalive_connections=200)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", limits=limits,
                                     timeout=60) as client:
            await wait_until_ready(client, process)
            world = await seed(client)
            print(f"seeded: {len(world.sites)} sites, {len(world.rooms)} rooms, "
                  f"{len(world.shifts)} shifts, {len(world.volunteers)} volunteers")
            for number, clients in enumerate(args.clients):
                ceiling_seconds = min(args.seconds, 10)
                health = await run_floor(port, clients, ceiling_seconds)
                before = cpu_seconds(process.pid, name)
                writes_only, writes_elapsed = await run_mix(
                    port, world, clients, ceiling_seconds, 100 + number, write_share=1.0)
                cpu[f"a write, writes alone, {clients} clients"] = cpu_per_request(
                    before, cpu_seconds(process.pid, name), len(writes_only.writes))
                before = cpu_seconds(process.pid, name)
                reads_only, reads_elapsed = await run_mix(
                    port, world, clients, ceiling_seconds, 200 + number, write_share=0.0)
                cpu[f"a read, reads alone, {clients} clients"] = cpu_per_request(
                    before, cpu_seconds(process.pid, name), len(reads_only.reads))
                ceilings[clients] = (health, len(writes_only.writes) / writes_elapsed,
                                     len(reads_only.reads) / reads_elapsed)
                samples, elapsed = await run_mix(port, world, clients, args.seconds, number)
                rows.append((clients, samples, elapsed, await projection_lag(database_url)))
        verdicts = await check_invariants(database_url)
    finally:
        stop_service(process)
        if not args.keep:
            await drop_database(server_url, name)

    print(f"\n{'clients':>7} | {'req/s':>7} | {'writes/s':>8} | {'w/ref':>5} | "
          f"{'read p50':>8} | {'read p99':>8} | {'write p50':>9} | {'write p99':>9} | "
          f"{'refused/s':>9} | {'refused p99':>11}")
    for clients, samples, elapsed, _lag in rows:
        read_p50, read_p99 = quantiles(samples.reads)
        write_p50, write_p99 = quantiles(samples.writes)
        _, refused_p99 = quantiles(samples.refused)
        total = len(samples.reads) + len(samples.writes)
        writes = len(samples.writes) / elapsed
        print(f"{clients:>7} | {total / elapsed:>7.0f} | {writes:>8.0f} | "
              f"{writes / reference:>5.2f} | {read_p50 * 1000:>6.1f}ms | {read_p99 * 1000:>6.1f}ms | "
              f"{write_p50 * 1000:>7.1f}ms | {write_p99 * 1000:>7.1f}ms | "
              f"{len(samples.refused) / elapsed:>9.0f} | {refused_p99 * 1000:>9.1f}ms")
    print(f"\nceilings | {'health req/s':>12} | {'x write share':>13} | {'writes alone/s':>14} | "
          f"{'reads alone/s':>13}")
    for clients, (health, writes_alone, reads_alone) in ceilings.items():
        shared = health * WRITE_SHARE
        print(f"{clients:>8} | {health:>12.0f} | {shared:>6.0f} ({shared / reference:.2f}) | "
              f"{writes_alone:>7.0f} ({writes_alone / reference:.2f}) | {reads_alone:>13.0f}")
    print("  (writes/s no run of this mix can pass: with every request as cheap as GET /health,\n"
          "   and with no reads at all; in brackets × the store reference)")
    insert = insert_reference.rate
    for clients, (_health, writes_alone, _reads_alone) in ceilings.items():
        verdict = "met" if writes_alone >= WRITES_ALONE_TARGET * insert else "MISSED"
        print(f"writes alone, {clients} clients: {writes_alone / insert:.3f} × raw INSERT "
              f"{WRITERS} connections ({insert:,.0f} rows/s; target {WRITES_ALONE_TARGET}: "
              f"{verdict}), {writes_alone / reference:.3f} × store append {WRITERS} writers")
    print(f"\n{'CPU ms per':<34} | " + " | ".join(f"{role:>14}" for role in ROLES)
          + f" | {'total':>6}")
    for what, spent in cpu.items():
        print(f"{what:<34} | " + " | ".join(f"{spent[role]:>14.3f}" for role in ROLES)
              + f" | {sum(spent.values()):>6.3f}")
    for clients, samples, _elapsed, lag in rows:
        print(f"  {clients} clients, answers: {dict(sorted(samples.statuses.items()))}")
        print(f"  {clients} clients, projection lag at the end: {lag}")
    print()
    for text, ok, detail in verdicts:
        print(f"{'PASS' if ok else 'FAIL'}  {text} ({detail})")
    return 0 if all(ok for _text, ok, _detail in verdicts) else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30, help="per client count")
    parser.add_argument("--clients", type=int, nargs="+", default=[16, 64])
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    sys.exit(asyncio.run(main(parser.parse_args())))
