"""The scheduling write routes (API.md: sites and rooms, offers, shifts, trainings) through HTTP,
against real PostgreSQL and Redis."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

import pytest

from services.platform.app import create_app
from tests.dates import berlin, utc
from tests.accounts_world import (
    ADMIN,
    AUDITOR,
    COORDINATOR_A,
    COORDINATOR_B,
    VOLUNTEER_OTHER,
    VOLUNTEER_SELF,
    bearer,
    register_volunteer,
    settings_for,
)
from tests.scheduling_world import WEDNESDAY, YEAR, event_count, event_types, iso, world

pytestmark = pytest.mark.integration
BERLIN = ZoneInfo("Europe/Berlin")

# The write routes of this area, and who may call them (the scope checks are tested below).
WRITE_ROUTES = {
    ("POST", "/api/sites"),
    ("POST", "/api/sites/{site_id}/rooms"),
    ("POST", "/api/rooms/{room_id}/bookings"),
    ("DELETE", "/api/rooms/{room_id}/bookings/{booking_id}"),
    ("POST", "/api/offers"),
    ("POST", "/api/offers/{offer_id}/sessions"),
    ("POST", "/api/offers/{offer_id}/shift-plans"),
    ("POST", "/api/sessions/{session_id}/attendance"),
    ("POST", "/api/shifts"),
    ("POST", "/api/shifts/{shift_id}/claims"),
    ("DELETE", "/api/shifts/{shift_id}/claims/{volunteer_id}"),
    ("POST", "/api/shifts/{shift_id}/claims/{volunteer_id}/handover"),
    ("POST", "/api/shifts/{shift_id}/attendance"),
    ("POST", "/api/shifts/{shift_id}/cancellation"),
    ("POST", "/api/trainings"),
    ("POST", "/api/trainings/{training_id}/enrollments"),
    ("DELETE", "/api/trainings/{training_id}/enrollments/{volunteer_id}"),
    ("POST", "/api/trainings/{training_id}/completion"),
    ("PUT", "/api/sites/{site_id}/contact"),
    ("PUT", "/api/offers/{offer_id}"),
    ("PUT", "/api/offers/{offer_id}/publication"),
}


def test_the_area_serves_exactly_its_write_routes():
    app = create_app(settings_for("postgresql://unused", "redis://unused", "unused"))
    served = {
        (method, route.path_format)
        for route in app.routes
        if route.path_format.startswith(("/api/sites", "/api/rooms", "/api/offers",
                                         "/api/sessions", "/api/shifts", "/api/trainings"))
        for handler in route.route_handlers
        for method in handler.http_methods if method in {"POST", "PUT", "PATCH", "DELETE"}
    }
    assert served == WRITE_ROUTES


async def test_sites_rooms_and_bookings(world, pool):
    room = world.room_a
    site = await world.created(ADMIN, "/api/sites", {"name": "Dorftreff", "village": "Eichen"})
    assert UUID(site["id"]) and site["position"] > 0
    other_room = await world.created(COORDINATOR_A, f"/api/sites/{world.site_a}/rooms",
                                     {"name": "Küche", "capacity": 8})
    assert other_room["position"] > site["position"]

    series = await world.created(COORDINATOR_A, f"/api/rooms/{room}/bookings", {
        "title": "Chor", "starts_at": berlin(WEDNESDAY, "18:00"),
        "ends_at": berlin(WEDNESDAY, "19:30"),
        "recurrence": {"rrule": "FREQ=WEEKLY;BYDAY=WE", "count": 3}})
    assert [o["starts_at"] for o in series["occurrences"]] == [
        utc(berlin(WEDNESDAY + timedelta(weeks=week), "18:00")) for week in range(3)]
    second = WEDNESDAY + timedelta(weeks=1)

    one = await world.call(COORDINATOR_A, "DELETE", f"/api/rooms/{room}/bookings/{series['id']}"
                           f"?occurrence={quote(berlin(second, '18:00'))}")
    assert one.status_code == 200, one.text
    assert one.json()["position"] > series["position"]
    # The freed evening can be booked again; touching ranges do not overlap.
    again = await world.created(COORDINATOR_A, f"/api/rooms/{room}/bookings", {
        "title": "Skat", "starts_at": berlin(second, "18:00"),
        "ends_at": berlin(second, "19:30")})
    await world.created(COORDINATOR_A, f"/api/rooms/{room}/bookings", {
        "title": "Nach dem Skat", "starts_at": berlin(second, "19:30"),
        "ends_at": berlin(second, "20:00")})
    rest = await world.call(ADMIN, "DELETE", f"/api/rooms/{room}/bookings/{series['id']}")
    assert rest.status_code == 200, rest.text
    assert await event_types(pool, site["position"] - 1) == [
        "site.added", "room.added", "room.booked", "room.occurrences_cancelled", "room.booked",
        "room.booked", "room.occurrences_cancelled"]
    assert again["occurrences"] == [{"starts_at": utc(berlin(second, "18:00")),
                                     "ends_at": utc(berlin(second, "19:30"))}]


async def test_an_overlapping_booking_is_refused_with_its_conflicts(world, pool):
    room = world.room_a
    first = await world.created(COORDINATOR_A, f"/api/rooms/{room}/bookings", {
        "title": "Yoga", "starts_at": berlin(WEDNESDAY, "18:00"),
        "ends_at": berlin(WEDNESDAY, "19:00")})
    week_before = WEDNESDAY - timedelta(weeks=1)
    before = await event_count(pool)
    taken = await world.call(COORDINATOR_A, "POST", f"/api/rooms/{room}/bookings", {
        "title": "Chor", "starts_at": berlin(week_before, "18:30"),
        "ends_at": berlin(week_before, "19:30"),
        "recurrence": {"rrule": "FREQ=WEEKLY", "count": 2}})
    assert taken.status_code == 409, taken.text
    assert taken.headers["content-type"].startswith("application/problem+json")
    assert taken.json()["conflicts"] == [{
        "booking_id": first["id"], "title": "Yoga",
        "starts_at": utc(berlin(WEDNESDAY, "18:00")), "ends_at": utc(berlin(WEDNESDAY, "19:00"))}]
    # A session in the taken room is refused the same way, atomically.
    offer = await world.created(COORDINATOR_A, "/api/offers", {
        "site_id": str(world.site_a), "title": "Singen", "category": "participation"})
    before = await event_count(pool)
    session = await world.call(COORDINATOR_A, "POST", f"/api/offers/{offer['id']}/sessions", {
        "room_id": str(room), "starts_at": berlin(WEDNESDAY, "18:59"),
        "ends_at": berlin(WEDNESDAY, "20:00")})
    assert session.status_code == 409 and session.json()["conflicts"][0]["title"] == "Yoga"
    assert await event_count(pool) == before


async def test_a_series_books_its_free_dates_only_on_request_in_one_append(world, pool):
    room = world.room_a
    # Wednesdays 18:00 Berlin from two weeks ahead; the second one is taken by Yoga.
    today = datetime.now(BERLIN).date()
    first_day = today + timedelta(days=14 + (2 - today.weekday()) % 7)
    first = datetime.combine(first_day, datetime.min.time().replace(hour=18), tzinfo=BERLIN)
    second = first + timedelta(days=7)
    await world.created(COORDINATOR_A, f"/api/rooms/{room}/bookings", {
        "title": "Yoga", "starts_at": iso(second), "ends_at": iso(second + timedelta(hours=1))})
    series = {"title": "Chor", "starts_at": iso(first),
              "ends_at": iso(first + timedelta(hours=2)),
              "recurrence": {"rrule": "FREQ=WEEKLY", "count": 3}}
    before = await event_count(pool)
    refused = await world.call(COORDINATOR_A, "POST", f"/api/rooms/{room}/bookings", series)
    assert refused.status_code == 409, refused.text
    assert [datetime.fromisoformat(t) for t in refused.json()["taken"]] == [second]

    booked = await world.created(COORDINATOR_A, f"/api/rooms/{room}/bookings",
                                 {**series, "free_dates_only": True})
    assert [datetime.fromisoformat(o["starts_at"]) for o in booked["occurrences"]] == [
        first, first + timedelta(days=14)]
    assert [datetime.fromisoformat(t) for t in booked["exdates"]] == [second]
    assert await event_types(pool, before) == ["room.booked"]

    # The same with the exdates named: refused naming the one that is not an occurrence.
    wrong = await world.call(COORDINATOR_A, "POST", f"/api/rooms/{room}/bookings", {
        **series, "recurrence": {"rrule": "FREQ=WEEKLY", "count": 3,
                                 "exdates": [iso(first + timedelta(days=1))]}})
    assert wrong.status_code == 422 and "recurrence.exdates[0]" in wrong.text, wrong.text


async def test_offers_sessions_and_attendance(world, pool):
    offer = await world.created(COORDINATOR_A, "/api/offers", {
        "site_id": str(world.site_a), "title": "Sitzgymnastik", "category": "movement",
        "description": "Für alle"})
    held = (datetime.now(UTC) - timedelta(days=1)).replace(microsecond=0)
    session = await world.created(COORDINATOR_A, f"/api/offers/{offer['id']}/sessions", {
        "room_id": str(world.room_a), "starts_at": iso(held),
        "ends_at": iso(held + timedelta(hours=1))})
    assert session["occurrences"] == [{"starts_at": held.isoformat().replace("+00:00", "Z"),
                                       "ends_at": (held + timedelta(hours=1)).isoformat()
                                       .replace("+00:00", "Z")}]
    path = f"/api/sessions/{session['id']}/attendance"
    counted = await world.created(COORDINATOR_A, path, {
        "occurrence_starts_at": iso(held.astimezone(ZoneInfo("Europe/Berlin"))), "visitors": 12,
        "breakdown": {"women": 8, "men": 4}})
    assert counted["position"] > session["position"]
    no_reason = await world.call(COORDINATOR_A, "POST", path, {
        "occurrence_starts_at": iso(held), "visitors": 13})
    assert no_reason.status_code == 422 and no_reason.json()["errors"][0]["field"] == "reason"
    await world.created(ADMIN, path, {"occurrence_starts_at": iso(held), "visitors": 13,
                                      "reason": "miscounted"})
    assert await event_types(pool, offer["position"] - 1) == [
        "offer.created", "offer.session_added", "room.booked", "session.scheduled",
        "session.attendance_recorded", "session.attendance_corrected"]


async def test_shifts_claims_waitlist_release_and_attendance(world, pool):
    starts = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=4)
    shift = await world.created(COORDINATOR_A, "/api/shifts", {
        "site_id": str(world.site_a), "title": "Tresen", "starts_at": iso(starts),
        "ends_at": iso(starts + timedelta(hours=2)), "capacity": 1})
    claims = f"/api/shifts/{shift['id']}/claims"
    alice = await world.created(VOLUNTEER_SELF, claims, {})
    assert alice["status"] == "claimed"
    again = await world.call(VOLUNTEER_SELF, "POST", claims, {})
    assert again.status_code == 409
    bernd = await world.created(COORDINATOR_A, claims, {"volunteer_id": str(world.bernd)})
    assert bernd["status"] == "waitlisted" and bernd["position"] > alice["position"]
    released = await world.call(VOLUNTEER_SELF, "DELETE", f"{claims}/{world.alice}")
    assert released.status_code == 200, released.text
    # One append: the place freed and taken by the first on the waitlist (grouped by stream).
    assert sorted(await event_types(pool, bernd["position"])) == [
        "shift.claim_released", "shift.claimed", "volunteer.shift_claimed",
        "volunteer.shift_released"]
    assert (await world.created(VOLUNTEER_SELF, claims, {}))["status"] == "waitlisted"

    await asyncio.sleep(max(0.0, (starts - datetime.now(UTC)).total_seconds()) + 0.2)
    confirmed = await world.created(COORDINATOR_A, f"/api/shifts/{shift['id']}/attendance",
                                    {"present": [str(world.bernd)]})
    assert confirmed["position"] > released.json()["position"]


async def test_a_full_shift_waitlists(world):
    shift = await world.created(ADMIN, "/api/shifts", {
        "site_id": str(world.site_a), "title": "Fahrdienst",
        "starts_at": f"{YEAR}-05-01T09:00:00+02:00", "ends_at": f"{YEAR}-05-01T12:00:00+02:00",
        "capacity": 1})
    claims = f"/api/shifts/{shift['id']}/claims"
    assert (await world.created(VOLUNTEER_OTHER, claims, {}))["status"] == "claimed"
    # ``{volunteer_id?}``: a volunteer may send no body at all.
    waitlisted = await world.client.post(claims, headers=bearer(world.tokens[VOLUNTEER_SELF]))
    assert waitlisted.status_code == 201, waitlisted.text
    assert waitlisted.json()["status"] == "waitlisted"


async def test_trainings_enrollment_and_completion(world, pool):
    starts = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=4)
    training = await world.created(COORDINATOR_A, "/api/trainings", {
        "site_id": str(world.site_a), "room_id": str(world.room_a), "title": "Erste Hilfe",
        "qualification": "first_aid", "valid_for_months": 24, "starts_at": iso(starts),
        "ends_at": iso(starts + timedelta(hours=3)), "capacity": 2})
    enrollments = f"/api/trainings/{training['id']}/enrollments"
    await world.created(VOLUNTEER_SELF, enrollments, {})
    await world.created(COORDINATOR_A, enrollments, {"volunteer_id": str(world.bernd)})
    full = await world.call(ADMIN, "POST", enrollments, {"volunteer_id": str(
        await register_volunteer(world.client, world.tokens[ADMIN],
                                 {"name": "C", "email": "c@example.org"}))})
    assert full.status_code == 409, full.text
    left = await world.call(VOLUNTEER_OTHER, "DELETE", f"{enrollments}/{world.bernd}")
    assert left.status_code == 200 and left.json()["position"] > training["position"]

    await asyncio.sleep(max(0.0, (starts - datetime.now(UTC)).total_seconds()) + 0.2)
    done = await world.created(COORDINATOR_A, f"/api/trainings/{training['id']}/completion",
                               {"attended": [str(world.alice)]})
    assert await event_types(pool, left.json()["position"]) == [
        "training.completed", "volunteer.qualified"]
    assert done["position"] > left.json()["position"]


async def test_an_idempotency_key_retry_answers_the_same_and_stores_nothing_new(world, pool):
    key = {"Idempotency-Key": "create-site-1"}
    body = {"name": "Dorftreff", "village": "Ahorn"}
    first = await world.call(ADMIN, "POST", "/api/sites", body, **key)
    count = await event_count(pool)
    second = await world.call(ADMIN, "POST", "/api/sites", body, **key)
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert await event_count(pool) == count

    booking = {"title": "Chor", "starts_at": f"{YEAR}-06-02T18:00:00+02:00",
               "ends_at": f"{YEAR}-06-02T19:00:00+02:00"}
    path = f"/api/rooms/{world.room_a}/bookings"
    booked = await world.call(COORDINATOR_A, "POST", path, booking, **{"Idempotency-Key": "b1"})
    count = await event_count(pool)
    retried = await world.call(COORDINATOR_A, "POST", path, booking, **{"Idempotency-Key": "b1"})
    assert retried.status_code == 201 and retried.json() == booked.json()
    assert await event_count(pool) == count

    shift = await world.created(ADMIN, "/api/shifts", {
        "site_id": str(world.site_a), "title": "Tresen", "starts_at": f"{YEAR}-06-03T09:00:00Z",
        "ends_at": f"{YEAR}-06-03T10:00:00Z", "capacity": 3})
    claims = f"/api/shifts/{shift['id']}/claims"
    claimed = await world.call(VOLUNTEER_SELF, "POST", claims, {}, **{"Idempotency-Key": "c1"})
    count = await event_count(pool)
    repeated = await world.call(VOLUNTEER_SELF, "POST", claims, {}, **{"Idempotency-Key": "c1"})
    assert repeated.status_code == 201 and repeated.json() == claimed.json()
    assert await event_count(pool) == count


async def test_callers_outside_their_rights_get_403_and_nothing_is_stored(world, pool):
    room, site_a = world.room_a, str(world.site_a)
    offer = await world.created(ADMIN, "/api/offers", {"site_id": site_a, "title": "Kaffee",
                                                       "category": "community"})
    held = datetime.now(UTC) - timedelta(days=2)
    session = await world.created(ADMIN, f"/api/offers/{offer['id']}/sessions", {
        "room_id": str(room), "starts_at": iso(held), "ends_at": iso(held + timedelta(hours=1))})
    booking = await world.created(ADMIN, f"/api/rooms/{room}/bookings", {
        "title": "Chor", "starts_at": f"{YEAR}-07-01T18:00:00Z",
        "ends_at": f"{YEAR}-07-01T19:00:00Z"})
    shift = await world.created(ADMIN, "/api/shifts", {
        "site_id": site_a, "title": "Tresen", "starts_at": f"{YEAR}-07-02T09:00:00Z",
        "ends_at": f"{YEAR}-07-02T10:00:00Z", "capacity": 3})
    training = await world.created(ADMIN, "/api/trainings", {
        "site_id": site_a, "room_id": str(room), "title": "Erste Hilfe",
        "qualification": "first_aid", "valid_for_months": 24,
        "starts_at": f"{YEAR}-07-03T09:00:00Z", "ends_at": f"{YEAR}-07-03T12:00:00Z",
        "capacity": 5})
    claims = f"/api/shifts/{shift['id']}/claims"
    enrollments = f"/api/trainings/{training['id']}/enrollments"
    await world.created(VOLUNTEER_SELF, claims, {})
    await world.created(VOLUNTEER_SELF, enrollments, {})
    coordinators_routes: list[tuple[str, str, Any]] = [
        ("POST", f"/api/sites/{site_a}/rooms", {"name": "Saal 2", "capacity": 4}),
        ("POST", f"/api/rooms/{room}/bookings", {
            "title": "X", "starts_at": f"{YEAR}-08-01T10:00:00Z",
            "ends_at": f"{YEAR}-08-01T11:00:00Z"}),
        ("DELETE", f"/api/rooms/{room}/bookings/{booking['id']}", None),
        ("POST", "/api/offers", {"site_id": site_a, "title": "X", "category": "community"}),
        ("POST", f"/api/offers/{offer['id']}/sessions", {
            "room_id": str(room), "starts_at": f"{YEAR}-08-02T10:00:00Z",
            "ends_at": f"{YEAR}-08-02T11:00:00Z"}),
        ("POST", f"/api/sessions/{session['id']}/attendance", {
            "occurrence_starts_at": iso(held), "visitors": 3}),
        ("POST", "/api/shifts", {"site_id": site_a, "title": "X",
                                 "starts_at": f"{YEAR}-08-03T10:00:00Z",
                                 "ends_at": f"{YEAR}-08-03T11:00:00Z", "capacity": 1}),
        ("POST", f"/api/shifts/{shift['id']}/attendance", {"present": []}),
        ("POST", "/api/trainings", {
            "site_id": site_a, "room_id": str(room), "title": "X", "qualification": "q",
            "valid_for_months": 1, "starts_at": f"{YEAR}-08-04T10:00:00Z",
            "ends_at": f"{YEAR}-08-04T11:00:00Z", "capacity": 1}),
        ("POST", f"/api/trainings/{training['id']}/completion", {"attended": []}),
    ]
    for_a_volunteer: list[tuple[str, str, Any]] = [
        ("POST", claims, {"volunteer_id": str(world.alice)}),
        ("DELETE", f"{claims}/{world.alice}", None),
        ("POST", enrollments, {"volunteer_id": str(world.alice)}),
        ("DELETE", f"{enrollments}/{world.alice}", None),
    ]
    refused = [(caller, *route) for route in coordinators_routes
               for caller in (COORDINATOR_B, VOLUNTEER_SELF, AUDITOR)]
    refused += [(caller, *route) for route in for_a_volunteer
                for caller in (COORDINATOR_B, VOLUNTEER_OTHER, AUDITOR)]
    refused += [(caller, "POST", "/api/sites", {"name": "X", "village": "Y"})
                for caller in (COORDINATOR_A, VOLUNTEER_SELF, AUDITOR)]
    refused += [(VOLUNTEER_SELF, "POST", claims, {"volunteer_id": str(world.bernd)}),
                (AUDITOR, "POST", claims, {}), (AUDITOR, "POST", enrollments, {})]
    before = await event_count(pool)
    for caller, method, path, body in refused:
        response = await world.call(caller, method, path, body)
        assert response.status_code == 403, f"{caller} {method} {path}: {response.text}"
        assert response.headers["content-type"].startswith("application/problem+json")
    assert await event_count(pool) == before


async def test_bad_input_is_refused_naming_the_field_and_nothing_is_stored(world, pool):
    room, site_a = world.room_a, str(world.site_a)
    offer = await world.created(COORDINATOR_A, "/api/offers", {
        "site_id": site_a, "title": "Kaffee", "category": "community"})
    before = await event_count(pool)
    cases: list[tuple[str, dict[str, Any], str]] = [
        (f"/api/rooms/{room}/bookings", {"title": "X", "starts_at": f"{YEAR}-08-01T11:00:00Z",
                                         "ends_at": f"{YEAR}-08-01T10:00:00Z"}, "ends_at"),
        (f"/api/rooms/{room}/bookings", {"title": "X", "starts_at": f"{YEAR}-08-01T10:00:00",
                                         "ends_at": f"{YEAR}-08-01T11:00:00Z"}, "starts_at"),
        (f"/api/offers/{offer['id']}/sessions", {
            "room_id": str(room), "starts_at": f"{YEAR}-08-01T10:00:00Z",
            "ends_at": f"{YEAR}-08-01T10:00:00Z"}, "ends_at"),
        (f"/api/sites/{site_a}/rooms", {"name": "Saal", "capacity": 0}, "capacity"),
        ("/api/shifts", {"site_id": site_a, "title": "X", "starts_at": f"{YEAR}-08-03T10:00:00Z",
                         "ends_at": f"{YEAR}-08-03T11:00:00Z", "capacity": 0}, "capacity"),
        ("/api/shifts", {"site_id": site_a, "title": "X", "starts_at": f"{YEAR}-08-03T10:00:00Z",
                         "ends_at": f"{YEAR}-08-03T11:00:00", "capacity": 1}, "ends_at"),
        ("/api/offers", {"site_id": site_a, "title": "X", "category": "bingo"}, "category"),
        ("/api/offers", {"site_id": site_a, "title": "X", "category": "community",
                         "colour": "red"}, "colour"),
        ("/api/trainings", {
            "site_id": site_a, "room_id": str(room), "title": "X", "qualification": "q",
            "valid_for_months": 12, "starts_at": f"{YEAR}-08-04T12:00:00Z",
            "ends_at": f"{YEAR}-08-04T11:00:00Z", "capacity": 1}, "ends_at"),
        ("/api/trainings", {
            "site_id": site_a, "room_id": str(room), "title": "X", "qualification": "q",
            "valid_for_months": 12, "starts_at": f"{YEAR}-08-04T10:00:00Z",
            "ends_at": f"{YEAR}-08-04T11:00:00Z", "capacity": 0}, "capacity"),
    ]
    for path, body, field in cases:
        response = await world.call(COORDINATOR_A, "POST", path, body)
        assert response.status_code == 422, f"{path} {body}: {response.text}"
        assert response.headers["content-type"].startswith("application/problem+json")
        assert field in str(response.json()["errors"]), response.text
    naive_occurrence = await world.call(
        COORDINATOR_A, "DELETE",
        f"/api/rooms/{room}/bookings/{uuid4()}?occurrence={YEAR}-08-01T10:00:00")
    assert naive_occurrence.status_code in {404, 422}, naive_occurrence.text
    for caller in (ADMIN, COORDINATOR_A):  # a coordinator's site check reads the body too
        for path in (f"/api/rooms/{room}/bookings", "/api/offers", "/api/shifts",
                     "/api/trainings", f"/api/shifts/{uuid4()}/claims"):
            malformed = await world.client.post(path, content=b"{not json", headers={
                **bearer(world.tokens[caller]), "content-type": "application/json"})
            # 404 for a coordinator: its site check finds no such shift before the body
            assert malformed.status_code == (404 if "claims" in path and caller != ADMIN
                                             else 400), malformed.text
            assert malformed.headers["content-type"].startswith("application/problem+json")
        for path in ("/api/offers", "/api/shifts", "/api/trainings"):
            for body in ({"title": "X"}, ["site_id", site_a]):
                unnamed = await world.call(caller, "POST", path, body)
                assert unnamed.status_code == 422, unnamed.text
                assert "site_id" in unnamed.text or "object" in unnamed.text, unnamed.text
    unknown = await world.call(ADMIN, "POST", f"/api/rooms/{uuid4()}/bookings", {
        "title": "X", "starts_at": f"{YEAR}-08-01T10:00:00Z", "ends_at": f"{YEAR}-08-01T11:00:00Z"})
    assert unknown.status_code == 404 and unknown.json()["errors"][0]["field"] == "room_id"
    for caller in (ADMIN, COORDINATOR_A):  # a coordinator's scope check finds no such shift
        response = await world.call(caller, "POST", f"/api/shifts/{uuid4()}/attendance",
                                    {"present": []})
        assert response.status_code == 404, response.text
        assert response.json()["errors"][0]["field"] == "shift_id"
    assert await event_count(pool) == before
