"""The scheduling world for tests: the accounts' roles signed in over two sites with a room, two
volunteers and a qualification catalogue; counting stored events; instants as the API writes them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
from litestar.testing import AsyncTestClient

from events.catalog import registry
from events.store import EventStore
from services.accounts.bootstrap import ensure_admin
from services.commands.handler import CommandHandler
from services.platform.keys import derive_keys
from tests.accounts_world import (
    ADMIN,
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    AUDITOR,
    COORDINATOR_A,
    COORDINATOR_B,
    PASSWORD,
    SECRET,
    VOLUNTEER_OTHER,
    VOLUNTEER_SELF,
    bearer,
    register_volunteer,
    role_accounts,
    settings_for,
    sign_in,
)
from tests.dates import first_monday, next_year
from tests.helpers import app_client


@dataclass
class World:
    client: AsyncTestClient
    tokens: dict[str, str]
    site_a: UUID
    site_b: UUID
    room_a: UUID
    alice: UUID
    bernd: UUID

    async def call(self, caller: str, method: str, path: str, json: Any = None,
                   **headers: str) -> Any:
        return await self.client.request(method, path, json=json,
                                         headers={**bearer(self.tokens[caller]), **headers})

    async def created(self, caller: str, path: str, json: Any) -> dict[str, Any]:
        response = await self.call(caller, "POST", path, json)
        assert response.status_code == 201, response.text
        return response.json()


def iso(moment: datetime) -> str:
    return moment.isoformat()


CATALOGUE = {"food_hygiene": ("Lebensmittelhygiene", "Food hygiene"),
             "first_aid": ("Erste Hilfe", "First aid"),
             **{code: (code, code) for code in ("hygiene", "q", "Lebensmittelhygiene",
                                                 "Erste Hilfe")}}
"""The world's qualification catalogue: code -> (German, English) name. Some tests name a
code that reads as a name (the pages show codes where the catalogue has no other name)."""


async def define_catalogue(client: AsyncTestClient, admin: str,
                           catalogue: dict[str, tuple[str, str]] = CATALOGUE) -> None:
    for code, (de, en) in catalogue.items():
        response = await client.post("/api/qualifications", headers=bearer(admin), json={
            "code": code, "name": {"de": de, "en": en}, "default_valid_for_months": 24})
        assert response.status_code == 201, response.text


@pytest.fixture
async def world(database_url, servers, broker_namespace, pool):
    await ensure_admin(CommandHandler(EventStore(pool, registry)), pool, derive_keys(SECRET), ADMIN_EMAIL,
                       ADMIN_PASSWORD)
    async with app_client(settings_for(database_url, servers.redis_url, broker_namespace)) as client:
        admin = await sign_in(client, ADMIN_EMAIL, ADMIN_PASSWORD)
        await define_catalogue(client, admin)
        alice = await register_volunteer(client, admin, {"name": "Alice",
                                                         "email": "alice@example.org"})
        bernd = await register_volunteer(client, admin, {"name": "Bernd",
                                                         "email": "bernd@example.org"})
        sites = []
        for village in ("Linden", "Buchholz"):
            response = await client.post("/api/sites", headers=bearer(admin),
                                         json={"name": f"Dorftreff {village}", "village": village})
            assert response.status_code == 201, response.text
            sites.append(UUID(response.json()["id"]))
        site_a, site_b = sites
        signed_in = await role_accounts(client, admin, site_a, site_b, alice, bernd)
        room = await client.post(f"/api/sites/{site_a}/rooms", headers=bearer(admin),
                                 json={"name": "Saal", "capacity": 40})
        assert room.status_code == 201, room.text
        yield World(client, signed_in, site_a, site_b, UUID(room.json()["id"]), alice, bernd)


async def event_count(pool) -> int:
    return await pool.fetchval("SELECT count(*) FROM events")


async def event_types(pool, after: int = 0) -> list[str]:
    rows = await pool.fetch("SELECT type FROM events WHERE position > $1 ORDER BY position", after)
    return [row["type"] for row in rows]


YEAR = next_year()
WEDNESDAY = first_monday(3) + timedelta(days=2)
"""A Wednesday in early March next year (winter time); its weekday matters to weekly series."""


async def a_shift(world: World, capacity: int = 1, days: int = 5) -> str:
    """A two-hour Mittagstisch shift at site A, ``days`` from now, created by the admin."""
    starts = datetime.now(UTC).replace(microsecond=0) + timedelta(days=days)
    return (await world.created(ADMIN, "/api/shifts", {
        "site_id": str(world.site_a), "title": "Mittagstisch", "starts_at": iso(starts),
        "ends_at": iso(starts + timedelta(hours=2)), "capacity": capacity}))["id"]
