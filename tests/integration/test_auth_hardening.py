"""Authentication hardening, against real PostgreSQL and Redis: tokens of closed accounts are
refused, sign-in is throttled per client as well as per e-mail, the secret file is private."""

from __future__ import annotations

import asyncio
import os
import stat
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from uuid import UUID

import httpx
import pytest
import uvicorn
from litestar.testing import AsyncTestClient

from events.base import EventMetadata
from services.accounts.decider import CLOSING, CloseAccount
from services.platform.app import create_app
from services.commands.handler import CommandHandler
from services.platform.embedded import free_port
from services.auth import tokens
from services.platform.keys import derive_keys, secret_of
from services.pages.session import SESSION_COOKIE
from services.platform.settings import Settings
from tests.accounts_world import (
    ADMIN,
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    AUDITOR,
    COORDINATOR_A,
    PASSWORD,
    SECRET,
    VOLUNTEER_SELF,
    bearer,
    settings_for,
    world,  # noqa: F401 - the fixture of this module's tests
)

pytestmark = pytest.mark.integration

ANOTHER_PROCESS_WITHIN = 2.5
"""Seconds within which another process must refuse a closed account's token (~2 s promised)."""


def account_of(token: str) -> UUID:
    return tokens.read(derive_keys(SECRET).tokens, token).account_id


async def refused_within(client: AsyncTestClient, path: str, token: str, seconds: float) -> float:
    """How long until ``path`` answers 401 to ``token``; fails after ``seconds``."""
    started = time.monotonic()
    while True:
        response = await client.get(path, headers=bearer(token))
        if response.status_code == 401:
            return time.monotonic() - started
        assert response.status_code == 200, response.text
        assert time.monotonic() - started < seconds, f"{path} still accepts the closed account"
        await asyncio.sleep(0.05)


# --- Tokens of closed accounts -----------------------------------------------------------------


async def test_a_volunteers_token_is_refused_right_after_the_volunteer_is_erased(world):  # noqa: F811
    client, alice = world.client, world.targets["volunteer_id"]
    own_profile = f"/api/volunteers/{alice}"
    token = world.tokens[VOLUNTEER_SELF]
    assert (await client.get(own_profile, headers=bearer(token))).status_code == 200

    erased = await client.post(f"/api/volunteers/{alice}/erasure",
                               headers=bearer(world.tokens[ADMIN]))
    assert erased.status_code == 200, erased.text

    refused = await client.get(own_profile, headers=bearer(token))
    assert refused.status_code == 401
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert "Bearer" in refused.headers["www-authenticate"]
    # Signing in again fails the same way as a wrong password.
    again = await client.post("/api/auth/token", json={
        "email": f"{VOLUNTEER_SELF}@example.org", "password": PASSWORD})
    assert again.status_code == 401
    # Other accounts are not affected.
    assert (await client.get(own_profile, headers=bearer(world.tokens[ADMIN]))).status_code == 200


async def test_a_pages_session_of_an_erased_volunteer_goes_back_to_sign_in(world):  # noqa: F811
    client, alice = world.client, world.targets["volunteer_id"]
    client.cookies.set(SESSION_COOKIE, world.tokens[VOLUNTEER_SELF])  # the same signed token
    assert (await client.get("/volunteer/", follow_redirects=False)).status_code == 200

    erased = await client.post(f"/api/volunteers/{alice}/erasure",
                               headers=bearer(world.tokens[ADMIN]))
    assert erased.status_code == 200, erased.text

    home = await client.get("/volunteer/", follow_redirects=False)
    assert home.status_code == 303
    assert home.headers["location"].startswith("/sign-in")


async def test_another_process_refuses_the_token_of_an_erased_volunteer_within_two_seconds(
    world, database_url, servers, broker_namespace  # noqa: F811
):
    alice = world.targets["volunteer_id"]
    own_profile = f"/api/volunteers/{alice}"
    token = world.tokens[VOLUNTEER_SELF]
    other_process = create_app(settings_for(database_url, servers.redis_url, broker_namespace))
    async with AsyncTestClient(other_process) as other:
        assert (await other.get(own_profile, headers=bearer(token))).status_code == 200
        erased = await world.client.post(f"/api/volunteers/{alice}/erasure",
                                         headers=bearer(world.tokens[ADMIN]))
        assert erased.status_code == 200, erased.text
        await refused_within(other, own_profile, token, ANOTHER_PROCESS_WITHIN)
        # The process that did not learn of it at once now knows for good.
        assert (await other.get(own_profile, headers=bearer(token))).status_code == 401


