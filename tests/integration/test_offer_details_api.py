"""``PUT /api/offers/{id} {title, category, description?}``: an offer's words changed, as an
event (``offer.details_changed``) the read models follow: the directory (``GET /api/offers``),
the public programme and the statistics name the offer by its new title and category."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from events.offers import OfferCreated, OfferDetailsChanged
from projections.attendance_stats import ATTENDANCE_STATS
from projections.directory import DIRECTORY
from projections.programme import PROGRAMME
from tests.accounts_world import ADMIN, AUDITOR, COORDINATOR_A, COORDINATOR_B, VOLUNTEER_SELF
from tests.projecting import projecting
from tests.reading import read_ok
from tests.scheduling_world import World, event_count, iso, world  # noqa: F401 - a fixture

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]

TOMORROW = (datetime.now(UTC) + timedelta(days=1)).replace(hour=11, minute=0, second=0,
                                                           microsecond=0)


@pytest.fixture
def projector(database_url: str) -> Iterator[None]:
    with projecting(database_url, [DIRECTORY, PROGRAMME, ATTENDANCE_STATS]):
        yield


async def a_lunch(world: World) -> str:
    """A public "Mitagstisch" (sic) at site A with a date tomorrow."""
    offer = await world.created(COORDINATOR_A, "/api/offers", {
        "site_id": str(world.site_a), "title": "Mitagstisch", "category": "community",
        "description": "Intern: Schlüssel bei Alice"})
    await world.created(COORDINATOR_A, f"/api/offers/{offer['id']}/sessions", {
        "room_id": str(world.room_a), "starts_at": iso(TOMORROW),
        "ends_at": iso(TOMORROW + timedelta(hours=2))})
    return offer["id"]


async def test_an_offer_is_renamed_and_every_read_model_names_it_so(world, projector, store):
    offer = await a_lunch(world)
    changed = await world.call(COORDINATOR_A, "PUT", f"/api/offers/{offer}", {
        "title": " Mittagstisch ", "category": "participation"})
    assert changed.status_code == 200, changed.text
    position = changed.json()["position"]
    stored = [e.event for e in await store.read_stream(f"offer-{offer}")]
    assert isinstance(stored[0], OfferCreated) and stored[-1] == OfferDetailsChanged(
        offer_id=stored[0].offer_id, title="Mittagstisch", category="participation",
        description=None)

    [listed] = await read_ok(world, VOLUNTEER_SELF, "/api/offers", position,
                             site_id=str(world.site_a))
    assert (listed["title"], listed["category"], listed["description"]) == (
        "Mittagstisch", "participation", None)
    programme = await read_ok(world, ADMIN, "/api/programme", position,
                              site_id=str(world.site_a))
    assert {(d["title"], d["category"]) for d in programme} == {("Mittagstisch", "participation")}
    period = {"from": iso(TOMORROW - timedelta(days=1)), "to": iso(TOMORROW + timedelta(days=1))}
    by_offer = await read_ok(world, AUDITOR, "/api/stats/attendance", position,
                             group_by="offer", **period)
    assert [(g["key"], g["label"]) for g in by_offer["groups"]] == [(offer, "Mittagstisch")]
    by_category = await read_ok(world, AUDITOR, "/api/stats/attendance", position,
                                group_by="category", **period)
    assert [g["key"] for g in by_category["groups"]] == ["participation"]

    admin = await world.call(ADMIN, "PUT", f"/api/offers/{offer}", {
        "title": "Mittagstisch", "category": "participation", "description": "Dienstags"})
    assert admin.status_code == 200, admin.text


async def test_a_change_is_refused_naming_its_field_and_by_other_sites(world, projector, pool):
    offer = await a_lunch(world)
    path = f"/api/offers/{offer}"
    before = await event_count(pool)
    for body, field in (({"title": "   ", "category": "community"}, "title"),
                        ({"title": "Mittags\u0007tisch", "category": "community"}, "title"),
                        ({"title": "Mittagstisch", "category": "sports"}, "category"),
                        ({"title": "Mittagstisch", "category": "community",
                          "description": "x" * 5001}, "description"),
                        ({"category": "community"}, "title")):
        refused = await world.call(COORDINATOR_A, "PUT", path, body)
        assert refused.status_code == 422, refused.text
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert refused.json()["errors"][0]["field"] == field, refused.text
    same = await world.call(COORDINATOR_A, "PUT", path, {
        "title": "Mitagstisch", "category": "community",
        "description": "Intern: Schlüssel bei Alice"})
    assert same.status_code == 409 and same.json()["errors"][0]["field"] == "title", same.text
    for caller in (COORDINATOR_B, VOLUNTEER_SELF, AUDITOR):
        forbidden = await world.call(caller, "PUT", path, {"title": "Fremd",
                                                           "category": "community"})
        assert forbidden.status_code == 403, forbidden.text
    unknown = await world.call(ADMIN, "PUT", "/api/offers/00000000-0000-4000-8000-000000000000",
                               {"title": "Neu", "category": "community"})
    assert unknown.status_code == 404, unknown.text
    assert await event_count(pool) == before
