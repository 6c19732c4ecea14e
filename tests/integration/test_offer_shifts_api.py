"""Shifts tied to an offer, and a cancelled session taking its shifts along, over HTTP
(API.md, "Second wave"), against real PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from events.catalog import registry
from events.store import EventStore
from projections.shift_roster import SHIFT_ROSTER
from tests.accounts_world import COORDINATOR_A
from tests.reading import read_ok
from tests.scheduling_world import World, event_count, world
from tests.projecting import projecting
from tests.weekly_sessions import a_weekly_session, cancel_first_occurrence

pytestmark = pytest.mark.integration


async def test_every_session_of_the_offer_gets_its_shifts_and_a_cancelled_one_takes_them_along(
    world: World, database_url, pool
):
    store = EventStore(pool, registry)
    offer = (await world.created(COORDINATOR_A, "/api/offers", {
        "site_id": str(world.site_a), "title": "Mittagstisch", "category": "community"}))["id"]
    first = (datetime.now(UTC) + timedelta(days=7)).replace(hour=11, minute=0, second=0,
                                                            microsecond=0)
    session = await a_weekly_session(world, offer, first)

    planned = await world.created(COORDINATOR_A, f"/api/offers/{offer}/shift-plans", {
        "title": "Küche", "starts_at_time": "11:00", "ends_at_time": "14:30", "capacity": 3})
    assert len(planned["shift_ids"]) == 3
    kitchen = planned["shift_ids"][0]
    await world.created(COORDINATOR_A, f"/api/shifts/{kitchen}/claims",
                        {"volunteer_id": str(world.alice)})

    # A session scheduled later gets the plan's shifts in the same append.
    later = await a_weekly_session(world, offer, first + timedelta(weeks=10), count=2)
    scheduled = await store.read_stream(f"session-{later['id']}")
    appended = await store.read_append(scheduled[0].event_id)
    assert sorted(r.type for r in appended).count("shift.created") == 2

    # Cancelling the first occurrence cancels its shift, with the reason, and frees Alice.
    cancelled = await cancel_first_occurrence(world, store, session, "Die Küche ist gesperrt.")
    [event] = [r.event for r in await store.read_stream(f"shift-{kitchen}")
               if r.type == "shift.cancelled"]
    assert (event.reason, event.released, str(event.session_id)) == (
        "Die Küche ist gesperrt.", [world.alice], session["id"])
    others = [r.type for shift in planned["shift_ids"][1:]
              for r in await store.read_stream(f"shift-{shift}")]
    assert "shift.cancelled" not in others
    with projecting(database_url, [SHIFT_ROSTER]):
        roster = await read_ok(world, COORDINATOR_A, f"/api/shifts/{kitchen}/roster",
                               cancelled.json()["position"])
    assert roster["cancelled"] is True and roster["claimed"] == []


async def test_a_bad_shift_plan_is_refused_naming_the_field(world: World, pool):
    offer = (await world.created(COORDINATOR_A, "/api/offers", {
        "site_id": str(world.site_a), "title": "Mittagstisch", "category": "community"}))["id"]
    before = await event_count(pool)
    for body, field in (
        ({"title": "Küche", "starts_at_time": "11", "ends_at_time": "14:30", "capacity": 3},
         "starts_at_time"),
        ({"title": "Küche", "starts_at_time": "15:00", "ends_at_time": "14:30", "capacity": 3},
         "ends_at_time"),
        ({"title": "Küche", "starts_at_time": "11:00", "ends_at_time": "14:30", "capacity": 3,
          "required_qualifications": ["Lebensmittelhygiene!"]}, "required_qualifications[0]"),
    ):
        refused = await world.call(COORDINATOR_A, "POST", f"/api/offers/{offer}/shift-plans",
                                   body)
        assert refused.status_code == 422, refused.text
        assert refused.json()["errors"][0]["field"] == field, refused.text
    assert await event_count(pool) == before
