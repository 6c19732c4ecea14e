"""Faults against the running service: Redis stopped, PostgreSQL restarted under load.

Each test runs `treffpunkt serve` (API + worker) on servers of its OWN that it may stop: an
embedded Redis or an embedded PostgreSQL in a folder of the test's own. The machine's servers
are never stopped.
"""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import time
import uuid
from typing import Any

import asyncpg
import httpx
import pytest

from services.platform.embedded import EmbeddedPostgres, EmbeddedRedis, free_port
from tests.fault_service import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    ROOT,
    Service,
    interrupt,
    own_folder,
    start_service,
    wait_for,
    wait_for_api,
)
from tests.serving import base_env

pytestmark = pytest.mark.e2e
PROBLEM_JSON = "application/problem+json"


def admin_client(service: Service) -> httpx.Client:
    answer = httpx.post(
        f"{service.base_url}/api/auth/token",
        json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}, timeout=10,
    )
    assert answer.status_code == 200, answer.text
    token = answer.json()["access_token"]
    return httpx.Client(
        base_url=service.base_url, headers={"Authorization": f"Bearer {token}"}, timeout=10
    )


async def stored_streams(database_url: str, positions: list[int]) -> dict[int, str]:
    connection = await asyncpg.connect(database_url)
    try:
        rows = await connection.fetch(
            "SELECT position, stream_id FROM events WHERE position = ANY($1)", positions
        )
    finally:
        await connection.close()
    return {row["position"]: row["stream_id"] for row in rows}


@pytest.mark.timeout(90)
async def test_with_redis_stopped_commands_are_stored_ready_says_so_and_read_models_catch_up_after(
    database_url, own_folder
):
    redis = EmbeddedRedis(own_folder / "redis")
    service = start_service(database_url, redis.start())
    try:
        client = admin_client(service)
        redis.stop()

        ready = client.get("/ready")
        assert ready.status_code == 503
        assert ready.json()["database"] == "ok"
        assert ready.json()["broker"].startswith("unreachable")

        created = [
            client.post("/api/sites", json={"name": f"Dorftreff {n}", "village": "Degersen"})
            for n in range(5)
        ]
        assert [answer.status_code for answer in created] == [201] * 5, created[-1].text
        acknowledged = {answer.json()["position"]: f"site-{answer.json()['id']}" for answer in created}
        assert await stored_streams(database_url, list(acknowledged)) == acknowledged

        redis.start()
        wait_for(lambda: client.get("/ready").status_code == 200, 20, "ready again")
        site_ids = {answer.json()["id"] for answer in created}

        def every_site_listed() -> bool:
            listed = client.get("/api/sites")
            return listed.status_code == 200 and site_ids <= {s["id"] for s in listed.json()}

        wait_for(every_site_listed, 30, "the sites read model caught up")
        assert service.process.poll() is None, service.log()
    finally:
        interrupt(service)
        redis.stop()


async def post_sites_until(
    client: httpx.AsyncClient, stop: asyncio.Event, outcomes: list[httpx.Response | str]
) -> None:
    while not stop.is_set():
        try:
            outcomes.append(await client.post(
                "/api/sites", json={"name": f"Treff {len(outcomes)}", "village": "Sorsum"}
            ))
        except httpx.TimeoutException:
            outcomes.append("hung")
        except httpx.TransportError as error:
            outcomes.append(f"transport error {type(error).__name__}")
            await asyncio.sleep(0.05)


RESTARTS = 2


async def recovered(outcomes: list[httpx.Response | str], since: int) -> None:
    """Until ten commands after ``since`` were acknowledged (the first time: the load is on)."""
    deadline = time.monotonic() + 30
    while sum(isinstance(o, httpx.Response) and o.status_code == 201
              for o in outcomes[since:]) < 10:
        assert time.monotonic() < deadline, "no recovery within 30 s of the restart"
        await asyncio.sleep(0.1)


def created_sites(outcomes: list[httpx.Response | str]) -> list[dict[str, Any]]:
    return [o.json() for o in outcomes if isinstance(o, httpx.Response) and o.status_code == 201]


async def every_site_listed(client: httpx.AsyncClient, sites: list[dict[str, Any]]) -> None:
    """The worker, which went through the restart too, brings the read model up to date."""
    wanted = {site["id"] for site in sites}
    deadline = time.monotonic() + 30
    while True:
        listed = await client.get("/api/sites")
        if listed.status_code == 200 and wanted <= {site["id"] for site in listed.json()}:
            return
        assert time.monotonic() < deadline, "the sites read model did not catch up within 30 s"
        await asyncio.sleep(0.3)