async def test_a_closed_coordinators_token_is_refused_and_it_can_no_longer_sign_in(
    world, store  # noqa: F811
):
    """Closed by a command of another process (here: the test's own, through the store)."""
    token = world.tokens[COORDINATOR_A]
    sites = "/api/sites"
    assert (await world.client.get(sites, headers=bearer(token))).status_code == 200
    account_id = account_of(token)
    now = datetime.now(UTC)

    closed = await CommandHandler(store).handle(
        CLOSING, CloseAccount(account_id=account_id, reason="left the association", now=now),
        EventMetadata(actor="system"))
    assert closed.events

    await refused_within(world.client, sites, token, ANOTHER_PROCESS_WITHIN)
    again = await world.client.post("/api/auth/token", json={
        "email": f"{COORDINATOR_A}@example.org", "password": PASSWORD})
    assert again.status_code == 401
    assert (await world.client.get(sites, headers=bearer(world.tokens[AUDITOR]))).status_code == 200


# --- Sign-in throttled per client ----------------------------------------------------------------


class ThreadedServer:
    """The app behind uvicorn (its proxy-header handling as configured by default: trusting
    X-Forwarded-For from 127.0.0.1), in a thread of its own."""

    def __init__(self, app) -> None:
        self.port = free_port()
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port,
                                                    log_level="warning", lifespan="on"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        while not self.server.started:
            assert self.thread.is_alive(), "uvicorn stopped before it started"
            self.thread.join(0.02)
        return f"http://127.0.0.1:{self.port}"

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(30)


@pytest.fixture
async def served(world, database_url, servers, broker_namespace) -> AsyncIterator[httpx.AsyncClient]:  # noqa: F811
    app = create_app(settings_for(database_url, servers.redis_url, broker_namespace))
    with ThreadedServer(app) as url:
        async with httpx.AsyncClient(base_url=url, timeout=30) as client:
            yield client


def from_client(address: str) -> dict[str, str]:
    return {"X-Forwarded-For": address}


async def sign_in_status(client, email: str, password: str, address: str) -> httpx.Response:
    return await client.post("/api/auth/token", json={"email": email, "password": password},
                             headers=from_client(address))


async def test_one_client_trying_many_emails_is_slowed_down_while_other_clients_are_not(served):
    spraying = "203.0.113.7"
    statuses = [(await sign_in_status(served, f"person-{n}@example.org", "Sommer2026!",
                                      spraying)).status_code for n in range(22)]
    assert statuses[:20] == [401] * 20 and statuses[20:] == [429, 429]

    # Locked for this client, whatever the e-mail: known and right, known and wrong, unknown.
    right = await sign_in_status(served, ADMIN_EMAIL, ADMIN_PASSWORD, spraying)
    wrong = await sign_in_status(served, ADMIN_EMAIL, "wrong-password", spraying)
    unknown = await sign_in_status(served, "nobody-at-all@example.org", "wrong-password", spraying)
    assert [r.status_code for r in (right, wrong, unknown)] == [429, 429, 429]
    assert int(right.headers["retry-after"]) > 0
    assert right.headers["content-type"].startswith("application/problem+json")
    assert wrong.json() == unknown.json()

    # Another client is not held: it signs in, and its failures are its own.
    assert (await sign_in_status(served, ADMIN_EMAIL, ADMIN_PASSWORD,
                                 "198.51.100.3")).status_code == 200
    assert (await sign_in_status(served, "person-1@example.org", "x" * 8,
                                 "198.51.100.3")).status_code == 401


async def test_a_client_cannot_clear_its_failures_by_signing_in_to_an_account_of_its_own(served):
    spraying = "203.0.113.8"
    statuses = []
    for n in range(22):
        statuses.append((await sign_in_status(served, f"victim-{n}@example.org", "guess-guess",
                                              spraying)).status_code)
        if n % 5 == 4:  # its own account, between guesses
            own = await sign_in_status(served, f"{AUDITOR}@example.org", PASSWORD, spraying)
            statuses.append(own.status_code)
    failures = [s for s in statuses if s != 200]
    assert failures.count(401) == 20 and failures[-1] == 429


async def test_many_people_signing_in_behind_one_address_are_not_slowed_down(served):
    for _ in range(22):  # past the client's allowance of 20
        response = await sign_in_status(served, ADMIN_EMAIL, ADMIN_PASSWORD, "192.0.2.50")
        assert response.status_code == 200, response.text


async def test_wrong_passwords_from_one_client_do_not_keep_the_owner_out(served):
    attacker, owner = "203.0.113.20", "198.51.100.20"
    statuses = [(await sign_in_status(served, ADMIN_EMAIL, f"guess-{n}-guess", attacker)
                 ).status_code for n in range(7)]
    assert statuses == [401] * 5 + [429, 429]
    # That client waits, with the right password too ...
    assert (await sign_in_status(served, ADMIN_EMAIL, ADMIN_PASSWORD, attacker)).status_code == 429
    # ... the owner, from anywhere else, signs in (and may mistype once, like anyone).
    assert (await sign_in_status(served, ADMIN_EMAIL, "typo-typo", owner)).status_code == 401
    assert (await sign_in_status(served, ADMIN_EMAIL, ADMIN_PASSWORD, owner)).status_code == 200


