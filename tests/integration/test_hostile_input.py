"""Hostile input (issue 8): strings that look like SQL, HTML or unusual Unicode are data, stored
byte-exact and answered exactly; pages show them escaped. Values over a field's maximum, bodies
over the size limit and timestamps without offset are refused clearly, and nothing is stored."""

from __future__ import annotations

import html

import msgspec
import pytest

from services.platform.app import MAX_BODY_BYTES
from tests.accounts_world import ADMIN, bearer
from tests.pages_session import signed_in
from tests.calendar_projector import projector  # noqa: F401 - a fixture
from tests.scheduling_world import (  # noqa: F401 - world is a fixture
    YEAR,
    World,
    world,
)

pytestmark = pytest.mark.integration

HOSTILE = {
    "sql": "Robert'); DROP TABLE events;-- ' OR '1'='1",
    "html": '<script>alert("x")</script><b onmouseover=alert(1)>&amp;</b>',
    "right_to_left": "\u202eDorftreff \u05d3\u05d5\u05e8\u05e3 \u0645\u0631\u0643\u0632\u202c",
    "zero_width": "Dorf\u200btreff\u200d\u2060\ufeff",
    "emoji_and_combining": "Cafe\u0301 \U0001f469\u200d\U0001f467 Z\u0351\u0352\u0353algo \U0001f1e9\U0001f1ea",
    "quotes_and_backslashes": 'a\\"b\\\\c $1 %s {0}',
}
"""Text a single-line field holds (a line break or tab it refuses: see below)."""


async def stored_event_data(pool, position: int) -> dict:
    data = await pool.fetchval("SELECT data FROM events WHERE position = $1", position)
    return msgspec.json.decode(data)


async def event_count(pool) -> int:
    return await pool.fetchval("SELECT count(*) FROM events")


@pytest.mark.parametrize("kind", sorted(HOSTILE))
async def test_a_hostile_site_name_is_stored_byte_exact_and_listed_exactly(
    kind, world: World, pool, projector  # noqa: F811
):
    value = HOSTILE[kind]
    response = await world.call(ADMIN, "POST", "/api/sites", {"name": value, "village": value})
    assert response.status_code == 201, response.text
    position = response.json()["position"]

    data = await stored_event_data(pool, position)
    assert data["name"].encode() == value.encode()
    assert data["village"].encode() == value.encode()

    listed = await world.call(ADMIN, "GET", f"/api/sites?min_position={position}")
    assert listed.status_code == 200, listed.text
    [site] = [site for site in listed.json() if site["id"] == response.json()["id"]]
    assert (site["name"], site["village"]) == (value, value)


async def test_a_description_at_its_maximum_length_is_stored_exactly(world: World, pool):
    description = ("".join(HOSTILE.values()) * 100)[:5000]
    response = await world.call(ADMIN, "POST", "/api/offers", {
        "site_id": str(world.site_a), "title": HOSTILE["sql"], "category": "community",
        "description": description})
    assert response.status_code == 201, response.text
    data = await stored_event_data(pool, response.json()["position"])
    assert data["description"] == description
    assert data["title"] == HOSTILE["sql"]


@pytest.mark.parametrize(("path_of", "field", "body_of"), [
    (lambda w: "/api/sites", "name", lambda w, v: {"name": v, "village": "Linden"}),
    (lambda w: f"/api/sites/{w.site_a}/rooms", "name", lambda w, v: {"name": v, "capacity": 5}),
    (lambda w: "/api/offers", "description",
     lambda w, v: {"site_id": str(w.site_a), "title": "Treff", "category": "community",
                   "description": v}),
    (lambda w: "/api/volunteers", "name", lambda w, v: {"name": v, "email": "x@example.org"}),
], ids=["site name", "room name", "offer description", "volunteer name"])
async def test_a_ten_thousand_character_value_is_refused_naming_the_field_and_nothing_is_stored(
    path_of, field, body_of, world: World, pool
):
    before = await event_count(pool)
    response = await world.call(ADMIN, "POST", path_of(world), body_of(world, "x" * 10_000))
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert field in [error["field"] for error in response.json()["errors"]], response.text
    assert "x" * 200 not in response.text  # the value is not echoed back
    assert await event_count(pool) == before


