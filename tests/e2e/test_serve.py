"""The README's start command, as a person runs it: real processes, real HTTP, Ctrl-C."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
import uuid

import asyncpg
import httpx
import pytest

from services.platform.embedded import free_port
from services.platform.http_protocol import MAX_HEAD_BYTES
from tests.serving import ROOT, base_env, interrupt, start_service, wait_until_ready

pytestmark = pytest.mark.e2e


async def test_the_service_runs_on_given_servers_with_a_worker_sealing_the_history(
    servers, database_url
):
    port = free_port()
    env = {**base_env(), "DATABASE_URL": database_url, "REDIS_URL": servers.redis_url}
    # Without the demo (seeding it is the embedded run's below, and tests/integration/test_demo.py):
    # the admin account the service creates at its first start is history enough to seal.
    process = start_service(env, port, demo=False)
    try:
        wait_until_ready(process, port)
        assert httpx.get(f"http://127.0.0.1:{port}/health").json() == {"status": "ok"}
        assert httpx.get(f"http://127.0.0.1:{port}/schema/openapi.json").status_code == 200
        # The API processes parse with httptools, bounded as h11 was (services/platform/http_protocol.py).
        too_large = httpx.get(f"http://127.0.0.1:{port}/health",
                              headers={"x-filler": "a" * (MAX_HEAD_BYTES + 1)})
        assert too_large.status_code == 431
        assert too_large.headers["content-type"] == "application/problem+json"
        connection = await asyncpg.connect(database_url)
        try:
            assert await connection.fetchval("SELECT count(*) FROM events") >= 1
            deadline = time.monotonic() + 15
            while await connection.fetchval(
                "SELECT count(*) FROM events e WHERE NOT EXISTS "
                "(SELECT 1 FROM ledger l WHERE l.position = e.position)"
            ):
                assert time.monotonic() < deadline, "the worker did not seal the history"
                time.sleep(0.2)
        finally:
            await connection.close()
    finally:
        output = interrupt(process)
    assert "stopped" in output


def test_a_port_already_in_use_stops_it_with_a_clear_error(servers, database_url):
    port = free_port()
    env = {**base_env(), "DATABASE_URL": database_url, "REDIS_URL": servers.redis_url}
    with socket.create_server(("127.0.0.1", port)):
        process = start_service(env, port, demo=False)
        try:
            output, _ = process.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            raise AssertionError("the service did not give up on a taken port") from None
    assert process.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in output.decode()


def test_without_urls_it_runs_embedded_servers_keeps_their_data_and_stops_them():
    data_dir = ROOT / ".treffpunkt" / f"e2e-{uuid.uuid4().hex[:8]}"
    env = {**base_env(), "TREFFPUNKT_DATA_DIR": str(data_dir)}
    try:
        port = free_port()
        first = start_service(env, port)
        wait_until_ready(first, port)
        first_output = interrupt(first)
        assert "created the admin account" in first_output
        # Without TREFFPUNKT_SMTP_URL mail goes through its own SMTP server into the data folder.
        assert "e-mails go to the local mailbox" in first_output
        assert (data_dir / "mail" / "cur").is_dir()
        assert not (data_dir / "postgres" / "postmaster.pid").exists(), "PostgreSQL still runs"

        port = free_port()
        second = start_service(env, port)
        wait_until_ready(second, port)
        second_output = interrupt(second)
        assert "created the admin account" not in second_output, "the data was not kept"
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
