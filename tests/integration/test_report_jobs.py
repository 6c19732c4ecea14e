"""Long as-of replays as Dramatiq jobs: a real worker process replays the funding report and its
changes, the request waits for it or answers 202 with where to poll, only the account that asked
may fetch the job, and without Redis the report is replayed inline as before.

The threshold is set to 0 events here, so that the short history of these tests counts as long.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime
from typing import Any

import msgspec
import pytest
import redis.asyncio as aioredis
from litestar.testing import AsyncTestClient

from projections.report_jobs import JobParams, decode_job, job_key
from services.platform.app import create_app
from services.auth import tokens
from services.platform.embedded import free_port
from services.platform.keys import derive_keys
from services.reports import jobs
from tests.accounts_world import (
    ADMIN,
    AUDITOR,
    COORDINATOR_A,
    SECRET,
    bearer,
    settings_for,
)
from tests.accounts_world import world  # noqa: F401 - fixture
from tests.funding_programme import get, period, post, recorded_instant, table_of
from tests.funding_programme import programme  # noqa: F401 - fixture
from tests.projection_checks import log_of, workers

pytestmark = pytest.mark.integration


@asynccontextmanager
async def jobs_app(database_url: str, redis_url: str, namespace: str,
                   wait: float) -> AsyncIterator[AsyncTestClient]:
    """A second API process on the same database whose every replay counts as long."""
    settings = msgspec.structs.replace(
        settings_for(database_url, redis_url, namespace),
        report_job_min_events=0, report_job_wait_seconds=wait,
    )
    async with AsyncTestClient(create_app(settings)) as client:
        yield client


@pytest.fixture
def worker(database_url, servers, broker_namespace):
    with workers(database_url, servers.redis_url, broker_namespace, 1,
                 wait_on_exit=False) as (started,):
        yield started


@pytest.fixture
async def job_store(servers) -> AsyncIterator[aioredis.Redis]:
    client = aioredis.from_url(servers.redis_url)
    try:
        yield client
    finally:
        await client.aclose()


async def fetch(client: AsyncTestClient, path: str, caller: str, world, **params: Any):  # noqa: F811
    return await client.get(path, params=params or None, headers=bearer(world.tokens[caller]))


async def poll(client, location: str, caller: str, world, worker, seconds: float = 20):  # noqa: F811
    """GET the job until it is no longer 202."""
    for _ in range(int(seconds / 0.1)):
        response = await fetch(client, location, caller, world)
        if response.status_code != 202:
            return response
        assert worker.poll() is None, f"the worker exited:\n{log_of(worker)}"
        await asyncio.sleep(0.1)
    raise AssertionError(f"the job still runs after {seconds} s:\n{log_of(worker)}")


async def test_a_long_replay_runs_in_a_worker_waited_for_or_polled_with_the_inline_figures(
    world, programme, pool, database_url, servers, broker_namespace, worker, job_store,  # noqa: F811
):
    since = await recorded_instant(pool)
    await post(world, f"/api/sessions/{programme['session']}/attendance", {
        "occurrence_starts_at": programme["starts"][1], "visitors": 17, "reason": "Nachzählung"})
    as_of = (await recorded_instant(pool)).isoformat()
    inline = (await get(world, "/api/reports/funding", as_of=as_of, **period(programme))).json()
    inline_changes = (await get(world, "/api/reports/funding/changes", since=since.isoformat(),
                                **period(programme))).json()
    inline_csv = await get(world, "/api/reports/funding", format="csv", **period(programme))

    # Waiting: the request answers with the worker's report itself.
    async with jobs_app(database_url, servers.redis_url, broker_namespace, wait=15) as client:
        report = await fetch(client, "/api/reports/funding", AUDITOR, world, as_of=as_of,
                             **period(programme))
        changes = await fetch(client, "/api/reports/funding/changes", AUDITOR, world,
                              since=since.isoformat(), **period(programme))
    assert report.status_code == 200, report.text
    assert report.json() == inline, "the worker's figures differ from the inline replay"
    assert inline["totals"]["visitors"] == 38 and inline["ledger_head"]["hash"]
    assert report.headers["x-ledger-head"] == (
        f"{inline['ledger_head']['seq']}:{inline['ledger_head']['hash']}")
    assert changes.status_code == 200, changes.text
    by_figure = {c["figure"]: c for c in changes.json()["changes"]}
    assert (by_figure["visitors"]["before"], by_figure["visitors"]["after"]) == (36, 38)
    assert changes.json()["changes"] == inline_changes["changes"]
    # Both came from worker jobs (not inline): done, kept for at most an hour.
    keys = [key.decode() async for key in job_store.scan_iter(f"{broker_namespace}:report-job:*")]
    ran = [decode_job(await job_store.get(key)) for key in keys
           if not key.endswith((":result", ":owners"))]
    assert sorted(job.params.kind for job in ran) == ["changes", "funding"]
    assert all(job.status == "done" for job in ran), ran
    assert all(0 < ttl <= 3600 for ttl in [await job_store.ttl(key) for key in keys])

    # Not waiting: 202 with where to poll, then the CSV through the job route.
    async with jobs_app(database_url, servers.redis_url, broker_namespace, wait=0) as client:
        asked = await fetch(client, "/api/reports/funding", AUDITOR, world, format="csv",
                            **period(programme))
        assert asked.status_code == 202, asked.text
        job_id = asked.json()["job_id"]
        assert asked.json()["status"] == "running"
        assert asked.headers["location"] == f"/api/reports/jobs/{job_id}?format=csv"
        assert asked.headers["retry-after"]
        # The same request again joins the same job instead of starting another.
        again = await fetch(client, "/api/reports/funding", AUDITOR, world, format="csv",
                            **period(programme))
        assert again.status_code == 200 or again.json()["job_id"] == job_id, again.text

        done = await poll(client, asked.headers["location"], AUDITOR, world, worker)
        assert done.status_code == 200, done.text
        assert done.headers["content-type"].startswith("text/csv")
        # The same table; the block above it names the instant each was asked for.
        assert table_of(done.content) == table_of(inline_csv.content)
        assert "Mittagstisch" in done.content.decode()
        as_json = await fetch(client, f"/api/reports/jobs/{job_id}", AUDITOR, world)
        assert as_json.json()["totals"]["visitors"] == 38

        # Only the account that asked sees the job; for others it does not exist.
        for other in (ADMIN, COORDINATOR_A):
            response = await fetch(client, f"/api/reports/jobs/{job_id}", other, world)
            assert response.status_code == 404, response.text
            assert response.headers["content-type"].startswith("application/problem+json")

        # A replay that fails (past the sealed ledger's end) says so briefly, without a trace.
        auditor = tokens.read(derive_keys(SECRET).tokens, world.tokens[AUDITOR]).account_id
        doomed = JobParams(kind="funding", first_day=date(2026, 1, 1),
                           last_day=date(2026, 12, 31), up_to=10**9)
        broken = await jobs.ask(job_store, servers.redis_url, broker_namespace, doomed,
                                datetime.now(UTC), auditor)
        failed = await poll(client, f"/api/reports/jobs/{broken}", AUDITOR, world, worker)
    assert failed.status_code == 502, failed.text
    assert failed.headers["content-type"].startswith("application/problem+json")
    assert failed.json()["title"] == "Report job failed"
    assert "LookupError" in failed.json()["detail"] and "Traceback" not in failed.text
    assert await job_store.exists(job_key(broker_namespace, job_id))


class Remembered(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


async def test_with_redis_out_of_reach_a_long_replay_runs_inline(
    world, programme, database_url, broker_namespace,  # noqa: F811
):
    inline = (await get(world, "/api/reports/funding", **period(programme))).json()
    nowhere = f"redis://127.0.0.1:{free_port()}/0"
    remembered, routes_log = Remembered(), logging.getLogger("services.reports.routes")
    routes_log.addHandler(remembered)
    try:
        async with jobs_app(database_url, nowhere, broker_namespace, wait=5) as client:
            response = await fetch(client, "/api/reports/funding", AUDITOR, world,
                                   **period(programme))
    finally:
        routes_log.removeHandler(remembered)
    assert response.status_code == 200, response.text
    assert any("replaying inline" in message for message in remembered.messages), (
        "the job path was not even tried")
    fallback = response.json()
    assert fallback.pop("as_of") and inline.pop("as_of")
    assert fallback == inline
