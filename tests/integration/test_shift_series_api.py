"""Shift series over HTTP (API.md, "Second wave"), against real PostgreSQL: one shift per
occurrence in one atomic append, DST-correct, with exdates; refused whole when any is bad."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from events.catalog import registry
from events.store import EventStore
from projections.shift_board import SHIFT_BOARD
from tests.accounts_world import COORDINATOR_A, COORDINATOR_B
from tests.reading import read_ok
from tests.scheduling_world import (  # noqa: F401 - world is a fixture
    World,
    event_count,
    world,
)
from tests.projecting import projecting

pytestmark = pytest.mark.integration

BERLIN = ZoneInfo("Europe/Berlin")


def a_tuesday_in_october() -> datetime:
    """11:00 Berlin on a Tuesday two weeks before the end of summer time, next year."""
    year = datetime.now(UTC).year + 1
    last_sunday = max(datetime(year, 10, day, tzinfo=BERLIN) for day in range(25, 32)
                      if datetime(year, 10, day).weekday() == 6)
    return (last_sunday - timedelta(days=12)).replace(hour=11)


async def test_a_weekly_series_creates_each_shift_at_the_same_local_time_atomically(
    world: World, database_url, pool
):
    first = a_tuesday_in_october()
    skipped = first + timedelta(weeks=2)
    created = await world.created(COORDINATOR_A, "/api/shift-series", {
        "site_id": str(world.site_a), "title": "Mittagstisch: Küche",
        "starts_at": first.isoformat(), "ends_at": (first + timedelta(hours=3.5)).isoformat(),
        "capacity": 3, "required_qualifications": ["food_hygiene"],
        "recurrence": {"rrule": "FREQ=WEEKLY;BYDAY=TU", "count": 4,
                       "exdates": [skipped.isoformat()]}})
    assert len(created["shift_ids"]) == 3

    store = EventStore(pool, registry)
    appended = await store.read_append((await store.read_stream(
        f"shift_series-{created['id']}"))[0].event_id)
    assert sorted(r.type for r in appended) == ["shift.created"] * 3 + ["shift_series.created"]
    with projecting(database_url, [SHIFT_BOARD]):
        board = await read_ok(world, COORDINATOR_A, "/api/shifts", created["position"],
                              site_id=str(world.site_a))
    shifts = [s for s in board if s["id"] in created["shift_ids"]]
    local = [datetime.fromisoformat(s["starts_at"]).astimezone(BERLIN) for s in shifts]
    assert [(t.hour, t.minute, t.weekday()) for t in local] == [(11, 0, 1)] * 3
    assert skipped not in local
    assert {datetime.fromisoformat(s["starts_at"]).astimezone(UTC).hour for s in shifts} == {
        9, 10}  # summer and winter time


@pytest.mark.parametrize(("recurrence", "field"), [
    ({"rrule": "FREQ=DAILY", "count": 501}, "recurrence"),
    ({"rrule": "FREQ=WEEKLY", "count": 2, "exdates": ["2020-01-01T11:00:00+01:00"]},
     "recurrence.exdates[0]"),
    ({"rrule": "FREQ=WEEKLY"}, "recurrence"),
    ({"rrule": "FREQ=HOURLY", "count": 2}, "recurrence.rrule"),
])
async def test_a_bad_series_is_refused_naming_the_field_and_nothing_is_stored(
    world: World, pool, recurrence, field
):
    first = a_tuesday_in_october()
    before = await event_count(pool)
    refused = await world.call(COORDINATOR_A, "POST", "/api/shift-series", {
        "site_id": str(world.site_a), "title": "Küche", "starts_at": first.isoformat(),
        "ends_at": (first + timedelta(hours=3)).isoformat(), "capacity": 3,
        "recurrence": recurrence})
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"][0]["field"] == field
    assert await event_count(pool) == before


async def test_a_coordinator_creates_series_only_at_its_sites(world: World):
    first = a_tuesday_in_october()
    refused = await world.call(COORDINATOR_B, "POST", "/api/shift-series", {
        "site_id": str(world.site_a), "title": "Küche", "starts_at": first.isoformat(),
        "ends_at": (first + timedelta(hours=3)).isoformat(), "capacity": 3,
        "recurrence": {"rrule": "FREQ=WEEKLY", "count": 2}})
    assert refused.status_code == 403
