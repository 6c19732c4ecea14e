"""Input that broke the service or slipped through it (issue 17, items 5 and 7), through HTTP:
bodies that are no JSON, not JSON at all, or JSON of loose types; instants outside the years
Python holds; NUL in a query; ranges no one plans; a breakdown larger than its total; accounts
naming sites they may not. Each is a 4xx problem naming the field, and nothing is stored."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import quote
from uuid import uuid4

import pytest
from dateutil.relativedelta import relativedelta

from tests.accounts_world import ADMIN, COORDINATOR_A, PASSWORD, bearer
from tests.coordinator_pages import book, sign_in_as, week_path
from tests.calendar_projector import projector  # noqa: F401 - a fixture
from tests.scheduling_world import World, event_count, world  # noqa: F401

pytestmark = pytest.mark.integration

JSON = {"Content-Type": "application/json"}
NEXT_YEAR = datetime.now(UTC).year + 1


def problem_fields(response) -> list[str]:
    assert response.headers["content-type"].startswith("application/problem+json"), response.text
    return [error["field"] for error in response.json().get("errors", [])]


async def post_raw(world: World, path: str, content: bytes, **headers: str):
    return await world.client.post(path, content=content,
                                   headers={**bearer(world.tokens[ADMIN]), **headers})


def bodies(world: World) -> dict[str, tuple[str, bytes]]:
    """A write route of each area with a body holding invalid UTF-8 (a lone \\xff)."""
    return {
        "rooms": (f"/api/sites/{world.site_a}/rooms", b'{"name": "Saal \xff", "capacity": 5}'),
        "offers": ("/api/offers", b'{"site_id": "%s", "title": "\xc3", "category": "community"}'
                   % str(world.site_a).encode()),
        "shifts": ("/api/shifts", b'{"site_id": "%s", "title": "\xff\xfe"}'
                   % str(world.site_a).encode()),
        "sign-in": ("/api/auth/token", b'{"email": "\xff@example.org", "password": "x"}'),
    }


async def test_invalid_utf8_in_a_json_body_is_a_400_naming_the_body(world: World, pool):
    before = await event_count(pool)
    for route, (path, content) in bodies(world).items():
        response = await post_raw(world, path, content, **JSON)
        assert response.status_code == 400, f"{route}: {response.text}"
        assert problem_fields(response) == ["body"], route
    assert await event_count(pool) == before


async def test_json_nested_100000_deep_is_refused_naming_a_field(world: World, pool):
    before = await event_count(pool)
    for nested in (
        b"[" * 100_000 + b"]" * 100_000,
        b'{"name": ' + b"[" * 100_000 + b"]" * 100_000 + b', "village": "Linden"}',
        b'{"name": "Treff", "village": "Linden", "x": ' + b'{"a": ' * 100_000 + b"1"
        + b"}" * 100_000 + b"}",
    ):
        response = await post_raw(world, "/api/sites", nested, **JSON)
        assert 400 <= response.status_code < 500, response.text
        assert problem_fields(response), response.text
    assert await event_count(pool) == before


async def test_a_body_that_is_not_sent_as_json_is_a_415(world: World, pool):
    before = await event_count(pool)
    for content_type in ("text/plain", "application/x-www-form-urlencoded", None):
        headers = {"Content-Type": content_type} if content_type else {}
        response = await post_raw(world, "/api/sites", b'{"name": "Treff", "village": "Linden"}',
                                  **headers)
        assert response.status_code == 415, f"{content_type}: {response.text}"
        assert problem_fields(response) == ["Content-Type"]
    assert await event_count(pool) == before
    vendor = await post_raw(world, "/api/sites", b'{"name": "Treff", "village": "Linden"}',
                            **{"Content-Type": "application/vnd.treffpunkt+json; charset=utf-8"})
    assert vendor.status_code == 201, vendor.text


async def test_values_of_a_loose_type_are_refused_naming_the_field(world: World, pool):
    before = await event_count(pool)
    cases = [
        (f"/api/sites/{world.site_a}/rooms", {"name": "Saal", "capacity": "5"}, "capacity"),
        (f"/api/rooms/{world.room_a}/bookings",
         {"title": "Chor", "starts_at": 1700000000, "ends_at": 1700003600}, "starts_at"),
        ("/api/shifts", {"site_id": str(world.site_a), "title": "Tresen", "capacity": 2.0,
                         "starts_at": f"{NEXT_YEAR}-05-01T09:00:00+02:00",
                         "ends_at": f"{NEXT_YEAR}-05-01T12:00:00+02:00"}, "capacity"),
        ("/api/offers", {"site_id": str(world.site_a), "title": ["Treff"],
                         "category": "community"}, "title"),
        ("/api/sites", {"village": "Linden"}, "name"),
        (f"/api/rooms/{world.room_a}/bookings",
         {"title": "Chor", "starts_at": f"{NEXT_YEAR}-05-01T09:00:00+02:00",
          "ends_at": f"{NEXT_YEAR}-05-01T10:00:00+02:00",
          "recurrence": {"rrule": "FREQ=WEEKLY", "count": "3"}}, "recurrence.count"),
    ]
    for path, body, field in cases:
        response = await world.call(ADMIN, "POST", path, body)
        assert response.status_code == 422, f"{path} {body}: {response.text}"
        assert problem_fields(response) == [field], response.text
    assert await event_count(pool) == before


async def test_a_body_instant_without_a_utc_in_range_is_refused_naming_it(world: World, pool):
    before = await event_count(pool)
    for changes, field in [
        ({"starts_at": "0001-01-01T00:00:00+01:00"}, "starts_at"),
        ({"ends_at": "9999-12-31T23:00:00-05:00"}, "ends_at"),
        ({"recurrence": {"rrule": "FREQ=WEEKLY", "until": "9999-12-31T23:00:00-05:00"}},
         "recurrence.until"),
    ]:
        body = {"title": "Chor", "starts_at": f"{NEXT_YEAR}-05-01T09:00:00+02:00",
                "ends_at": f"{NEXT_YEAR}-05-01T10:00:00+02:00", **changes}
        response = await world.call(ADMIN, "POST", f"/api/rooms/{world.room_a}/bookings", body)
        assert response.status_code == 422, response.text
        assert problem_fields(response) == [field]
    assert await event_count(pool) == before


YEAR_ONE = quote("0001-01-01T00:00:00+01:00")
YEAR_9999 = quote("9999-12-31T23:00:00-05:00")


async def test_a_query_instant_without_a_utc_in_range_is_refused_naming_it(world: World, pool):
    before = await event_count(pool)
    w = world
    for method, path, field in [
        ("GET", f"/api/shifts?from={YEAR_ONE}", "from"),
        ("GET", f"/api/shifts?to={YEAR_9999}", "to"),
        ("GET", f"/api/rooms/{w.room_a}/calendar?from={YEAR_ONE}", "from"),
        ("GET", f"/api/rooms/{w.room_a}/calendar?to={YEAR_9999}", "to"),
        ("GET", f"/api/rooms/{w.room_a}/calendar.ics?from={YEAR_ONE}", "from"),
        ("GET", f"/api/volunteers/{w.alice}/shifts?from={YEAR_ONE}", "from"),
        ("GET", "/api/reports/funding?from=0001-01-01&to=0001-12-31", "from"),
        ("GET", "/api/reports/funding?from=9999-01-01&to=9999-12-31", "from"),
        ("GET", "/api/reports/funding?to=9999-12-31", "to"),
        ("GET", f"/api/reports/funding?as_of={YEAR_ONE}", "as_of"),
        ("GET", f"/api/reports/funding/changes?since={YEAR_ONE}", "since"),
        ("GET", f"/api/reports/funding/changes?since=2026-01-01T00:00:00Z&until={YEAR_9999}",
         "until"),
        ("GET", f"/api/stats/attendance?from={YEAR_ONE}&to=2027-01-01T00:00:00Z", "from"),
        ("DELETE", f"/api/rooms/{w.room_a}/bookings/{uuid4()}?occurrence={YEAR_ONE}",
         "occurrence"),
    ]:
        response = await world.call(ADMIN, method, path)
        assert response.status_code == 422, f"{path}: {response.text}"
        assert problem_fields(response) == [field], path
    assert await event_count(pool) == before


async def test_a_nul_in_an_audit_filter_or_a_static_path_is_a_4xx(world: World):
    for parameter in ("stream", "type"):
        response = await world.call(ADMIN, "GET", f"/api/audit/events?{parameter}=room%00x")
        assert response.status_code == 422, response.text
        assert problem_fields(response) == [parameter]
    response = await world.client.get("/static/%00")
    assert response.status_code == 404, response.text
    assert response.headers["content-type"].startswith("application/problem+json")


def planned(world: World, starts_at: str, ends_at: str) -> dict[str, tuple[str, dict]]:
    """Each command that plans a range, with that range: they share one rule."""
    return {
        "booking": (f"/api/rooms/{world.room_a}/bookings",
                    {"title": "Chor", "starts_at": starts_at, "ends_at": ends_at}),
        "shift": ("/api/shifts", {"site_id": str(world.site_a), "title": "Tresen",
                                  "capacity": 2, "starts_at": starts_at, "ends_at": ends_at}),
        "training": ("/api/trainings", {
            "site_id": str(world.site_a), "room_id": str(world.room_a), "title": "Erste Hilfe",
            "qualification": "first_aid", "valid_for_months": 24, "capacity": 8,
            "starts_at": starts_at, "ends_at": ends_at}),
    }


async def test_a_range_no_one_plans_is_refused_by_every_command_that_plans(
    world: World, pool
):
    offer = await world.created(ADMIN, "/api/offers", {
        "site_id": str(world.site_a), "title": "Singen", "category": "participation"})
    before = await event_count(pool)
    for starts_at, ends_at, field in [
        ("1900-01-01T10:00:00+01:00", "1900-01-01T12:00:00+01:00", "starts_at"),
        ("9998-06-01T10:00:00+02:00", "9998-06-01T12:00:00+02:00", "starts_at"),
        (f"{NEXT_YEAR}-01-04T10:00:00+01:00", f"{NEXT_YEAR + 100}-01-04T10:00:00+01:00",
         "ends_at"),
        (f"{NEXT_YEAR}-01-04T10:00:00+01:00", f"{NEXT_YEAR}-01-18T10:00:01+01:00", "ends_at"),
    ]:
        commands = {**planned(world, starts_at, ends_at), "session": (
            f"/api/offers/{offer['id']}/sessions",
            {"room_id": str(world.room_a), "starts_at": starts_at, "ends_at": ends_at})}
        for command, (path, body) in commands.items():
            response = await world.call(ADMIN, "POST", path, body)
            assert response.status_code == 422, f"{command} {starts_at}: {response.text}"
            assert problem_fields(response) == [field], f"{command} {starts_at}"
    assert await event_count(pool) == before


async def test_a_start_more_than_two_years_ahead_is_refused_and_one_just_inside_is_planned(
    world: World, pool
):
    """Single bookings, sessions, trainings and shifts start within the two years a series may
    reach (issue 17): a day past them is refused naming ``starts_at``, a day before is planned."""
    offer = await world.created(ADMIN, "/api/offers", {
        "site_id": str(world.site_a), "title": "Singen", "category": "participation"})
    now = datetime.now(UTC).replace(microsecond=0)
    beyond = now + relativedelta(years=2, days=1)
    before = await event_count(pool)
    commands = {**planned(world, beyond.isoformat(), (beyond + timedelta(hours=1)).isoformat()),
                "session": (f"/api/offers/{offer['id']}/sessions", {
                    "room_id": str(world.room_a), "starts_at": beyond.isoformat(),
                    "ends_at": (beyond + timedelta(hours=1)).isoformat()})}
    for command, (path, body) in commands.items():
        response = await world.call(ADMIN, "POST", path, body)
        assert response.status_code == 422, f"{command}: {response.text}"
        assert problem_fields(response) == ["starts_at"], command
        assert response.json()["code"] == "out_of_window", command
        assert "two years ahead" in response.json()["errors"][0]["message"], command
    assert await event_count(pool) == before
    inside = now + relativedelta(years=2, days=-1)
    for hours, command in enumerate(("booking", "shift", "training")):  # one room: one by one
        starts_at = inside + timedelta(hours=2 * hours)
        path, body = planned(world, starts_at.isoformat(),
                             (starts_at + timedelta(hours=1)).isoformat())[command]
        response = await world.call(ADMIN, "POST", path, body)
        assert response.status_code == 201, f"{command}: {response.text}"


async def test_a_rule_that_never_matches_is_refused_at_once_naming_the_recurrence(
    world: World, pool
):
    before = await event_count(pool)
    started = datetime.now(UTC)
    response = await world.call(ADMIN, "POST", f"/api/rooms/{world.room_a}/bookings", {
        "title": "Chor", "starts_at": f"{NEXT_YEAR}-01-05T10:00:00+01:00",
        "ends_at": f"{NEXT_YEAR}-01-05T12:00:00+01:00",
        "recurrence": {"rrule": "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30", "count": 3}})
    assert response.status_code == 422, response.text
    assert problem_fields(response) == ["recurrence"]
    assert response.json()["code"] == "no_occurrences"
    # Seconds before; the timing against /health is tests/e2e/test_recurrence_latency.py.
    assert datetime.now(UTC) - started < timedelta(seconds=1)
    assert await event_count(pool) == before


async def test_a_breakdown_adding_up_to_more_than_the_visitors_is_refused(world: World, pool):
    offer = await world.created(ADMIN, "/api/offers", {
        "site_id": str(world.site_a), "title": "Mittagstisch", "category": "community"})
    held = (datetime.now(UTC) - timedelta(hours=2)).replace(microsecond=0)
    session = await world.created(ADMIN, f"/api/offers/{offer['id']}/sessions", {
        "room_id": str(world.room_a), "starts_at": held.isoformat(),
        "ends_at": (held + timedelta(hours=1)).isoformat()})
    before = await event_count(pool)
    path = f"/api/sessions/{session['id']}/attendance"
    response = await world.call(ADMIN, "POST", path, {
        "occurrence_starts_at": held.isoformat(), "visitors": 5, "breakdown": {"over_65": 500}})
    assert response.status_code == 422, response.text
    assert problem_fields(response) == ["breakdown"]
    assert await event_count(pool) == before
    await world.created(ADMIN, path, {"occurrence_starts_at": held.isoformat(), "visitors": 5,
                                      "breakdown": {"over_65": 3, "children": 2}})


async def test_an_account_naming_sites_or_a_volunteer_it_may_not_is_refused(
    world: World, pool
):
    before = await event_count(pool)
    for fields, field in [
        ({"role": "auditor", "site_ids": [str(world.site_a)]}, "site_ids"),
        ({"role": "volunteer", "volunteer_id": str(world.alice),
          "site_ids": [str(world.site_a)]}, "site_ids"),
        ({"role": "coordinator", "site_ids": [str(world.site_a), str(uuid4())]}, "site_ids"),
        ({"role": "auditor", "volunteer_id": str(world.alice)}, "volunteer_id"),
    ]:
        response = await world.call(ADMIN, "POST", "/api/accounts", {
            "email": "new-account@example.org", "password": PASSWORD, **fields})
        assert response.status_code == 422, f"{fields}: {response.text}"
        assert problem_fields(response) == [field], fields
    assert await event_count(pool) == before


async def test_the_coordinators_pages_refuse_days_out_of_range_instead_of_failing(
    world: World, pool, projector  # noqa: F811
):
    await sign_in_as(world, COORDINATOR_A)
    before = await event_count(pool)
    for day in ("0001-01-01", "9999-12-31"):
        week = await world.client.get(week_path(world), params={"week": day})
        assert week.status_code == 200, week.text  # this week instead
        booked = await book(world, title="Chor", date=day, start="00:10", end="01:00")
        assert booked.status_code == 422, booked.text
    assert await event_count(pool) == before
