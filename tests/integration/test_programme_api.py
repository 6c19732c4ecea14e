"""The public programme over HTTP, without any token: JSON and iCalendar feed after real
commands, with the read model kept by a catch-up loop like the worker's; caching with ETag,
the 92-day limit and the rate limit per client address."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from uuid import UUID

import icalendar
import pytest
from litestar.testing import AsyncTestClient

from projections.programme import PROGRAMME
from services.platform.app import create_app
from tests.accounts_world import ADMIN, COORDINATOR_A, settings_for
from tests.scheduling_world import World, world  # noqa: F401 - a fixture
from tests.projecting import projecting

pytestmark = pytest.mark.integration

TOMORROW = (datetime.now(UTC) + timedelta(days=1)).replace(hour=11, minute=0, second=0,
                                                           microsecond=0)
DAYS = [TOMORROW + timedelta(days=n) for n in range(3)]
"""Three dates within this week and the next, whatever the day: what the pages show."""


@pytest.fixture
def projector(database_url: str) -> Iterator[None]:
    with projecting(database_url, [PROGRAMME]):
        yield


async def a_programme(world: World, store) -> dict[str, str]:
    """At site A: a public Mittagstisch on three dates (the second cancelled with a public
    reason, the third with a private one) and a hidden offer; the site's contact line."""
    site = str(world.site_a)
    contact = await world.call(ADMIN, "PUT", f"/api/sites/{site}/contact",
                               {"address": "Kirchstraße 3, 49596 Linden",
                                "contact": "Dienstags 10–12 Uhr, Tel. 05439 1234"})
    assert contact.status_code == 200, contact.text
    lunch = await world.created(COORDINATOR_A, "/api/offers", {
        "site_id": site, "title": "Mittagstisch", "category": "community",
        "description": "Intern: Schlüssel bei Alice", "public_description": "Gemeinsam essen."})
    hidden = await world.created(COORDINATOR_A, "/api/offers", {
        "site_id": site, "title": "Supervision", "category": "mental_health", "public": False})
    session = await world.created(COORDINATOR_A, f"/api/offers/{lunch['id']}/sessions", {
        "room_id": str(world.room_a), "starts_at": DAYS[0].isoformat(),
        "ends_at": (DAYS[0] + timedelta(hours=2)).isoformat(),
        "recurrence": {"rrule": "FREQ=DAILY", "count": 3}})
    await world.created(COORDINATOR_A, f"/api/offers/{hidden['id']}/sessions", {
        "room_id": str(world.room_a), "starts_at": (DAYS[0] + timedelta(hours=4)).isoformat(),
        "ends_at": (DAYS[0] + timedelta(hours=5)).isoformat()})
    booking_id = await booking_of(store, session["id"])
    positions = []
    for starts_at, reason, public in ((session["occurrences"][1]["starts_at"],
                                       "Die Küche wird renoviert", "true"),
                                      (session["occurrences"][2]["starts_at"],
                                       "Bernd liegt im Krankenhaus", "false")):
        cancelled = await world.client.delete(
            f"/api/rooms/{world.room_a}/bookings/{booking_id}",
            params={"occurrence": starts_at, "reason": reason, "reason_public": public},
            headers={"Authorization": f"Bearer {world.tokens[COORDINATOR_A]}"})
        assert cancelled.status_code == 200, cancelled.text
        positions.append(cancelled.json()["position"])
    return {"site": site, "lunch": lunch["id"], "session": session["id"],
            "position": str(positions[-1])}


async def booking_of(store, session_id: str) -> str:
    """The booking of a session (its answer names only the session), from its stream."""
    stored = await store.read_stream(f"session-{session_id}")
    return str(stored[0].event.booking_id)


async def test_anyone_reads_the_public_programme_without_a_token(world, projector, store):
    made = await a_programme(world, store)
    response = await world.client.get("/api/programme", params={
        "site_id": made["site"], "min_position": made["position"],
        "from": (TOMORROW - timedelta(days=1)).isoformat(),
        "to": (TOMORROW + timedelta(days=60)).isoformat()})
    assert response.status_code == 200, response.text
    dates = response.json()
    assert [(d["title"], d["starts_at"][:16], d["cancelled"], d["cancellation_reason"])
            for d in dates] == [
        ("Mittagstisch", DAYS[0].isoformat()[:16], False, None),
        ("Mittagstisch", DAYS[1].isoformat()[:16], True, "Die Küche wird renoviert"),
        ("Mittagstisch", DAYS[2].isoformat()[:16], True, None)]
    first = dates[0]
    assert (first["room"], first["category"], first["description"], first["site"]) == (
        "Saal", "community", "Gemeinsam essen.", "Dorftreff Linden")
    for private in ("Alice", "Bernd", "Supervision", "Intern", "Krankenhaus", "@example.org"):
        assert private not in response.text
    assert response.headers["cache-control"].startswith("public, max-age=")


