"""Claim latency over real HTTP, run by hand: .venv/bin/python bench/claims.py [--volunteers N]

The service runs under uvicorn in one process of its own (as ``treffpunkt serve`` runs one API
process), on a fresh database of the system PostgreSQL (DATABASE_URL, REDIS_URL) or of the
embedded servers under .treffpunkt/bench. N volunteers, each signed in with an account of its
own, claim a shift and release it again, over and over, for ``--seconds``; the shifts are few
(``--shifts``, capacity 2), so claims contend, fill shifts and land on waitlists.

Printed: median and p99 latency of a claim (POST /api/shifts/{id}/claims) and of a release,
and for reference, measured in the same run over the same client and at the same
concurrency, GET /health: the HTTP floor of this machine, so the claim figures read as
multiples of it. Each is measured at concurrency 1 and at N.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import httpx
import redis

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from services.accounts.bootstrap import ensure_admin  # noqa: E402
from services.database import migrate  # noqa: E402
from services.embedded import EmbeddedServers, free_port  # noqa: E402
from services.keys import derive_keys  # noqa: E402

SECRET = "bench-claims-secret"
ADMIN_EMAIL, ADMIN_PASSWORD = "bench-admin@example.org", "bench-admin-password"
PASSWORD = "bench-password"


def database_named(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


async def fresh_database(server_url: str) -> tuple[str, str]:
    name = f"bench_claims_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(server_url)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    url = database_named(server_url, name)
    connection = await asyncpg.connect(url)
    try:
        await migrate(connection)
    finally:
        await connection.close()
    return name, url


async def drop_database(server_url: str, name: str) -> None:
    admin = await asyncpg.connect(server_url)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


async def create_admin(database_url: str) -> None:
    from events.catalog import registry
    from events.store import EventStore, create_pool

    pool = await create_pool(database_url, min_size=1, max_size=2)
    try:
        await ensure_admin(pool, EventStore(pool, registry), derive_keys(SECRET), ADMIN_EMAIL,
                           ADMIN_PASSWORD)
    finally:
        await pool.close()


def start_service(database_url: str, redis_url: str, port: int, namespace: str,
                  ) -> subprocess.Popen[bytes]:
    env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": redis_url,
           "TREFFPUNKT_SECRET_KEY": SECRET, "TREFFPUNKT_BROKER_NAMESPACE": namespace}
    return subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "services.asgi:app", "--host", "127.0.0.1",
         "--port", str(port), "--workers", "1", "--log-level", "warning", "--no-access-log",
         "--timeout-keep-alive", "120"],
        cwd=ROOT, env=env,
    )


async def wait_until_up(client: httpx.AsyncClient, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("the service exited early")
        try:
            if (await client.get("/health")).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        await asyncio.sleep(0.2)
    raise SystemExit("the service did not come up within 60 s")


class Api:
    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    async def token(self, email: str, password: str) -> str:
        response = await self.client.post("/api/auth/token",
                                          json={"email": email, "password": password})
        response.raise_for_status()
        return response.json()["access_token"]

    async def created(self, token: str, path: str, body: dict) -> str:
        response = await self.client.post(path, json=body,
                                          headers={"Authorization": f"Bearer {token}"})
        if response.status_code != 201:
            raise SystemExit(f"{path}: {response.status_code} {response.text}")
        return response.json()["id"]


async def prepare(api: Api, volunteers: int, shifts: int,
                  ) -> tuple[list[str], list[tuple[str, str]]]:
    """The shifts (one a day, never overlapping) and each volunteer's (id, token)."""
    admin = await api.token(ADMIN_EMAIL, ADMIN_PASSWORD)
    site = await api.created(admin, "/api/sites", {"name": "Bench", "village": "Bench"})
    first_day = datetime.now(UTC).replace(hour=9, minute=0, second=0, microsecond=0)
    shift_ids = [
        await api.created(admin, "/api/shifts", {
            "site_id": site, "title": f"Schicht {n}",
            "starts_at": (first_day + timedelta(days=30 + n)).isoformat(),
            "ends_at": (first_day + timedelta(days=30 + n, hours=3)).isoformat(),
            "capacity": 2})
        for n in range(shifts)
    ]

    async def volunteer(n: int) -> tuple[str, str]:
        email = f"bench-volunteer-{n}@example.org"
        volunteer_id = await api.created(admin, "/api/volunteers",
                                         {"name": f"Bench {n}", "email": email})
        await api.created(admin, "/api/accounts", {"email": email, "password": PASSWORD,
                                                   "role": "volunteer",
                                                   "volunteer_id": volunteer_id})
        return volunteer_id, await api.token(email, PASSWORD)

    people = [await volunteer(n) for n in range(volunteers)]  # Argon2: one at a time is enough
    return shift_ids, people


Timed = Callable[[], Awaitable[httpx.Response]]


