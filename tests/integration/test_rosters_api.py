"""Rosters and cancelled shifts over HTTP (API.md, "Second wave"), against real PostgreSQL:
the coordinator sees who holds a shift, who waits and who served, assigns and removes
volunteers (the first waiting moves up), and cancels a shift with a reason."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from events.catalog import registry
from events.store import EventStore
from projections.shift_board import SHIFT_BOARD
from projections.shift_roster import SHIFT_ROSTER
from projections.volunteer_schedule import VOLUNTEER_SCHEDULE
from tests.accounts_world import ADMIN, COORDINATOR_A, COORDINATOR_B
from tests.reading import read_ok
from tests.scheduling_world import (  # noqa: F401 - world is a fixture
    World,
    event_count,
    iso,
    world,
)
from tests.projecting import projecting

pytestmark = pytest.mark.integration

READ_MODELS = [SHIFT_ROSTER, SHIFT_BOARD, VOLUNTEER_SCHEDULE]


async def a_shift(world: World, capacity: int = 1) -> str:
    starts = datetime.now(UTC).replace(microsecond=0) + timedelta(days=3)
    shift = await world.created(COORDINATOR_A, "/api/shifts", {
        "site_id": str(world.site_a), "title": "Küche", "starts_at": iso(starts),
        "ends_at": iso(starts + timedelta(hours=3)), "capacity": capacity})
    return shift["id"]


async def assign(world: World, shift: str, volunteer) -> dict:
    return await world.created(COORDINATOR_A, f"/api/shifts/{shift}/claims",
                               {"volunteer_id": str(volunteer)})


async def test_the_roster_names_holders_and_the_waitlist_in_order_and_the_first_moves_up(
    world: World, database_url
):
    shift = await a_shift(world)
    assert (await assign(world, shift, world.alice))["status"] == "claimed"
    waiting = await assign(world, shift, world.bernd)
    assert waiting["status"] == "waitlisted"
    with projecting(database_url, READ_MODELS):
        roster = await read_ok(world, COORDINATOR_A, f"/api/shifts/{shift}/roster",
                               waiting["position"])
        assert roster == {
            "shift_id": shift, "site_id": str(world.site_a), "capacity": 1, "cancelled": False,
            "claimed": [{"volunteer_id": str(world.alice), "name": "Alice"}],
            "waitlist": [{"volunteer_id": str(world.bernd), "name": "Bernd", "place": 1}],
            "served": []}

        removed = await world.call(COORDINATOR_A, "DELETE",
                                   f"/api/shifts/{shift}/claims/{world.alice}")
        assert removed.status_code == 200, removed.text
        roster = await read_ok(world, ADMIN, f"/api/shifts/{shift}/roster",
                               removed.json()["position"])
    assert roster["claimed"] == [{"volunteer_id": str(world.bernd), "name": "Bernd"}]
    assert roster["waitlist"] == []


async def test_only_staff_of_the_shifts_site_read_its_roster(world: World, database_url):
    shift = await a_shift(world)
    other = await world.call(COORDINATOR_B, "GET", f"/api/shifts/{shift}/roster")
    assert other.status_code == 403, other.text


async def test_cancelling_a_shift_releases_everyone_and_says_why(
    world: World, database_url, pool
):
    shift = await a_shift(world)
    await assign(world, shift, world.alice)
    await assign(world, shift, world.bernd)

    cancelled = await world.call(COORDINATOR_A, "POST", f"/api/shifts/{shift}/cancellation",
                                 {"reason": "Die Küche wird renoviert."})
    assert cancelled.status_code == 200, cancelled.text

    store = EventStore(pool, registry)
    [event] = [r.event for r in await store.read_stream(f"shift-{shift}")
               if r.type == "shift.cancelled"]
    assert (event.reason, event.released, event.waitlist) == (
        "Die Küche wird renoviert.", [world.alice], [world.bernd])
    assert [r.type for r in await store.read_stream(f"volunteer-{world.alice}")][-1] == (
        "volunteer.shift_released")
    position = cancelled.json()["position"]
    with projecting(database_url, READ_MODELS):
        roster = await read_ok(world, COORDINATOR_A, f"/api/shifts/{shift}/roster", position)
        board = await read_ok(world, COORDINATOR_A, "/api/shifts", position,
                              site_id=str(world.site_a))
        mine = await read_ok(world, ADMIN, f"/api/volunteers/{world.alice}/shifts", position)
    assert roster["cancelled"] is True and roster["claimed"] == roster["waitlist"] == []
    assert shift not in {s["id"] for s in board}
    assert shift not in {s["id"] for s in mine}

    again = await world.call(COORDINATOR_A, "POST", f"/api/shifts/{shift}/claims",
                             {"volunteer_id": str(world.alice)})
    assert again.status_code == 409 and again.json()["code"] == "cancelled", again.text


async def test_a_cancellation_without_a_reason_is_refused_and_nothing_stored(
    world: World, pool
):
    shift = await a_shift(world)
    before = await event_count(pool)
    for body in ({"reason": "  "}, {}):
        refused = await world.call(COORDINATOR_A, "POST", f"/api/shifts/{shift}/cancellation",
                                   body)
        assert refused.status_code in (400, 422), refused.text
        assert refused.json()["errors"][0]["field"] == "reason", refused.text
    assert await event_count(pool) == before


async def test_an_erased_volunteer_keeps_the_place_in_the_roster_without_a_name(
    world: World, database_url
):
    shift = await a_shift(world, capacity=2)
    await assign(world, shift, world.bernd)
    erased = await world.call(ADMIN, "POST", f"/api/volunteers/{world.bernd}/erasure")
    assert erased.status_code == 200, erased.text
    with projecting(database_url, READ_MODELS):
        roster = await read_ok(world, COORDINATOR_A, f"/api/shifts/{shift}/roster",
                               erased.json()["position"])
    assert roster["claimed"] == [{"volunteer_id": str(world.bernd), "name": None}]
