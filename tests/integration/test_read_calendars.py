"""The directory, room calendars, the shift board and volunteers' schedules, read through HTTP
after real commands, with the projections applied by a catch-up loop like the worker's."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import quote, urlsplit
from uuid import UUID

import icalendar
import pytest

from projections.room_calendar import occurrence_id
from tests.accounts_world import (
    ADMIN,
    AUDITOR,
    COORDINATOR_A,
    COORDINATOR_B,
    VOLUNTEER_OTHER,
    VOLUNTEER_SELF,
    bearer,
)
from tests.calendar_projector import READ_MODELS, projector
from tests.dates import berlin, utc
from tests.scheduling_world import (  # noqa: F401 - world is a fixture
    WEDNESDAY,
    YEAR,
    World,
    world,
)

pytestmark = pytest.mark.integration

EVERY_ROLE = (ADMIN, COORDINATOR_A, COORDINATOR_B, VOLUNTEER_SELF, VOLUNTEER_OTHER, AUDITOR)


async def read(world: World, caller: str, path: str, after: int, **params: str) -> Any:
    """GET a projection read with ``min_position=after``; checks read-your-writes."""
    query = "&".join(f"{k}={quote(v)}" for k, v in {**params, "min_position": str(after)}.items())
    response = await world.call(caller, "GET", f"{path}?{query}")
    assert response.status_code == 200, response.text
    assert int(response.headers["x-projection-position"]) >= after
    return response


def feed_events(body: bytes) -> set[tuple[str, datetime, datetime, str]]:
    calendar = icalendar.Calendar.from_ical(body)
    return {
        (str(event["UID"]), event.decoded("DTSTART"), event.decoded("DTEND"),
         str(event["SUMMARY"]))
        for event in calendar.walk("VEVENT")
    }


def instant(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


async def test_the_directory_lists_sites_rooms_and_offers_for_every_role(world, projector):
    offer = await world.created(COORDINATOR_A, "/api/offers", {
        "site_id": str(world.site_a), "title": "Yoga", "category": "movement",
        "description": "sanft"})
    for caller in EVERY_ROLE:
        sites = (await read(world, caller, "/api/sites", offer["position"])).json()
        assert {UUID(site["id"]) for site in sites} == {world.site_a, world.site_b}
        rooms = (await read(world, caller, "/api/rooms", offer["position"],
                            site_id=str(world.site_a))).json()
        assert rooms == [{"id": str(world.room_a), "site_id": str(world.site_a), "name": "Saal",
                          "capacity": 40}]
        offers = (await read(world, caller, "/api/offers", offer["position"])).json()
        assert offers == [{"id": offer["id"], "site_id": str(world.site_a), "title": "Yoga",
                           "category": "movement", "description": "sanft"}]
    assert (await read(world, ADMIN, "/api/rooms", 0, site_id=str(world.site_b))).json() == []
    assert (await world.client.get("/api/sites")).status_code == 401


async def test_a_weekly_booking_with_one_cancelled_evening_in_the_calendar_and_its_feed(
    world, projector
):
    room = world.room_a
    wednesdays = [WEDNESDAY + timedelta(weeks=week) for week in range(4)]
    series = await world.created(COORDINATOR_A, f"/api/rooms/{room}/bookings", {
        "title": "Chor", "starts_at": berlin(wednesdays[0], "18:00"),
        "ends_at": berlin(wednesdays[0], "19:30"),
        "recurrence": {"rrule": "FREQ=WEEKLY;BYDAY=WE", "count": 4}})
    cancelled = await world.call(COORDINATOR_A, "DELETE", f"/api/rooms/{room}/bookings/"
                                 f"{series['id']}?occurrence={quote(berlin(wednesdays[1], '18:00'))}")
    assert cancelled.status_code == 200, cancelled.text
    after = cancelled.json()["position"]
    booking = UUID(series["id"])

    calendar = (await read(world, VOLUNTEER_OTHER, f"/api/rooms/{room}/calendar", after,
                           **{"from": berlin(date(YEAR, 3, 1)),
                              "to": berlin(date(YEAR, 4, 1))})).json()
    assert [(o["starts_at"], o["cancelled"]) for o in calendar] == [
        (utc(berlin(day, "18:00")), day == wednesdays[1]) for day in wednesdays]
    assert {o["title"] for o in calendar} == {"Chor"}
    assert {o["kind"] for o in calendar} == {"booking"}
    assert calendar[0]["id"] == str(occurrence_id(booking, instant(berlin(wednesdays[0], "18:00"))))

    # Half-open: an occurrence that ends where the range starts, or starts where it ends, is out.
    narrow = (await read(world, AUDITOR, f"/api/rooms/{room}/calendar", after,
                         **{"from": berlin(wednesdays[0], "19:30"),
                            "to": berlin(wednesdays[2], "18:00")})).json()
    assert [o["starts_at"] for o in narrow] == [utc(berlin(wednesdays[1], "18:00"))]

    feed = await read(world, VOLUNTEER_SELF, f"/api/rooms/{room}/calendar.ics", after)
    assert feed.headers["content-type"].startswith("text/calendar")
    starts = [instant(berlin(day, "18:00")) for day in wednesdays if day != wednesdays[1]]
    expected = {
        (f"{occurrence_id(booking, start)}@treffpunkt", start, start + timedelta(minutes=90),
         "Chor")
        for start in starts
    }
    assert feed_events(feed.content) == expected
    # The UIDs stay the same on the next fetch: calendar apps update instead of duplicating.
    again = await read(world, ADMIN, f"/api/rooms/{room}/calendar.ics", after)
    assert feed_events(again.content) == expected


async def test_a_calendar_range_without_offset_is_refused_naming_the_field(world, projector):
    response = await world.call(ADMIN, "GET", f"/api/rooms/{world.room_a}/calendar"
                                f"?from={YEAR}-03-01T00:00:00&to={YEAR}-04-01T00:00:00%2B02:00")
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["errors"] == [
        {"field": "from", "message": "needs a UTC offset, e.g. +01:00"}]
    backwards = await world.call(ADMIN, "GET", f"/api/shifts?from={YEAR}-04-01T00:00:00%2B02:00"
                                 f"&to={YEAR}-03-01T00:00:00%2B01:00")
    assert backwards.status_code == 422
    assert backwards.json()["errors"][0]["field"] == "to"
    unknown = await world.call(ADMIN, "GET", f"/api/rooms/{world.site_a}/calendar")
    assert unknown.status_code == 404
    assert unknown.json()["errors"][0]["field"] == "room_id"


async def test_the_shift_board_counts_claims_the_waitlist_and_a_release(world, projector):
    full = await world.created(COORDINATOR_A, "/api/shifts", {
        "site_id": str(world.site_a), "title": "Tresen", "starts_at": f"{YEAR}-03-06T14:00:00+01:00",
        "ends_at": f"{YEAR}-03-06T17:00:00+01:00", "capacity": 1})
    roomy = await world.created(COORDINATOR_A, "/api/shifts", {
        "site_id": str(world.site_a), "title": "Kuchen", "starts_at": f"{YEAR}-03-07T14:00:00+01:00",
        "ends_at": f"{YEAR}-03-07T17:00:00+01:00", "capacity": 3,
        "required_qualifications": ["hygiene"]})
    claims = f"/api/shifts/{full['id']}/claims"
    assert (await world.created(VOLUNTEER_SELF, claims, {}))["status"] == "claimed"
    waiting = await world.created(COORDINATOR_A, claims, {"volunteer_id": str(world.bernd)})
    assert waiting["status"] == "waitlisted"

    def counts(board: list[dict[str, Any]]) -> dict[str, tuple[int, int, int]]:
        return {s["title"]: (s["capacity"], s["claimed"], s["waitlist"]) for s in board}

    board = (await read(world, AUDITOR, "/api/shifts", waiting["position"],
                        site_id=str(world.site_a))).json()
    assert counts(board) == {"Tresen": (1, 1, 1), "Kuchen": (3, 0, 0)}
    assert next(s for s in board if s["title"] == "Kuchen")["required_qualifications"] == [
        "hygiene"]
    open_ones = (await read(world, VOLUNTEER_OTHER, "/api/shifts", waiting["position"],
                            open="true")).json()
    assert [s["id"] for s in open_ones] == [roomy["id"]]
    in_range = (await read(world, ADMIN, "/api/shifts", waiting["position"],
                           **{"from": f"{YEAR}-03-07T00:00:00+01:00",
                              "to": f"{YEAR}-03-08T00:00:00+01:00"})).json()
    assert [s["id"] for s in in_range] == [roomy["id"]]
    assert (await read(world, ADMIN, "/api/shifts", 0, site_id=str(world.site_b))).json() == []

    released = await world.call(VOLUNTEER_SELF, "DELETE", f"{claims}/{world.alice}")
    assert released.status_code == 200, released.text
    board = (await read(world, COORDINATOR_B, "/api/shifts", released.json()["position"])).json()
    assert counts(board) == {"Tresen": (1, 1, 0), "Kuchen": (3, 0, 0)}


async def test_a_volunteers_schedule_shows_claimed_and_flags_waitlisted_shifts(world, projector):
    shift = await world.created(COORDINATOR_A, "/api/shifts", {
        "site_id": str(world.site_a), "title": "Tresen", "starts_at": f"{YEAR}-03-06T14:00:00+01:00",
        "ends_at": f"{YEAR}-03-06T17:00:00+01:00", "capacity": 1})
    claims = f"/api/shifts/{shift['id']}/claims"
    await world.created(VOLUNTEER_SELF, claims, {})
    waiting = await world.created(VOLUNTEER_OTHER, claims, {})
    alice = (await read(world, VOLUNTEER_SELF, f"/api/volunteers/{world.alice}/shifts",
                        waiting["position"])).json()
    assert [(s["id"], s["status"], s["waitlisted"]) for s in alice] == [
        (shift["id"], "claimed", False)]
    assert alice[0]["starts_at"] == f"{YEAR}-03-06T13:00:00Z"
    bernd = (await read(world, COORDINATOR_A, f"/api/volunteers/{world.bernd}/shifts",
                        waiting["position"])).json()
    assert [(s["id"], s["status"], s["waitlisted"]) for s in bernd] == [
        (shift["id"], "waitlisted", True)]
    outside = (await read(world, ADMIN, f"/api/volunteers/{world.bernd}/shifts",
                          waiting["position"], **{"to": f"{YEAR}-03-06T14:00:00+01:00"})).json()
    assert outside == []

    released = await world.call(VOLUNTEER_SELF, "DELETE", f"{claims}/{world.alice}")
    after = released.json()["position"]
    assert (await read(world, VOLUNTEER_SELF, f"/api/volunteers/{world.alice}/shifts",
                       after)).json() == []
    bernd = (await read(world, VOLUNTEER_OTHER, f"/api/volunteers/{world.bernd}/shifts",
                        after)).json()
    assert [(s["status"], s["waitlisted"]) for s in bernd] == [("claimed", False)]


async def test_only_staff_and_the_volunteer_itself_read_a_schedule_or_its_feed_link(
    world, projector
):
    shift = await world.created(COORDINATOR_A, "/api/shifts", {
        "site_id": str(world.site_a), "title": "Tresen", "starts_at": f"{YEAR}-03-06T14:00:00+01:00",
        "ends_at": f"{YEAR}-03-06T17:00:00+01:00", "capacity": 1})
    claimed = await world.created(VOLUNTEER_SELF, f"/api/shifts/{shift['id']}/claims", {})
    registered = claimed["position"]  # Alice is known at site A now, not at site B
    for suffix in ("shifts", "feed-link"):
        path = f"/api/volunteers/{world.alice}/{suffix}"
        for caller in (ADMIN, COORDINATOR_A, VOLUNTEER_SELF):
            await read(world, caller, path, registered)
        for caller in (VOLUNTEER_OTHER, AUDITOR, COORDINATOR_B):
            refused = await world.call(caller, "GET", path)
            assert refused.status_code == 403, (caller, refused.text)
            assert refused.headers["content-type"].startswith("application/problem+json")
        assert (await world.client.get(path)).status_code == 401


async def test_every_role_reads_the_shift_board_and_room_calendars_but_nobody_unsigned(
    world, projector
):
    paths = ("/api/shifts", "/api/rooms", "/api/offers", f"/api/rooms/{world.room_a}/calendar",
             f"/api/rooms/{world.room_a}/calendar.ics")
    # Read after an offer written last: the room is projected by then even when a transaction
    # elsewhere on the server held the projector's first catch-up back.
    offer = await world.created(COORDINATOR_A, "/api/offers", {
        "site_id": str(world.site_a), "title": "Yoga", "category": "movement"})
    for path in paths:
        for caller in EVERY_ROLE:
            await read(world, caller, path, offer["position"])
        anonymous = await world.client.get(path)
        assert anonymous.status_code == 401, path
        assert anonymous.headers["content-type"].startswith("application/problem+json")


async def test_the_schedule_feed_opens_with_its_secret_link_only(world, projector):
    shift = await world.created(COORDINATOR_A, "/api/shifts", {
        "site_id": str(world.site_a), "title": "Tresen", "starts_at": f"{YEAR}-03-06T14:00:00+01:00",
        "ends_at": f"{YEAR}-03-06T17:00:00+01:00", "capacity": 1})
    claims = f"/api/shifts/{shift['id']}/claims"
    await world.created(VOLUNTEER_SELF, claims, {})
    waiting = await world.created(VOLUNTEER_OTHER, claims, {})
    link = (await read(world, VOLUNTEER_SELF, f"/api/volunteers/{world.alice}/feed-link",
                       waiting["position"])).json()["url"]
    url = urlsplit(link)
    assert url.path == f"/api/volunteers/{world.alice}/shifts.ics"
    token = url.query.removeprefix("token=")

    feed = await world.client.get(f"{url.path}?{url.query}&min_position={waiting['position']}")
    assert feed.status_code == 200, feed.text
    assert feed.headers["content-type"].startswith("text/calendar")
    assert int(feed.headers["x-projection-position"]) >= waiting["position"]
    assert feed_events(feed.content) == {(
        f"{shift['id']}-{world.alice}@treffpunkt", instant(f"{YEAR}-03-06T13:00:00Z"),
        instant(f"{YEAR}-03-06T16:00:00Z"), "Tresen")}
    bernd_link = (await read(world, ADMIN, f"/api/volunteers/{world.bernd}/feed-link",
                             waiting["position"])).json()["url"]
    bernd_feed = await world.client.get(
        f"{urlsplit(bernd_link).path}?{urlsplit(bernd_link).query}")
    calendar = icalendar.Calendar.from_ical(bernd_feed.content)
    [waitlisted] = calendar.walk("VEVENT")
    assert str(waitlisted["SUMMARY"]) == "Warteliste: Tresen"
    assert str(waitlisted["STATUS"]) == "TENTATIVE"

    missing = await world.client.get(url.path)
    assert missing.status_code == 401
    assert missing.headers["content-type"].startswith("application/problem+json")
    # A bearer token is no key to the feed: calendar apps use the link.
    with_bearer = await world.client.get(url.path, headers=bearer(world.tokens[VOLUNTEER_SELF]))
    assert with_bearer.status_code == 401
    for wrong in ("x" * len(token), token[:-1], token.swapcase()):
        bad = await world.client.get(f"{url.path}?token={quote(wrong)}")
        assert bad.status_code == 403, wrong
        assert bad.headers["content-type"].startswith("application/problem+json")
    # Alice's secret does not open Bernd's feed.
    other = await world.client.get(f"/api/volunteers/{world.bernd}/shifts.ics?token={token}")
    assert other.status_code == 403


async def test_an_erased_volunteers_feed_is_gone(world, projector, store):
    link = (await read(world, VOLUNTEER_SELF, f"/api/volunteers/{world.alice}/feed-link",
                       await store.head_position())).json()["url"]
    erased = await world.call(ADMIN, "POST", f"/api/volunteers/{world.alice}/erasure")
    assert erased.status_code == 200, erased.text
    after = erased.json()["position"]
    url = urlsplit(link)
    gone = await world.client.get(f"{url.path}?{url.query}&min_position={after}")
    assert gone.status_code == 404, gone.text
    assert gone.headers["content-type"].startswith("application/problem+json")
    no_link = await world.call(ADMIN, "GET",
                               f"/api/volunteers/{world.alice}/feed-link?min_position={after}")
    assert no_link.status_code == 404


async def test_the_read_models_hold_no_personal_data(world, projector, pool):
    shift = await world.created(COORDINATOR_A, "/api/shifts", {
        "site_id": str(world.site_a), "title": "Tresen", "starts_at": f"{YEAR}-03-06T14:00:00+01:00",
        "ends_at": f"{YEAR}-03-06T17:00:00+01:00", "capacity": 1})
    claimed = await world.created(VOLUNTEER_SELF, f"/api/shifts/{shift['id']}/claims", {})
    await read(world, ADMIN, f"/api/volunteers/{world.alice}/shifts", claimed["position"])
    dumped = []
    for projection in READ_MODELS:
        for table in projection.tables:
            dumped += [str(tuple(row)) for row in await pool.fetch(f"SELECT * FROM {table}")]
    text = " ".join(dumped).lower()
    assert str(world.alice) in text
    assert "alice" not in text and "bernd" not in text and "example.org" not in text
