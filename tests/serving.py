"""Serving the app in tests: under uvicorn on a free port, in the test's event loop, with a
small API client that signs in over real HTTP; or as ``treffpunkt serve``, a process of its own,
started, awaited until ready and stopped with Ctrl-C."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import msgspec
import uvicorn

from services.platform.app import create_app
from services.platform.embedded import free_port
from tests.accounts_world import bearer, settings_for


@contextlib.asynccontextmanager
async def served(database_url: str, redis_url: str, broker_namespace: str,
                 ) -> AsyncIterator[str]:
    """The app under uvicorn in this event loop; yields its base URL."""
    # These tests send 50 commands at once to one process on purpose, to meet the rules under
    # contention: no bound on requests in flight (tests/e2e/test_in_flight.py tests the bound).
    settings = settings_for(database_url, redis_url, broker_namespace)
    app = create_app(msgspec.structs.replace(settings, max_in_flight=0))
    port = free_port()
    # Keep-alive well past any pause of the test: with uvicorn's 5 s, a pooled connection the
    # server closes just as the client reuses it fails the request (a ReadError) under load.
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                           log_level="warning", lifespan="on",
                                           timeout_keep_alive=120))
    task = asyncio.create_task(server.serve())
    try:
        while not server.started:
            if task.done():
                task.result()
                raise AssertionError("uvicorn stopped before it started")
            await asyncio.sleep(0.02)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 30)


class Api:
    def __init__(self, client: httpx.AsyncClient, token: str) -> None:
        self.client = client
        self.token = token

    async def post(self, path: str, json: Any = None, token: str | None = None,
                   **headers: str) -> httpx.Response:
        return await self.client.post(path, json=json,
                                      headers={**bearer(token or self.token), **headers})

    async def created(self, path: str, json: Any) -> dict[str, Any]:
        response = await self.post(path, json)
        assert response.status_code == 201, response.text
        return response.json()


async def sign_in(client: httpx.AsyncClient, email: str, password: str) -> str:
    response = await client.post("/api/auth/token", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


ROOT = Path(__file__).resolve().parents[1]


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