async def test_a_body_over_the_size_limit_is_refused_with_413_as_a_problem(world: World, pool):
    before = await event_count(pool)
    body = b'{"name": "' + b"x" * MAX_BODY_BYTES + b'", "village": "Linden"}'
    response = await world.client.post(
        "/api/sites", content=body,
        headers={**bearer(world.tokens[ADMIN]), "Content-Type": "application/json"})
    assert response.status_code == 413, response.text[:300]
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["status"] == 413
    assert await event_count(pool) == before


@pytest.mark.parametrize("field", ["starts_at", "ends_at"])
async def test_a_shift_time_without_offset_is_refused_naming_the_field(field, world: World, pool):
    before = await event_count(pool)
    body = {"site_id": str(world.site_a), "title": "Tresen", "capacity": 2,
            "starts_at": f"{YEAR}-05-01T09:00:00+02:00",
            "ends_at": f"{YEAR}-05-01T12:00:00+02:00"}
    body[field] = f"{YEAR}-05-01T10:00:00"
    response = await world.call(ADMIN, "POST", "/api/shifts", body)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert [error["field"] for error in response.json()["errors"]] == [field], response.text
    assert await event_count(pool) == before


async def test_a_query_time_without_offset_is_refused_naming_the_parameter(world: World):
    response = await world.call(
        ADMIN, "GET", f"/api/rooms/{world.room_a}/calendar"
                      f"?from={YEAR}-05-01T00:00:00&to={YEAR}-05-08T00:00:00%2B02:00")
    assert response.status_code == 422, response.text
    assert [error["field"] for error in response.json()["errors"]] == ["from"]


@pytest.mark.parametrize(("path", "parameter"), [
    ("/api/sites?min_position=", "min_position"),
    ("/api/audit/events?after=", "after"),
])
async def test_a_position_past_the_bigint_range_is_refused_naming_the_parameter(
    path, parameter, world: World
):
    response = await world.call(ADMIN, "GET", f"{path}{2**64}")
    assert response.status_code == 422, response.text
    assert [error["field"] for error in response.json()["errors"]] == [parameter]


async def test_site_names_with_html_appear_escaped_in_the_coordinator_page(
    world: World, projector  # noqa: F811
):
    response = await world.call(ADMIN, "POST", "/api/sites",
                                {"name": HOSTILE["html"], "village": HOSTILE["sql"]})
    assert response.status_code == 201, response.text
    listed = await world.call(ADMIN, "GET",
                              f"/api/sites?min_position={response.json()['position']}")
    assert listed.status_code == 200
    await signed_in(world.client)  # the admin's session (the admin sees every site)

    page = await world.client.get("/coordinator/")
    assert page.status_code == 200, page.text
    assert "<script>" not in page.text
    assert html.escape(HOSTILE["html"], quote=False) in page.text.replace("&#34;", '"')
    assert html.escape(HOSTILE["sql"], quote=False) in page.text.replace("&#39;", "'")


async def test_a_hostile_next_address_on_the_sign_in_page_is_not_reflected_as_markup(world: World):
    response = await world.client.get("/sign-in", params={"next": '"><script>alert(1)</script>'})
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in response.text


# Control characters (issue 17): refused in every free-text field, naming it ----------------------

FUTURE = {"starts_at": f"{YEAR}-05-01T09:00:00+02:00",
          "ends_at": f"{YEAR}-05-01T12:00:00+02:00"}