async def test_addresses_of_one_ipv6_network_count_as_one_client(served):
    statuses = [(await sign_in_status(served, f"person-{n}@example.org", "Sommer2026!",
                                      f"2001:db8:1:2::{n + 1:x}")).status_code for n in range(21)]
    assert statuses == [401] * 20 + [429]
    assert (await sign_in_status(served, ADMIN_EMAIL, ADMIN_PASSWORD,
                                 "2001:db8:1:3::1")).status_code == 200  # another network


async def test_per_client_attempts_are_still_counted_while_redis_is_unreachable(
    world, database_url, broker_namespace  # noqa: F811
):
    app = create_app(settings_for(database_url, f"redis://127.0.0.1:{free_port()}/0",
                                  broker_namespace))
    async with AsyncTestClient(app) as client:
        statuses = [(await client.post("/api/auth/token", json={
            "email": f"someone-{n}@example.org", "password": "wrong-password"})).status_code
            for n in range(21)]
        assert statuses == [401] * 20 + [429]


# --- The secret file ------------------------------------------------------------------------------


def settings_in(folder: Path) -> Settings:
    return Settings(database_url="", redis_url="", secret_key="", data_dir=folder)


def test_the_secret_file_is_created_readable_by_its_owner_only(tmp_path):
    secret = secret_of(settings_in(tmp_path))
    path = tmp_path / "secret_key"
    assert secret and path.read_text().strip() == secret
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert secret_of(settings_in(tmp_path)) == secret  # kept


# Run in a process of its own: it watches, at each file-system audit event, the mode the secret
# file has at that moment (an audit hook cannot be removed again).
WATCHED_CREATION = textwrap.dedent("""
    import os, stat, sys
    from pathlib import Path
    from services.platform.keys import secret_of
    from services.platform.settings import Settings

    folder = Path(sys.argv[1])
    path = folder / "secret_key"
    modes = set()

    def watch(event, args):
        if event in ("open", "os.chmod", "os.rename", "os.replace") and path.exists():
            modes.add(stat.S_IMODE(os.stat(path).st_mode))

    os.umask(0o022)
    sys.addaudithook(watch)
    secret = secret_of(Settings(database_url="", redis_url="", secret_key="", data_dir=folder))
    modes.add(stat.S_IMODE(os.stat(path).st_mode))
    print(bool(secret), sorted(oct(mode) for mode in modes))
""")


def test_the_secret_file_is_never_readable_by_others_not_even_for_a_moment(tmp_path):
    done = subprocess.run([sys.executable, "-c", WATCHED_CREATION, str(tmp_path)],
                          capture_output=True, text=True, timeout=60,
                          cwd=Path(__file__).resolve().parents[2])
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["True", "['0o600']"], done.stdout


# Each process readies itself, then waits for the go file, so that all ask for the secret at once.
RACING = textwrap.dedent("""
    import os, sys, time
    from pathlib import Path
    from services.platform.keys import secret_of
    from services.platform.settings import Settings

    folder, go = Path(sys.argv[1]), Path(sys.argv[2])
    settings = Settings(database_url="", redis_url="", secret_key="", data_dir=folder)
    while not go.exists():
        time.sleep(0.001)
    print(secret_of(settings))
""")


def test_processes_starting_at_once_all_use_the_one_secret_they_keep(tmp_path):
    root = Path(__file__).resolve().parents[2]
    for round_ in range(3):
        folder, go = tmp_path / f"round-{round_}", tmp_path / f"go-{round_}"
        racers = [subprocess.Popen([sys.executable, "-c", RACING, str(folder), str(go)],
                                   stdout=subprocess.PIPE, text=True, cwd=root)
                  for _ in range(8)]
        time.sleep(1.0)  # every racer has imported what it needs and waits
        go.touch()
        secrets = [racer.communicate(timeout=60)[0].strip() for racer in racers]
        kept = (folder / "secret_key").read_text().strip()
        assert kept and set(secrets) == {kept}, (round_, secrets)


def test_a_process_waits_for_the_secret_another_one_created_but_has_not_written_yet(tmp_path):
    path = tmp_path / "secret_key"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # as the other process

    def write_late() -> None:
        time.sleep(0.2)
        os.write(fd, b"the-other-processes-secret")
        os.close(fd)

    writer = threading.Thread(target=write_late)
    writer.start()
    try:
        assert secret_of(settings_in(tmp_path)) == "the-other-processes-secret"
    finally:
        writer.join()