async def measure(calls: list[Callable[[int], list[tuple[str, Timed]]]], seconds: float,
                  ) -> dict[str, list[float]]:
    """Run each worker's sequence of named calls in a loop until ``seconds`` are up."""
    samples: dict[str, list[float]] = {}
    deadline = time.monotonic() + seconds
    failures: dict[str, int] = {}

    async def worker(steps_of: Callable[[int], list[tuple[str, Timed]]]) -> None:
        round_number = 0
        while time.monotonic() < deadline:
            for name, call in steps_of(round_number):
                started = time.perf_counter()
                response = await call()
                elapsed = time.perf_counter() - started
                if response.status_code >= 400:
                    failures[f"{name} {response.status_code}"] = (
                        failures.get(f"{name} {response.status_code}", 0) + 1)
                else:
                    samples.setdefault(name, []).append(elapsed)
            round_number += 1

    await asyncio.gather(*(worker(steps) for steps in calls))
    if failures:
        print(f"    (answers not counted: {failures})")
    return samples


def quantiles(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    p99 = ordered[min(len(ordered) - 1, int(round(0.99 * (len(ordered) - 1))))]
    return statistics.median(ordered), p99


async def bench(api: Api, shift_ids: list[str], people: list[tuple[str, str]],
                seconds: float) -> None:
    client = api.client

    def health_steps(_: int) -> list[tuple[str, Timed]]:
        return [("GET /health", lambda: client.get("/health"))]

    def volunteer_steps(index: int) -> Callable[[int], list[tuple[str, Timed]]]:
        volunteer_id, token = people[index]
        headers = {"Authorization": f"Bearer {token}"}

        def steps(round_number: int) -> list[tuple[str, Timed]]:
            shift = shift_ids[(index + round_number) % len(shift_ids)]
            claims = f"/api/shifts/{shift}/claims"
            return [
                ("claim", lambda: client.post(claims, json={}, headers=headers)),
                ("release", lambda: client.delete(f"{claims}/{volunteer_id}", headers=headers)),
            ]

        return steps

    print(f"{'case':<34}{'requests':>9}{'median ms':>11}{'p99 ms':>9}{'median/health':>15}")
    for concurrency in (1, len(people)):
        floor = await measure([health_steps] * concurrency, seconds / 4)
        work = await measure([volunteer_steps(i) for i in range(concurrency)], seconds)
        health_median, health_p99 = quantiles(floor["GET /health"])
        cases = [("GET /health", floor["GET /health"]), ("claim", work.get("claim", [])),
                 ("release", work.get("release", []))]
        for name, values in cases:
            if not values:
                print(f"{name} at concurrency {concurrency}: no successful answers")
                continue
            median, p99 = quantiles(values)
            print(f"{name + f' (concurrency {concurrency})':<34}{len(values):>9}"
                  f"{median * 1000:>11.2f}{p99 * 1000:>9.2f}{median / health_median:>15.1f}")


def drop_namespace(redis_url: str, namespace: str) -> None:
    """The wake-up messages no worker took (none runs here): gone with the bench."""
    client = redis.Redis.from_url(redis_url)
    try:
        keys = list(client.scan_iter(f"{namespace}:*"))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


async def run(server_url: str, redis_url: str, args: argparse.Namespace) -> None:
    name, database_url = await fresh_database(server_url)
    namespace = f"bench-claims-{uuid.uuid4().hex[:8]}"
    process = None
    try:
        await create_admin(database_url)
        port = free_port()
        process = start_service(database_url, redis_url, port, namespace)
        limits = httpx.Limits(max_connections=args.volunteers + 4,
                              max_keepalive_connections=args.volunteers + 4)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", limits=limits,
                                     timeout=30) as client:
            await wait_until_up(client, process)
            api = Api(client)
            shift_ids, people = await prepare(api, args.volunteers, args.shifts)
            print(f"{args.volunteers} volunteers, {args.shifts} shifts of capacity 2, "
                  f"{args.seconds:.0f} s per concurrency (+1/4 for /health); "
                  f"Python {platform.python_version()}, {os.cpu_count()} cores")
            await bench(api, shift_ids, people, args.seconds)
    finally:
        if process is not None:
            process.terminate()
            process.wait(30)
        await drop_database(server_url, name)
        drop_namespace(redis_url, namespace)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--volunteers", type=int, default=20)
    parser.add_argument("--shifts", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=15.0,
                        help="how long the claims run at each concurrency")
    args = parser.parse_args()
    embedded = EmbeddedServers(ROOT / ".treffpunkt" / "bench")
    server_url, redis_url = embedded.start(os.environ.get("DATABASE_URL"),
                                           os.environ.get("REDIS_URL"))
    try:
        asyncio.run(run(server_url, redis_url, args))
    finally:
        embedded.stop()


if __name__ == "__main__":
    main()
