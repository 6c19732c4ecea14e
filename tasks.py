#!/usr/bin/env python3
"""The two commands of the README, and the environment they need.

    python3 tasks.py start   # the service with demo data on http://127.0.0.1:8000
    python3 tasks.py test    # the whole test suite
    python3 tasks.py catalogues  # extract the message ids (Babel), update each language's .po

Both create ./.venv from the pinned requirements.lock (hash-checked) when it is missing or the
lock changed. Only Python 3.11 or newer is needed; PostgreSQL and Redis come embedded unless
DATABASE_URL / REDIS_URL point to servers.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
LOCK = ROOT / "requirements.lock"
STAMP = VENV / ".installed-lock"
TEST_PROCESSES = 4
"""Test processes of the whole suite (TREFFPUNKT_TEST_PROCESSES chooses another number). With
embedded servers each process starts its own; with DATABASE_URL they share one PostgreSQL,
where a process holds at most about 20 connections at a test's peak (its pools, the app's, a
worker's): four stay inside the 100 a default server allows."""


def venv_python() -> Path:
    return VENV / "bin" / "python"


def ensure_environment() -> None:
    if sys.version_info < (3, 11):
        sys.exit("Treffpunkt needs Python 3.11 or newer")
    wanted = hashlib.sha256(LOCK.read_bytes() + (ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == wanted and venv_python().exists():
        return
    print("Preparing the environment in .venv (first run, or the lock file changed) ...", flush=True)
    if not venv_python().exists():
        venv.EnvBuilder(with_pip=True).create(VENV)
    pip = [str(venv_python()), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, "--require-hashes", "--no-deps", "-r", str(LOCK)], check=True)
    subprocess.run([*pip, "--no-deps", "--no-build-isolation", "-e", str(ROOT)], check=True)
    STAMP.write_text(wanted)


def ensure_chromium() -> None:
    """The browser tests drive the system's Chromium; install it where this machine can (Debian,
    as root). Where it cannot, those tests skip and say why."""
    if Path("/usr/bin/chromium").exists() or os.environ.get("TREFFPUNKT_NO_CHROMIUM_INSTALL"):
        return
    if os.geteuid() != 0 or not Path("/usr/bin/apt-get").exists():
        return
    print("Installing Chromium for the browser tests (apt-get install chromium) ...", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "env": env}
    if subprocess.run(["apt-get", "install", "-y", "-q", "chromium"], **quiet).returncode != 0:
        subprocess.run(["apt-get", "update", "-q"], **quiet)
        subprocess.run(["apt-get", "install", "-y", "-q", "chromium"], **quiet)


def main() -> int:
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    rest = sys.argv[2:]
    if command not in {"start", "test", "catalogues"}:
        print(__doc__)
        return 2
    ensure_environment()
    os.chdir(ROOT)
    if command == "start":
        args = [str(VENV / "bin" / "treffpunkt"), "serve", "--demo", *rest]
        os.execv(args[0], args)
    if command == "catalogues":  # babel.cfg says where; projections/catalogue_extraction.py how
        args = [str(venv_python()), "-m", "projections.catalogue_extraction"]
        os.execv(args[0], args)
    ensure_chromium()
    pytest = [str(venv_python()), "-m", "pytest"]
    if rest:
        os.execv(pytest[0], [*pytest, *rest])
    return run_whole_suite(pytest)


def run_whole_suite(pytest: list[str]) -> int:
    """Most tests wait on PostgreSQL, a worker or a browser rather than on the CPU, so the suite
    runs in several processes (pytest-xdist, a file's tests in one process so module fixtures are
    built once); the few tests that hold a latency to a figure run afterwards, alone."""
    workers = os.environ.get("TREFFPUNKT_TEST_PROCESSES", str(TEST_PROCESSES))
    parallel = [*pytest, "-n", workers, "--dist", "loadfile", "-m", "not serial"]
    print(f"== the suite in {workers} processes, then the latency tests alone ==", flush=True)
    first = subprocess.run(parallel).returncode
    second = subprocess.run([*pytest, "-m", "serial"]).returncode
    return first or second


if __name__ == "__main__":
    sys.exit(main())
