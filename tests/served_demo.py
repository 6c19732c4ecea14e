"""The demo served for the browser tests: seeded, with a worker caught up, the app on a port of
its own and a shift with one place left; the demo's people sign in with DEMO_PASSWORD."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest

from events.catalog import registry
from events.store import EventStore
from projections.catalog import PROJECTIONS
from services.accounts.bootstrap import ensure_admin
from services.commands.handler import CommandHandler
from services.demo.seed import seed_demo
from services.platform.keys import derive_keys
from tests.accounts_world import SECRET, bearer, settings_for
from tests.browsing import CHROMIUM
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


@pytest.fixture
async def site(database_url, servers, broker_namespace, pool) -> AsyncIterator[Site]:
    if not CHROMIUM.exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install -y chromium)")
    settings = settings_for(database_url, servers.redis_url, broker_namespace)
    store = EventStore(pool, registry)
    await ensure_admin(CommandHandler(store), pool, derive_keys(SECRET), settings.admin_email, settings.admin_password)
    assert await seed_demo(pool, store, settings)
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
            yield Site(base_url, shift_id, village)
