"""A programme to report on in the funding tests: a weekly lunch table over four weeks sixty days
ago with visitors and a shift; the report's period around it, its CSV table, calls as a role."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest

from tests.accounts_world import ADMIN, AUDITOR, bearer, world


async def post(world, path, body, caller=ADMIN):  # noqa: F811
    response = await world.client.post(path, json=body, headers=bearer(world.tokens[caller]))
    assert response.status_code in (200, 201), f"{path}: {response.text}"
    return response.json()


async def get(world, path, caller=AUDITOR, **params):  # noqa: F811
    response = await world.client.get(path, params=params, headers=bearer(world.tokens[caller]))
    assert response.status_code == 200, f"{path}: {response.text}"
    return response


async def recorded_instant(pool) -> datetime:
    """A moment strictly between what is stored now and what will be stored next."""
    await asyncio.sleep(0.05)
    instant = await pool.fetchval("SELECT clock_timestamp()")
    await asyncio.sleep(0.05)
    return instant


@pytest.fixture
async def programme(world, pool):  # noqa: F811
    """A weekly lunch table at site A over four weeks, sixty days ago; a shift at the first."""
    site = world.targets["site_id"]
    room = await post(world, f"/api/sites/{site}/rooms", {"name": "Saal", "capacity": 40})
    offer = await post(world, "/api/offers", {"site_id": str(site), "title": "Mittagstisch",
                                               "category": "community"})
    first = (datetime.now(UTC) - timedelta(days=60)).replace(hour=11, minute=0, second=0,
                                                              microsecond=0)
    session = await post(world, f"/api/offers/{offer['id']}/sessions", {
        "room_id": room["id"], "starts_at": first.isoformat(),
        "ends_at": (first + timedelta(hours=2)).isoformat(),
        "recurrence": {"rrule": "FREQ=WEEKLY", "count": 4}})
    starts = [occurrence["starts_at"] for occurrence in session["occurrences"]]
    for start, visitors in zip(starts[:3], (12, 15, 9)):
        await post(world, f"/api/sessions/{session['id']}/attendance",
                   {"occurrence_starts_at": start, "visitors": visitors})
    # A shift can be claimed only before it starts and confirmed only after: one starting now.
    soon = datetime.now(UTC) + timedelta(seconds=1)
    shift = await post(world, "/api/shifts", {
        "site_id": str(site), "title": "Küche", "starts_at": soon.isoformat(),
        "ends_at": (soon + timedelta(hours=3)).isoformat(), "capacity": 2,
        "session_id": session["id"]})
    await post(world, f"/api/shifts/{shift['id']}/claims",
               {"volunteer_id": str(world.targets["volunteer_id"])})
    await asyncio.sleep(max(0.0, (soon - datetime.now(UTC)).total_seconds()) + 0.05)
    return {"site": site, "offer": UUID(offer["id"]), "session": session["id"],
            "starts": starts, "shift": shift["id"], "first": first, "room": room["id"]}


def period(programme) -> dict[str, str]:
    first = programme["first"]
    return {"from": (first - timedelta(days=1)).date().isoformat(),
            "to": (datetime.now(UTC) + timedelta(days=1)).date().isoformat()}


def table_of(content: bytes) -> list[list[str]]:
    """The CSV's table: the rows from its header on, after the block that names the context."""
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))
    return rows[next(n for n, row in enumerate(rows) if row[:1] == ["Standort"]):]