async def test_a_cached_answer_is_revalidated_with_its_etag(world, projector, store):
    made = await a_programme(world, store)
    params = {"site_id": made["site"], "min_position": made["position"]}
    first = await world.client.get("/api/programme", params=params)
    tag = first.headers["etag"]
    again = await world.client.get("/api/programme", params=params,
                                   headers={"If-None-Match": tag})
    assert (again.status_code, again.content, again.headers["etag"]) == (304, b"", tag)
    other = await world.client.get("/api/programme", params=params,
                                   headers={"If-None-Match": '"something-else"'})
    assert other.status_code == 200 and other.json() == first.json()
    feed = await world.client.get("/api/programme.ics", params={"site_id": made["site"]})
    assert feed.status_code == 200
    assert (await world.client.get("/api/programme.ics", params={"site_id": made["site"]},
                                   headers={"If-None-Match": feed.headers["etag"]})
            ).status_code == 304


async def test_the_feed_marks_cancelled_dates_and_keeps_its_uids(world, projector, store):
    made = await a_programme(world, store)
    await world.client.get("/api/programme", params={"min_position": made["position"]})
    feed = await world.client.get("/api/programme.ics", params={"site_id": made["site"]})
    assert feed.status_code == 200, feed.text
    assert feed.headers["content-type"].startswith("text/calendar")
    events = icalendar.Calendar.from_ical(feed.content).walk("VEVENT")
    by_start = {event.decoded("DTSTART"): event for event in events}
    assert sorted(by_start) == DAYS
    assert "STATUS" not in by_start[DAYS[0]]
    assert [str(by_start[w]["STATUS"]) for w in DAYS[1:]] == ["CANCELLED", "CANCELLED"]
    assert str(by_start[DAYS[0]]["LOCATION"]) == (
        "Saal, Dorftreff Linden, Kirchstraße 3, 49596 Linden")
    assert str(by_start[DAYS[0]]["DESCRIPTION"]) == "Gemeinsam essen."
    assert "Die Küche wird renoviert" in str(by_start[DAYS[1]]["DESCRIPTION"])
    assert b"Krankenhaus" not in feed.content and b"Supervision" not in feed.content
    again = icalendar.Calendar.from_ical(
        (await world.client.get("/api/programme.ics")).content).walk("VEVENT")
    assert {str(e["UID"]) for e in events} <= {str(e["UID"]) for e in again}


async def test_bad_requests_are_clear_4xx(world, projector, store):
    start = datetime(2027, 2, 1, tzinfo=UTC)
    too_long = await world.client.get("/api/programme", params={
        "from": start.isoformat(), "to": (start + timedelta(days=93)).isoformat()})
    assert too_long.status_code == 422
    assert too_long.headers["content-type"].startswith("application/problem+json")
    assert [error["field"] for error in too_long.json()["errors"]] == ["to"]
    assert (await world.client.get("/api/programme", params={
        "from": start.isoformat(), "to": (start + timedelta(days=92)).isoformat()})
            ).status_code == 200
    unknown = await world.client.get("/api/programme", params={"site_id": str(UUID(int=7))})
    assert unknown.status_code == 404
    assert (await world.client.get("/api/programme", params={"site_id": "nope"})).status_code == 422
    naive = await world.client.get("/api/programme", params={"from": "2027-02-01T10:00:00"})
    assert naive.status_code == 422


async def test_one_address_asking_too_often_waits(world, projector, database_url, servers,
                                                  broker_namespace):
    settings = settings_for(database_url, servers.redis_url, broker_namespace)
    settings.public_requests_per_minute = 5
    async with AsyncTestClient(create_app(settings)) as client:
        answers = [(await client.get("/api/programme")).status_code for _ in range(6)]
        assert answers == [200] * 5 + [429]
        refused = await client.get("/api/programme.ics")
        assert refused.status_code == 429
        assert 1 <= int(refused.headers["retry-after"]) <= 60
        assert refused.headers["content-type"].startswith("application/problem+json")


async def test_the_pages_are_public_cacheable_and_name_no_one(world, projector, store):
    made = await a_programme(world, store)
    await world.client.get("/api/programme", params={"min_position": made["position"]})
    client = world.client
    client.cookies.clear()
    page = await client.get("/programm/linden", params={"lang": "de"})
    assert page.status_code == 200, page.text
    assert page.headers["content-type"].startswith("text/html")
    assert "set-cookie" not in page.headers  # a shared cache may keep the page for anyone
    for shown in ("Programm Dorftreff Linden", "Kirchstraße 3, 49596 Linden",
                  "Dienstags 10–12 Uhr", "Mittagstisch", "Fällt aus",
                  "Grund: Die Küche wird renoviert", "webcal://"):
        assert shown in page.text, shown
    for private in ("Alice", "Bernd", "Supervision", "Intern", "Krankenhaus"):
        assert private not in page.text
    assert (await client.get("/programm/linden", params={"lang": "de"}, headers={
        "If-None-Match": page.headers["etag"]})).status_code == 304
    by_id = await client.get(f"/programm/{made['site']}", params={"lang": "uk"})
    assert by_id.status_code == 200 and "Наступного тижня" in by_id.text
    unknown = await client.get("/programm/nirgendwo", params={"lang": "de"})
    assert unknown.status_code == 404
    assert "Diesen Dorftreff finden wir nicht." in unknown.text
    assert "Dorftreff Linden" in unknown.text
