"""A volunteer's phone pages through HTTP (session cookie, a real worker): the start page by
name with my next shifts, what my Dorftreff needs with the reasons I cannot take some, my
qualifications with a warning before they expire; my home villages in the profile."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest

from events.catalog import registry
from events.base import EventMetadata
from events.store import EventStore
from services.commands.handler import CommandHandler
from services.trainings.decider import (
    TRAININGS,
    CompleteTraining,
    EnrollInTraining,
    PlanTraining,
)
from tests.integration.test_accounts_api import ADMIN, VOLUNTEER_SELF
from tests.integration.test_pages_session import csrf_of
from tests.integration.test_pages_volunteer_auditor import (  # noqa: F401 - fixtures
    a_shift,
    on_the_board,
    post_form,
    shift_item,
    signed_in_as,
    worker,
)
from tests.integration.test_scheduling_api import World, world  # noqa: F401 - a fixture

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]


async def qualified(world: World, pool, qualification: str, *, months: int,
                    days_ago: int) -> int:
    """Alice attended a training ``days_ago`` granting ``qualification`` for ``months``: told
    on a simulated clock, as the demo tells its year."""
    commands = CommandHandler(EventStore(pool, registry))
    metadata = EventMetadata(actor="test")
    training_id = uuid4()
    starts = datetime.now(UTC) - timedelta(days=days_ago)
    before = starts - timedelta(days=7)
    await commands.handle(TRAININGS, PlanTraining(
        training_id=training_id, booking_id=uuid4(), site_id=world.site_a, room_id=world.room_a,
        title=f"Kurs {qualification}", qualification=qualification, valid_for_months=months,
        starts_at=starts, ends_at=starts + timedelta(hours=2), capacity=5, now=before), metadata)
    await commands.handle(TRAININGS, EnrollInTraining(
        training_id=training_id, volunteer_id=world.alice, now=before), metadata)
    done = await commands.handle(TRAININGS, CompleteTraining(
        training_id=training_id, attended=[world.alice], now=starts + timedelta(hours=3)),
        metadata)
    return done.position


async def test_the_start_page_greets_me_by_name_with_my_next_shift(world, worker):
    mine = await a_shift(world, title="Mittagstisch Ausgabe", hours_ahead=30)
    claimed = await world.created(VOLUNTEER_SELF, f"/api/shifts/{mine}/claims", {})
    await signed_in_as(world, VOLUNTEER_SELF)

    home = await world.client.get("/", follow_redirects=False)
    start = await world.client.get(f"/volunteer/?min_position={claimed['position']}")

    assert home.status_code == 303 and home.headers["location"] == "/volunteer/"
    assert start.status_code == 200, start.text
    assert "Guten Tag, Alice!" in start.text
    next_shifts = start.text.split('id="next"')[1].split('id="needed"')[0]
    assert "Mittagstisch Ausgabe" in shift_item(next_shifts, mine)


async def test_needed_shifts_i_can_take_come_first_and_the_others_say_why(world, worker, pool):
    kitchen = await a_shift(world, title="Küche", hours_ahead=26,
                            required_qualifications=["food_hygiene"])
    counter = await a_shift(world, title="Tresen", hours_ahead=50)
    far = await a_shift(world, title="Im Frühjahr", hours_ahead=24 * 20)
    await signed_in_as(world, VOLUNTEER_SELF)

    start = await world.client.get("/volunteer/")

    needed = start.text.split('id="needed"')[1].split('id="quals"')[0]
    assert needed.index(str(counter)) < needed.index(str(kitchen))  # later, but I can take it
    assert str(far) not in needed
    assert "Übernehmen" in shift_item(needed, counter)
    kitchen_item = shift_item(needed, kitchen)
    assert "Ihnen fehlt am Schichttag die Qualifikation Lebensmittelhygiene" in kitchen_item
    assert "<button" not in kitchen_item


async def test_a_qualification_expiring_within_60_days_is_a_warning_with_its_date(
    world, worker, pool
):
    await qualified(world, pool, "first_aid", months=24, days_ago=10)
    position = await qualified(world, pool, "food_hygiene", months=1, days_ago=5)
    await signed_in_as(world, VOLUNTEER_SELF)

    start = await world.client.get(f"/volunteer/?min_position={position}")

    shown = re.findall(r'<li class="qualification (\w+)">\s*<strong>([^<]+)</strong>', start.text)
    assert {name: standing for standing, name in shown} == {
        "Erste Hilfe": "valid", "Lebensmittelhygiene": "expiring"}
    assert re.search(r'class="badge warn">läuft am \d\d\.\d\d\.\d{4} ab<', start.text)


async def test_my_home_village_is_remembered_and_only_its_shifts_are_needed(world, worker, pool):
    in_linden = await a_shift(world, title="Kaffee Linden", site=world.site_a)
    in_buchholz = await a_shift(world, title="Kaffee Buchholz", site=world.site_b)
    await signed_in_as(world, VOLUNTEER_SELF)
    form = await world.client.get("/volunteer/profile")

    saved = await world.client.post("/volunteer/profile/home-sites", data={
        "_csrf_token": csrf_of(form.text), "site_id": [str(world.site_b)],
        "request_key": "k1"}, follow_redirects=False)

    assert saved.status_code == 303, saved.text
    assert [row["type"] for row in await pool.fetch(
        "SELECT type FROM events WHERE stream_id = $1 ORDER BY stream_version",
        f"volunteer-{world.alice}")][-1] == "volunteer.home_sites_chosen"
    profile = await world.client.get(saved.headers["location"])
    assert "Gespeichert." in profile.text
    assert re.search(rf'value="{world.site_b}" checked', profile.text)
    start = await world.client.get("/volunteer/")
    assert str(in_buchholz) in start.text and str(in_linden) not in start.text


async def test_an_unknown_home_village_is_refused_in_words_and_nothing_is_stored(world, pool):
    await signed_in_as(world, VOLUNTEER_SELF)
    form = await world.client.get("/volunteer/profile")
    before = await pool.fetchval("SELECT count(*) FROM events")

    refused = await world.client.post("/volunteer/profile/home-sites", data={
        "_csrf_token": csrf_of(form.text), "site_id": [str(uuid4())]}, follow_redirects=False)

    assert refused.status_code == 404
    assert "Diesen Dorftreff gibt es nicht." in refused.text
    assert await pool.fetchval("SELECT count(*) FROM events") == before