async def text_routes(world: World) -> dict[str, tuple[str, dict, list[str]]]:
    """Each write route with a free-text field: its path, a valid body, and those fields."""
    offer = await world.created(ADMIN, "/api/offers", {
        "site_id": str(world.site_a), "title": "Treff", "category": "community"})
    session = await world.created(ADMIN, f"/api/offers/{offer['id']}/sessions", {
        "room_id": str(world.room_a), **FUTURE})
    shift = await world.created(ADMIN, "/api/shifts", {
        "site_id": str(world.site_a), "title": "Tresen", "capacity": 1, **FUTURE})
    return {
        "site": ("/api/sites", {"name": "Treff", "village": "Linden"}, ["name", "village"]),
        "room": (f"/api/sites/{world.site_a}/rooms", {"name": "Saal", "capacity": 5}, ["name"]),
        "booking": (f"/api/rooms/{world.room_a}/bookings",
                    {"title": "Chor", "starts_at": f"{YEAR}-01-01T10:00:00Z",
                     "ends_at": f"{YEAR}-01-01T11:00:00Z"}, ["title"]),
        "offer": ("/api/offers", {"site_id": str(world.site_a), "title": "Treff",
                                  "category": "community", "description": "Für alle"},
                  ["title", "description"]),
        "attendance": (f"/api/sessions/{session['id']}/attendance",
                       {"occurrence_starts_at": FUTURE["starts_at"], "visitors": 3,
                        "reason": "nachgezählt"}, ["reason"]),
        "volunteer": ("/api/volunteers", {"name": "Jo", "email": "jo@example.org",
                                          "phone": "0511 123"}, ["name", "email", "phone"]),
        "shift": ("/api/shifts", {"site_id": str(world.site_a), "title": "Tresen",
                                  "capacity": 1, **FUTURE}, ["title"]),
        "shift attendance": (f"/api/shifts/{shift['id']}/attendance",
                             {"present": [], "reason": "vergessen"}, ["reason"]),
        "training": ("/api/trainings", {"site_id": str(world.site_a), "room_id": str(world.room_a),
                                        "title": "Erste Hilfe", "qualification": "first_aid",
                                        "valid_for_months": 24, "capacity": 5,
                                        "starts_at": f"{YEAR}-02-01T10:00:00Z",
                                        "ends_at": f"{YEAR}-02-01T12:00:00Z"},
                     ["title", "qualification"]),
        "account": ("/api/accounts", {"email": "jo@example.org", "password": "p" * 12,
                                      "role": "auditor"}, ["email"]),
    }


async def test_a_control_or_line_break_in_a_single_line_field_is_a_422_naming_it(
    world: World, pool
):
    routes = await text_routes(world)
    before = await event_count(pool)
    for path, body, fields in routes.values():
        for field in [f for f in fields if f not in ("description", "reason")]:
            for bad in ("\x00", "\x1b", "\x7f", "\x85", "\n", "\u2028"):
                value = body[field][:2] + bad + body[field][2:]
                response = await world.call(ADMIN, "POST", path, {**body, field: value})
                assert response.status_code == 422, (path, field, bad, response.text)
                assert response.headers["content-type"].startswith("application/problem+json")
                assert [e["field"] for e in response.json()["errors"]] == [field], response.text
    assert await event_count(pool) == before


async def test_a_nul_anywhere_else_is_refused_and_several_lines_are_held_where_allowed(
    world: World, pool
):
    routes = await text_routes(world)
    for path, body, fields in routes.values():
        for field in {"description", "reason"} & set(fields):
            before = await event_count(pool)
            refused = await world.call(ADMIN, "POST", path, {**body, field: "zwei\x00drei"})
            assert refused.status_code == 422, (path, refused.text)
            assert [e["field"] for e in refused.json()["errors"]] == [field]
            assert refused.json()["errors"][0]["message"] == "must not contain control characters"
            assert await event_count(pool) == before
    path, body, _ = routes["offer"]
    held = await world.created(ADMIN, path, {**body, "description": "Suppe\r\n\tund Brot\n"})
    data = await stored_event_data(pool, held["position"])
    assert data["description"] == "Suppe\r\n\tund Brot\n"

    path, body, _ = routes["shift"]
    qualifications = await world.call(ADMIN, "POST", path, {
        **body, "required_qualifications": ["first_aid", "food\x00hygiene"]})
    assert qualifications.status_code == 422, qualifications.text
    assert qualifications.json()["errors"][0]["field"].startswith("required_qualifications")
    path, body, _ = routes["attendance"]
    groups = await world.call(ADMIN, "POST", path, {**body, "breakdown": {"Kin\x00der": 2}})
    assert groups.status_code == 422, groups.text
    assert groups.json()["errors"][0]["field"].startswith("breakdown")