@pytest.mark.timeout(120)
async def test_postgresql_restarted_under_load_answers_503_recovers_and_loses_no_acknowledged_command(
    servers, own_folder
):
    postgres = EmbeddedPostgres(own_folder / "postgres")
    database_url = postgres.start()
    try:
        service = start_service(database_url, servers.redis_url)
        try:
            token = admin_client(service).headers["Authorization"]
            outcomes: list[httpx.Response | str] = []
            stop = asyncio.Event()
            async with httpx.AsyncClient(
                base_url=service.base_url, headers={"Authorization": token}, timeout=15
            ) as client:
                load = [asyncio.create_task(post_sites_until(client, stop, outcomes))
                        for _ in range(4)]
                during_halt: list[httpx.Response | str] = []
                for _ in range(RESTARTS):  # each restart meets other requests mid-way
                    await recovered(outcomes, since=len(outcomes))
                    before_halt = len(outcomes)
                    await asyncio.to_thread(postgres.halt)
                    await asyncio.sleep(1.5)
                    during_halt += outcomes[before_halt:]
                    await asyncio.to_thread(postgres.resume)
                await recovered(outcomes, since=len(outcomes))
                stop.set()
                await asyncio.gather(*load)
                assert service.process.poll() is None, "the service did not survive the restart"
                await every_site_listed(client, created_sites(outcomes))
        finally:
            interrupt(service)

        problems = [o for o in outcomes if not (isinstance(o, httpx.Response) and o.status_code == 201)]
        assert problems, "no request met the restart: the test proved nothing"
        assert any(isinstance(o, httpx.Response) and o.status_code == 503 for o in during_halt)
        for outcome in problems:
            assert isinstance(outcome, httpx.Response), outcome
            assert outcome.status_code == 503, (outcome.text, service.log())
            assert outcome.headers["content-type"].startswith(PROBLEM_JSON)
            assert outcome.headers["retry-after"]
            assert "Traceback" not in outcome.text

        acknowledged = {site["position"]: f"site-{site['id']}" for site in created_sites(outcomes)}
        assert await stored_streams(database_url, list(acknowledged)) == acknowledged
    finally:
        postgres.stop()


def start_api_process(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    """One API process alone (uvicorn, as `treffpunkt serve` starts it), to be killed."""
    return subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "services.platform.asgi:app", "--host", "127.0.0.1",
         "--port", str(port), "--no-access-log"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )


async def post_keyed_sites(
    client: httpx.AsyncClient, keys: list[str], answers: dict[str, httpx.Response | str]
) -> None:
    while keys:
        key = keys.pop()
        try:
            answers[key] = await client.post(
                "/api/sites", json={"name": f"Treff {key[:8]}", "village": "Holtensen"},
                headers={"Idempotency-Key": key},
            )
        except httpx.ConnectError:
            answers[key] = "refused"  # sent after the process died
        except httpx.TransportError as error:
            answers[key] = f"cut off in flight ({type(error).__name__})"


@pytest.mark.timeout(90)
async def test_an_api_process_killed_mid_request_loses_nothing_and_a_retry_stores_nothing_twice(
    servers, database_url
):
    env = {
        **base_env(), "DATABASE_URL": database_url, "REDIS_URL": servers.redis_url,
        "TREFFPUNKT_SECRET_KEY": uuid.uuid4().hex,  # tokens stay valid across the restart
        "TREFFPUNKT_ADMIN_EMAIL": ADMIN_EMAIL, "TREFFPUNKT_ADMIN_PASSWORD": ADMIN_PASSWORD,
    }
    subprocess.run([sys.executable, "-m", "services.platform.cli", "migrate"], cwd=ROOT, env=env,
                   check=True, capture_output=True, timeout=60)
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    first = start_api_process(env, port)
    try:
        wait_for_api(first, base_url)
        token = admin_client(Service(first, base_url, None)).headers["Authorization"]
        keys = [uuid.uuid4().hex for _ in range(200)]
        answers: dict[str, httpx.Response | str] = {}
        async with httpx.AsyncClient(
            base_url=base_url, headers={"Authorization": token}, timeout=15
        ) as client:
            pending = list(keys)
            # 16 at once: appends arriving together share a group commit (one transaction).
            load = [asyncio.create_task(post_keyed_sites(client, pending, answers))
                    for _ in range(16)]
            while len(answers) < 40:
                await asyncio.sleep(0.01)
            first.kill()  # SIGKILL: no shutdown, requests cut off mid-way
            await asyncio.gather(*load)
    finally:
        if first.poll() is None:
            first.kill()
        first.wait(timeout=10)

    cut_off = [a for a in answers.values() if isinstance(a, str) and a.startswith("cut off")]
    assert cut_off, "no request was in flight when the process died: the test proved nothing"
    assert all(answer.status_code == 201 for answer in answers.values()
               if isinstance(answer, httpx.Response)), "an answer before the kill was not 201"

    second = start_api_process(env, port)
    try:
        wait_for_api(second, base_url)
        async with httpx.AsyncClient(
            base_url=base_url, headers={"Authorization": token}, timeout=15
        ) as client:
            # The client repeats every request: the lost ones, and the answered ones too.
            again: dict[str, httpx.Response | str] = {}
            pending = list(keys)
            await asyncio.gather(*(post_keyed_sites(client, pending, again) for _ in range(16)))
    finally:
        second.send_signal(signal.SIGINT)
        second.wait(timeout=30)

    assert all(isinstance(a, httpx.Response) and a.status_code == 201 for a in again.values())
    for key, answer in answers.items():
        if isinstance(answer, httpx.Response):
            assert again[key].json() == answer.json(), "a repeat did not return the first answer"
    connection = await asyncpg.connect(database_url)
    try:
        per_stream = await connection.fetch(
            "SELECT stream_id, count(*) AS n FROM events WHERE type = 'site.added' GROUP BY 1"
        )
        grouped = await connection.fetchval("SELECT count(*) FROM events WHERE append_index > 0")
    finally:
        await connection.close()
    assert {row["stream_id"] for row in per_stream} == {
        f"site-{answer.json()['id']}" for answer in again.values()  # type: ignore[union-attr]
    }
    assert all(row["n"] == 1 for row in per_stream), "a site was stored twice"
    assert grouped, "no two appends shared a group commit: the test proved nothing of it"
