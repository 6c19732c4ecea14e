"""Servers for the tests: the machine's (DATABASE_URL / REDIS_URL) or embedded ones.

Every test that needs a database gets a fresh one, cloned from a template that holds the
migrated schema, and dropped afterwards. Redis is shared; each test gets its own broker
namespace, so queues never mix. The demo programme (``demo``) is seeded once per run, for the
tests that only read it.
"""

from __future__ import annotations

import os

# Before any service module builds its password hasher; inherited by the processes tests start.
os.environ["TREFFPUNKT_INSECURE_FAST_PASSWORD_HASHING"] = "1"
import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest

from events.catalog import registry
from events.store import EventStore, create_pool
from services.platform.database import migrate
from services.platform.embedded import EmbeddedServers
from tests.databases import a_copy_of, a_database
from tests.projection_checks import wait_for_stopping_workers

if TYPE_CHECKING:
    from tests.demo_store import Seeded

ROOT = Path(__file__).resolve().parent.parent


TIERS = ("unit", "integration", "e2e")
"""The folders of tests/, each the marker of its tests (``-m unit`` runs the pure ones)."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        tier = item.path.parent.name
        if tier in TIERS:
            item.add_marker(tier)


def database_url_named(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


class Servers:
    def __init__(self, database_url: str, redis_url: str) -> None:
        self.database_url = database_url
        self.redis_url = redis_url
        self.run_id = uuid.uuid4().hex[:8]
        self.template = f"treffpunkt_template_{self.run_id}"

    def database_url_for(self, name: str) -> str:
        return database_url_named(self.database_url, name)


async def without_waiting_for_the_disk(database_url: str) -> None:
    """The embedded test server stops flushing to disk: a commit is acknowledged once in
    PostgreSQL's memory, creating a test's database copies no pages into the log. Nothing a test
    checks needs the disk (tests stop PostgreSQL only cleanly, which writes everything out); a
    machine's own server (DATABASE_URL) is left as it is. Kept in the test data folder only."""
    connection = await asyncpg.connect(database_url)
    try:
        for setting in ("fsync", "synchronous_commit", "full_page_writes"):
            await connection.execute(f"ALTER SYSTEM SET {setting} = off")
        await connection.execute("SELECT pg_reload_conf()")
    finally:
        await connection.close()


@pytest.fixture(scope="session")
def servers() -> Iterator[Servers]:
    folder = Path(os.environ.get("TREFFPUNKT_TEST_DATA_DIR", ROOT / ".treffpunkt" / "test"))
    # Under pytest-xdist each worker process runs its own embedded servers (a fault test may
    # stop them); with DATABASE_URL / REDIS_URL the workers share those servers.
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    embedded = EmbeddedServers(folder / worker if worker else folder)
    given_database = os.environ.get("DATABASE_URL")
    database_url, redis_url = embedded.start(given_database, os.environ.get("REDIS_URL"))
    try:
        if given_database is None:
            asyncio.run(without_waiting_for_the_disk(database_url))
        yield Servers(database_url, redis_url)
    finally:
        wait_for_stopping_workers()
        embedded.stop()


@pytest.fixture(scope="session")
async def template_database(servers: Servers) -> AsyncIterator[str]:
    async with a_database(servers, servers.template) as url:
        connection = await asyncpg.connect(url)
        try:
            await migrate(connection)
        finally:
            await connection.close()
        yield servers.template


@pytest.fixture
async def database_url(servers: Servers, template_database: str) -> AsyncIterator[str]:
    """A fresh, migrated database of this test's own."""
    async with a_copy_of(servers, template_database) as url:
        yield url


@pytest.fixture
async def pool(database_url: str) -> AsyncIterator[asyncpg.Pool]:
    # As many as an API process's pool: a burst (150 volunteers registered at once) opens them
    # all, and they stay open until the test ends. Four test processes share a server's 100.
    pool = await create_pool(database_url, min_size=1, max_size=10)
    try:
        yield pool
    finally:
        await pool.close()


@pytest.fixture
def store(pool: asyncpg.Pool) -> EventStore:
    return EventStore(pool, registry)


@pytest.fixture
def broker_namespace() -> str:
    return f"treffpunkt-test-{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="session")
async def demo(servers: Servers, template_database: str) -> AsyncIterator[Seeded]:
    """The demo year seeded once per run (about 5 s), for the tests that only read it."""
    from tests.demo_store import a_seeded_store  # the services it seeds with load only here

    async with a_seeded_store(servers, template_database) as seeded:
        yield seeded


@pytest.fixture(scope="session")
async def demo_template(servers: Servers, template_database: str) -> AsyncIterator[str]:
    """The served demo (``tests/served_demo.py``) once per process: seeded, its read models caught
    up by a worker; each browser test serves a copy of it."""
    from tests.served_demo import a_served_demo_template

    async with a_served_demo_template(servers, template_database) as name:
        yield name
