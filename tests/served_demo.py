"""The demo served for the browser tests: seeded, with a worker caught up, the app on a port of
its own and a shift with one place left; the demo's people sign in with DEMO_PASSWORD.

Seeding the year and a worker's first catch-up over it took 10-30 s a test; each process now
does it once (``demo_template`` in conftest.py), and each test gets a copy of that database.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from uuid import uuid4
from zoneinfo import ZoneInfo

import asyncpg
import httpx
import pytest

from events.catalog import registry
from events.store import EventStore, create_pool
from projections.catalog import PROJECTIONS
from services.accounts.bootstrap import ensure_admin
from services.commands.handler import CommandHandler
from services.demo.seed import seed_demo
from services.platform.keys import derive_keys
from tests.accounts_world import SECRET, bearer, settings_for
from tests.browsing import CHROMIUM
from tests.databases import a_copy_of, a_database
from tests.serving import served
from tests.projection_checks import wait_until_caught_up, workers


DEMO_PASSWORD = "treffpunkt-demo"
ANNA, JUERGEN = "anna.lehmann@example.org", "juergen.brandes@example.org"


BERLIN = ZoneInfo("Europe/Berlin")


@dataclass
class Site:
    base_url: str
    shift_id: str
    village: str
    database_url: str
    pool: asyncpg.Pool
    """The served copy of the demo, for what a test writes or reads beside the pages."""


async def the_last_place(client: httpx.AsyncClient, admin_token: str) -> tuple[str, str]:
    """A shift with one place, at an hour no demo shift takes; returns its id and village."""
    sites = (await client.get("/api/sites", headers=bearer(admin_token))).json()
    site = sites[0]
    day = datetime.now(BERLIN).date() + timedelta(days=9)
    starts = datetime.combine(day, time(6), BERLIN)
    created = await client.post("/api/shifts", headers=bearer(admin_token), json={
        "site_id": site["id"], "title": "Frühstück vorbereiten (Browsertest)",
        "starts_at": starts.isoformat(), "ends_at": (starts + timedelta(hours=1)).isoformat(),
        "capacity": 1})
    assert created.status_code == 201, created.text
    return created.json()["id"], site["village"]


@contextlib.asynccontextmanager
async def a_served_demo_template(servers, template_database: str) -> AsyncIterator[str]:
    """A database holding the first admin and the demo seeded, with every read model caught up
    by a worker that has stopped again: nothing stays connected to it, so it can be copied."""
    name = f"treffpunkt_template_{servers.run_id}_demo"
    async with a_database(servers, name, template_database) as url:
        namespace = f"treffpunkt-test-{uuid4().hex[:8]}"
        settings = settings_for(url, servers.redis_url, namespace)
        async with await create_pool(url, min_size=1, max_size=4) as pool:
            store = EventStore(pool, registry)
            await ensure_admin(CommandHandler(store), pool, derive_keys(SECRET),
                               settings.admin_email, settings.admin_password)
            assert await seed_demo(pool, store, settings)
            with workers(url, servers.redis_url, namespace, count=1) as started:
                await wait_until_caught_up(pool, PROJECTIONS, started[0], timeout=120)
        yield name


@pytest.fixture
async def site(servers, broker_namespace, demo_template) -> AsyncIterator[Site]:
    if not CHROMIUM.exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install -y chromium)")
    async with (a_copy_of(servers, demo_template) as database_url,
                await create_pool(database_url, min_size=1, max_size=4) as pool):
        settings = settings_for(database_url, servers.redis_url, broker_namespace)
        with workers(database_url, servers.redis_url, broker_namespace, count=1,
                     wait_on_exit=False) as started:
            async with served(database_url, servers.redis_url, broker_namespace) as base_url:
                await wait_until_caught_up(pool, PROJECTIONS, started[0], timeout=120)
                async with httpx.AsyncClient(base_url=base_url, timeout=60) as client:
                    token = (await client.post("/api/auth/token", json={
                        "email": settings.admin_email, "password": settings.admin_password,
                    })).json()["access_token"]
                    shift_id, village = await the_last_place(client, token)
                await wait_until_caught_up(pool, PROJECTIONS, started[0], timeout=120)
                yield Site(base_url, shift_id, village, database_url, pool)
