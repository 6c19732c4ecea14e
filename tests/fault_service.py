"""The service for the fault and backup tests: ``treffpunkt serve`` with its output in a file and
an admin of its own, stopped with Ctrl-C; waiting until an API process is ready; a folder of
its own for embedded servers."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from services.platform.embedded import free_port
from tests.serving import base_env


ROOT = Path(__file__).resolve().parents[1]
ADMIN_EMAIL = "admin@faults.example"
ADMIN_PASSWORD = "faults-admin-password"


@dataclass
class Service:
    process: subprocess.Popen[bytes]
    base_url: str
    log_file: object

    def log(self) -> str:
        self.log_file.seek(0)  # type: ignore[attr-defined]
        return self.log_file.read().decode(errors="replace")[-5000:]  # type: ignore[attr-defined]


def start_service(database_url: str, redis_url: str, *, demo: bool = False) -> Service:
    """``treffpunkt serve``, its output in a file: a full pipe would stall it."""
    port = free_port()
    log_file = tempfile.TemporaryFile()
    env = {
        **base_env(),
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "PORT": str(port),
        "TREFFPUNKT_ADMIN_EMAIL": ADMIN_EMAIL,
        "TREFFPUNKT_ADMIN_PASSWORD": ADMIN_PASSWORD,
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "services.platform.cli", "serve", *(["--demo"] if demo else [])],
        cwd=ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT,
    )
    service = Service(process, f"http://127.0.0.1:{port}", log_file)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, f"the service exited early:\n{service.log()}"
        try:
            if httpx.get(f"{service.base_url}/ready", timeout=1).status_code == 200:
                return service
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    process.kill()
    raise AssertionError(f"not ready within 60 s:\n{service.log()}")


def interrupt(service: Service) -> None:
    """Ctrl-C, as a person stops it: it must stop cleanly, whatever it went through."""
    service.process.send_signal(signal.SIGINT)
    try:
        service.process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        service.process.kill()
        raise AssertionError(f"the service did not stop within 30 s:\n{service.log()}") from None
    assert service.process.returncode == 0, service.log()


@pytest.fixture
def own_folder() -> Iterator[Path]:
    # Under the project, not /tmp: pgserver runs postgres as its own user, who must reach it.
    folder = ROOT / ".treffpunkt" / f"faults-{uuid.uuid4().hex[:8]}"
    folder.mkdir(parents=True)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def wait_for(check, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"{what} within {timeout} s"
        time.sleep(0.2)


def wait_for_api(process: subprocess.Popen[bytes], base_url: str) -> None:
    def up() -> bool:
        assert process.poll() is None, "the API process exited"
        try:
            return httpx.get(f"{base_url}/ready", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    wait_for(up, 30, "the API process became ready")
