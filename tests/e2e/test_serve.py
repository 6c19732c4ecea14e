"""The README's start command, as a person runs it: real processes, real HTTP, Ctrl-C."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import asyncpg
import httpx
import pytest

from services.platform.embedded import free_port
from services.platform.http_protocol import MAX_HEAD_BYTES

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]


def start_service(env: dict[str, str], port: int, *, demo: bool = True
                  ) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "services.platform.cli", "serve", *(["--demo"] if demo else [])],
        cwd=ROOT,
        env={**env, "PORT": str(port)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def wait_until_ready(process: subprocess.Popen[bytes], port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the service exited early:\n{process.stdout.read().decode()}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/ready", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    process.kill()
    raise AssertionError(f"not ready within {timeout} s:\n{process.stdout.read().decode()}")


def interrupt(process: subprocess.Popen[bytes]) -> str:
    process.send_signal(signal.SIGINT)
    try:
        output, _ = process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        raise AssertionError("the service did not stop within 30 s of Ctrl-C") from None
    assert process.returncode == 0, output.decode()
    return output.decode()


def base_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env["TREFFPUNKT_BROKER_NAMESPACE"] = f"treffpunkt-e2e-{uuid.uuid4().hex[:8]}"
    return env


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
