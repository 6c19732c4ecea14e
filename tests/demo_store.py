"""The demo programme of ``treffpunkt serve --demo``, seeded into a fresh database of the test
servers through the commands (``services.demo``), for tests that read its history back."""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from unittest import mock
from uuid import uuid4

import asyncpg

from events.base import StoredEvent
from events.catalog import registry
from events.store import EventStore, create_pool
from services.accounts.bootstrap import ensure_admin
from services.commands.handler import CommandHandler
from services.demo import seed as demo_module
from services.demo.seed import BERLIN, seed_demo
from services.platform.keys import derive_keys
from services.platform.settings import Settings
from tests.databases import a_copy_of
from tests.helpers import read_everything

SECRET = "demo-test-secret"


@dataclass
class Seeded:
    settings: Settings
    pool: asyncpg.Pool
    store: EventStore
    events: list[StoredEvent]
    started: datetime
    seconds: float

    def of(self, kind: type) -> list:
        return [recorded.event for recorded in self.events if isinstance(recorded.event, kind)]


def a_start_clear_of_midnight() -> datetime:
    """Now, or two minutes earlier if Berlin's midnight is less than two minutes ahead: the demo
    seeded from it names the same day "today" however long its first steps take."""
    now = datetime.now(UTC)
    local = now.astimezone(BERLIN)
    midnight = datetime.combine(local.date() + timedelta(days=1), datetime.min.time(), BERLIN)
    return now - timedelta(minutes=2) if midnight - local < timedelta(minutes=2) else now


@contextlib.contextmanager
def demo_clock_from(started: datetime) -> Iterator[None]:
    """The demo's clock (``services.demo._now``) runs on from ``started``: two seeds given the
    same start see the same "today" and the same instants, wherever the real clock stands."""
    clock = time.monotonic()
    with mock.patch.object(demo_module, "_now",
                           lambda: started + timedelta(seconds=time.monotonic() - clock)):
        yield


@contextlib.asynccontextmanager
async def a_seeded_store(servers, template_database: str,
                         started: datetime | None = None) -> AsyncIterator[Seeded]:
    """A fresh database holding the first admin, then the demo seeded as if begun at
    ``started`` (by default now); dropped afterwards."""
    async with (a_copy_of(servers, template_database) as database_url,
                await create_pool(database_url, min_size=1, max_size=4) as pool):
        store = EventStore(pool, registry)
        settings = Settings(database_url=database_url, redis_url=servers.redis_url,
                            secret_key=SECRET,
                            broker_namespace=f"treffpunkt-test-{uuid4().hex[:8]}")
        await ensure_admin(CommandHandler(store), pool, derive_keys(SECRET), settings.admin_email,
                           settings.admin_password)
        started = started or a_start_clear_of_midnight()
        clock = time.monotonic()
        with demo_clock_from(started):
            assert await seed_demo(pool, store, settings)
        seconds = time.monotonic() - clock
        events = await read_everything(store, await pool.fetchval("SELECT count(*) FROM events"))
        yield Seeded(settings, pool, store, events, started, seconds)
