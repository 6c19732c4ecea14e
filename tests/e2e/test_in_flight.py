"""A real API process bounding the requests it works on at once (TREFFPUNKT_MAX_IN_FLIGHT):
past the bound it refuses at once, stores nothing of a refused request, and serves again when
room frees up. Requests are held in flight by sending their bodies slowly."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
import time
import uuid

import asyncpg
import httpx
import pytest

from events.catalog import registry
from events.store import EventStore
from services.accounts.bootstrap import ensure_admin
from services.commands.handler import CommandHandler
from services.platform.embedded import free_port
from services.platform.keys import derive_keys
from tests.fault_service import ADMIN_EMAIL, ADMIN_PASSWORD, ROOT, wait_for_api
from tests.serving import base_env

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(90)]
LIMIT = 4
SECRET = "in-flight-test-secret"


class HeldPost:
    """A POST whose body is sent in two parts: in flight on the server until ``finish``."""

    def __init__(self, port: int, token: str, body: dict[str, str], key: str) -> None:
        self.port, self.token, self.key = port, token, key
        self.body = json.dumps(body).encode()

    async def start(self) -> None:
        self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        head = (f"POST /api/sites HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: {self.token}\r\n"
                f"Idempotency-Key: {self.key}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(self.body)}\r\n\r\n")
        self.writer.write(head.encode() + self.body[:1])
        await self.writer.drain()

    async def finish(self) -> int:
        self.writer.write(self.body[1:])
        status_line = await asyncio.wait_for(self.reader.readline(), 30)
        self.writer.close()
        return int(status_line.split()[1])


def start_api_process(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "services.platform.api_process", "--port", str(port)],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )


async def sites_stored(database_url: str) -> list[str]:
    connection = await asyncpg.connect(database_url)
    try:
        rows = await connection.fetch(
            "SELECT data->>'name' AS name FROM events WHERE type = 'site.added'")
    finally:
        await connection.close()
    return sorted(row["name"] for row in rows)


async def test_past_its_bound_a_process_refuses_at_once_stores_nothing_refused_and_serves_again(
    servers, database_url, pool
):
    env = {
        **base_env(), "DATABASE_URL": database_url, "REDIS_URL": servers.redis_url,
        "TREFFPUNKT_ADMIN_EMAIL": ADMIN_EMAIL, "TREFFPUNKT_ADMIN_PASSWORD": ADMIN_PASSWORD,
        "TREFFPUNKT_SECRET_KEY": SECRET, "TREFFPUNKT_MAX_IN_FLIGHT": str(LIMIT),
    }
    await ensure_admin(CommandHandler(EventStore(pool, registry)), pool, derive_keys(SECRET),
                       ADMIN_EMAIL, ADMIN_PASSWORD)
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    process = start_api_process(env, port)
    try:
        wait_for_api(process, base_url)
        answer = httpx.post(f"{base_url}/api/auth/token", timeout=10,
                            json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
        token = f"Bearer {answer.json()['access_token']}"
        held = [HeldPost(port, token, {"name": f"Held {n}", "village": "Ankum"}, uuid.uuid4().hex)
                for n in range(LIMIT)]
        for post in held:
            await post.start()

        async with httpx.AsyncClient(base_url=base_url, headers={"Authorization": token},
                                     timeout=30) as client:
            async def post_site(name: str, key: str) -> tuple[httpx.Response, float]:
                started = time.perf_counter()
                response = await client.post("/api/sites", json={"name": name, "village": "Ankum"},
                                             headers={"Idempotency-Key": key})
                return response, time.perf_counter() - started

            deadline = time.monotonic() + 10
            while (await client.get("/api/sites")).status_code != 503:
                assert time.monotonic() < deadline, "never refused with every place taken"
                await asyncio.sleep(0.05)

            # Full: each new request is refused at once, while the held ones still wait.
            keys = {f"Refused {n}": uuid.uuid4().hex for n in range(20)}
            refused = await asyncio.gather(*(post_site(name, key) for name, key in keys.items()))
            for response, seconds in refused:
                assert response.status_code == 503, response.text
                assert response.headers["content-type"] == "application/problem+json"
                assert response.headers["retry-after"] == "1"
                assert response.headers["x-content-type-options"] == "nosniff"
                assert response.json()["title"] == "Service busy"
                assert seconds < 1.0, f"a refusal took {seconds:.3f} s"
            assert (await client.get("/health")).status_code == 200
            assert (await client.get("/ready")).status_code == 200
            assert await sites_stored(database_url) == [], "a refused request stored something"

            assert await asyncio.gather(*(post.finish() for post in held)) == [201] * LIMIT
            # Room again: the refused requests, repeated as told, are stored, each once.
            for name, key in keys.items():
                response, _ = await post_site(name, key)
                assert response.status_code == 201, response.text

            # Many at once: each answered 201 or refused 503, never another 5xx.
            burst = {f"Burst {n}": uuid.uuid4().hex for n in range(40)}
            answers = await asyncio.gather(*(post_site(name, key) for name, key in burst.items()))
            statuses = [response.status_code for response, _ in answers]
            assert set(statuses) <= {201, 503}, statuses
            assert 201 in statuses
            served = sorted(name for name, (response, _) in zip(burst, answers, strict=True)
                            if response.status_code == 201)
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)

    expected = sorted([f"Held {n}" for n in range(LIMIT)] + list(keys) + served)
    assert await sites_stored(database_url) == expected
