"""A booking whose rule never matches, against a real served process (issue 17, item 2).

Before the walk was bounded, dateutil looked for a February 30th day by day towards the year
9999 on the API process's event loop: about 3 s here, during which ``GET /health`` of the same
process waited as long. Now the rule is refused in milliseconds and ``/health`` does not notice.
Each round sends the booking while another connection polls ``/health``; the medians of seven
rounds are held to the issue's figures (50 ms, 20 ms), so one slow round on a busy machine does
not fail the test while a blocked loop (seconds, in every round) always would.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from datetime import UTC, datetime

import httpx
import pytest

from services.platform.embedded import free_port
from tests.serving import base_env, interrupt, start_service, wait_until_ready

pytestmark = [pytest.mark.e2e, pytest.mark.serial, pytest.mark.timeout(120)]

ROUNDS = 7
ADMIN = {"email": "latency-admin@example.org", "password": "latency-admin-password"}
NEVER = {"rrule": "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30", "count": 3}


async def one_round(client: httpx.AsyncClient, health: httpx.AsyncClient, path: str,
                    body: dict) -> tuple[float, float]:
    """The booking's latency, and the slowest /health answered while it ran."""
    done = asyncio.Event()
    slowest = 0.0

    async def poll_health() -> None:
        nonlocal slowest
        while not done.is_set():
            started = time.perf_counter()
            assert (await health.get("/health")).status_code == 200
            slowest = max(slowest, time.perf_counter() - started)
            await asyncio.sleep(0.002)

    poller = asyncio.create_task(poll_health())
    await asyncio.sleep(0.01)  # the poller is under way
    started = time.perf_counter()
    response = await client.post(path, json=body)
    booking = time.perf_counter() - started
    done.set()
    await poller
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == "recurrence"
    return booking, slowest


async def test_a_never_matching_rule_is_refused_at_once_and_health_stays_quick(
    servers, database_url
):
    port = free_port()
    env = {**base_env(), "DATABASE_URL": database_url, "REDIS_URL": servers.redis_url,
           "TREFFPUNKT_ADMIN_EMAIL": ADMIN["email"],
           "TREFFPUNKT_ADMIN_PASSWORD": ADMIN["password"]}
    process = start_service(env, port, demo=False)
    try:
        wait_until_ready(process, port)
        base = f"http://127.0.0.1:{port}"
        async with httpx.AsyncClient(base_url=base, timeout=30) as client, \
                httpx.AsyncClient(base_url=base, timeout=30) as health:
            token = (await client.post("/api/auth/token", json=ADMIN)).json()["access_token"]
            client.headers["Authorization"] = f"Bearer {token}"
            site = (await client.post("/api/sites", json={"name": "Treff", "village": "Linden"}
                                      )).json()["id"]
            room = (await client.post(f"/api/sites/{site}/rooms",
                                      json={"name": "Saal", "capacity": 20})).json()["id"]
            year = datetime.now(UTC).year + 1
            body = {"title": "Chor", "starts_at": f"{year}-01-05T10:00:00+01:00",
                    "ends_at": f"{year}-01-05T12:00:00+01:00", "recurrence": NEVER}
            path = f"/api/rooms/{room}/bookings"
            await one_round(client, health, path, body)  # connections and code warmed up
            rounds = [await one_round(client, health, path, body) for _ in range(ROUNDS)]
    finally:
        interrupt(process)
    booking = statistics.median(b for b, _ in rounds)
    slowest_health = statistics.median(h for _, h in rounds)
    print(f"never-matching rule refused in {booking * 1000:.1f} ms (median of {ROUNDS}), "
          f"slowest /health meanwhile {slowest_health * 1000:.1f} ms (median); rounds: "
          + ", ".join(f"{b * 1000:.1f}/{h * 1000:.1f}" for b, h in rounds))
    assert booking < 0.050
    assert slowest_health < 0.020
