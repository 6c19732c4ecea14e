"""A volunteer's phone pages through HTTP (session cookie, a real worker): the start page by
name with my next shifts, what my Dorftreff needs with the reasons I cannot take some, my
qualifications with a warning before they expire; my home villages in the profile."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo
from typing import Any
from uuid import UUID, uuid4

import pytest

from tests.accounts_world import ADMIN, VOLUNTEER_OTHER, VOLUNTEER_SELF
from tests.pages_session import csrf_of
from tests.qualifying import qualified
from tests.volunteer_pages import (  # noqa: F401 - fixtures
    a_shift,
    on_the_board,
    post_form,
    shift_item,
    signed_in_as,
    stored_types,
    worker,
)
from tests.scheduling_world import World, iso, world  # noqa: F401 - a fixture

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]
BERLIN = ZoneInfo("Europe/Berlin")


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


async def home_village_chosen(world: World, site) -> tuple[UUID, UUID, Any]:
    """A shift in each village; signed in as Alice, who chose ``site`` in her profile."""
    in_linden = await a_shift(world, title="Kaffee Linden", site=world.site_a)
    in_buchholz = await a_shift(world, title="Kaffee Buchholz", site=world.site_b)
    await signed_in_as(world, VOLUNTEER_SELF)
    form = await world.client.get("/volunteer/profile")
    saved = await world.client.post("/volunteer/profile/home-sites", data={
        "_csrf_token": csrf_of(form.text), "site_id": [str(site)], "request_key": "k1"},
        follow_redirects=False)
    return in_linden, in_buchholz, saved


async def test_my_home_village_is_remembered_and_only_its_shifts_are_needed(world, worker, pool):
    in_linden, in_buchholz, saved = await home_village_chosen(world, world.site_b)


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


async def test_the_finder_shows_this_week_next_week_or_a_range_of_days(world, worker):
    today = datetime.now(BERLIN).date()
    next_monday = today + timedelta(days=7 - today.weekday())
    at_ten = lambda day: datetime.combine(day, time(10), BERLIN)  # noqa: E731
    this_week = (await a_shift(world, title="Heute noch", starts=datetime.now(UTC)
                               + timedelta(minutes=30))) if today.weekday() == 6 else (
        await a_shift(world, title="Diese Woche", starts=at_ten(today + timedelta(days=1))))
    next_week = await a_shift(world, title="Nächste Woche", starts=at_ten(next_monday))
    later = await a_shift(world, title="Später", starts=at_ten(next_monday + timedelta(days=20)))
    await signed_in_as(world, VOLUNTEER_SELF)

    shown = {}
    for period in ("this_week", "next_week"):
        shown[period] = (await world.client.get(f"/volunteer/shifts?period={period}")).text
    first, last = next_monday + timedelta(days=19), next_monday + timedelta(days=21)
    ranged = await world.client.get("/volunteer/shifts", params={
        "period": "range", "first": first.isoformat(), "last": last.isoformat()})

    assert str(this_week) in shown["this_week"] and str(next_week) not in shown["this_week"]
    assert str(next_week) in shown["next_week"] and str(this_week) not in shown["next_week"]
    assert str(later) in ranged.text and str(next_week) not in ranged.text
    assert f"Schichten vom {first:%d.%m.%Y} bis {last:%d.%m.%Y}" in ranged.text


async def test_the_finder_starts_in_my_village_and_can_show_all(world, worker, pool):
    in_linden, in_buchholz, saved = await home_village_chosen(world, world.site_a)
    position = saved.headers["location"].split("min_position=")[1].split("&")[0]

    mine = await world.client.get(f"/volunteer/shifts?min_position={position}")
    everything = await world.client.get("/volunteer/shifts?village=all")

    assert str(in_linden) in mine.text and str(in_buchholz) not in mine.text
    assert '<option value="" selected>Meine Orte (Profil)</option>' in mine.text
    assert str(in_linden) in everything.text and str(in_buchholz) in everything.text


async def test_a_full_shift_says_warteliste_and_the_place_i_would_get_then_the_place_i_have(
    world, worker
):
    shift = await a_shift(world, capacity=1)
    taken = await world.created(VOLUNTEER_OTHER, f"/api/shifts/{shift}/claims", {})
    await signed_in_as(world, VOLUNTEER_SELF)

    board = await world.client.get(f"/volunteer/shifts?min_position={taken['position']}")
    item = shift_item(board.text, shift)
    assert "Warteliste" in item and "Sie wären Platz 1 auf der Warteliste" in item

    waited = await post_form(world, f"/volunteer/shifts/{shift}/claim", page="/volunteer/shifts")
    position = waited.headers["location"].split("min_position=")[1].split("&")[0]
    again = await world.client.get(f"/volunteer/shifts?village=all&min_position={position}")
    mine = await world.client.get(f"/volunteer/my-shifts?min_position={position}")

    assert "Sie sind Platz 1." in shift_item(again.text, shift)
    assert "Platz 1 auf der Warteliste" in shift_item(mine.text, shift)


async def test_a_shift_at_the_time_of_one_i_hold_says_so_before_the_tap(world, worker):
    held = await a_shift(world, title="Früh")
    same_time = await a_shift(world, title="Auch früh", hours_ahead=49, site=world.site_b)
    claimed = await world.created(VOLUNTEER_SELF, f"/api/shifts/{held}/claims", {})
    await signed_in_as(world, VOLUNTEER_SELF)

    board = await world.client.get(
        f"/volunteer/shifts?village=all&min_position={claimed['position']}")

    item = shift_item(board.text, same_time)
    assert "Nicht möglich: Zur selben Zeit haben Sie schon eine andere Schicht." in item
    assert "<button" not in item


async def test_cancelling_asks_first_and_carries_my_message_to_the_coordinator(
    world, worker, pool
):
    shift = await a_shift(world, title="Tresen am Abend")
    claimed = await world.created(VOLUNTEER_SELF, f"/api/shifts/{shift}/claims", {})
    await signed_in_as(world, VOLUNTEER_SELF)
    mine = await world.client.get(f"/volunteer/my-shifts?min_position={claimed['position']}")
    assert f'href="/volunteer/my-shifts/{shift}/release"' in shift_item(mine.text, shift)

    question = await world.client.get(f"/volunteer/my-shifts/{shift}/release")
    assert "Schicht wirklich absagen?" in question.text and "Tresen am Abend" in question.text
    assert await stored_types(pool, f"shift-{shift}") == ["shift.created", "shift.claimed"]
    answered = await world.client.post(f"/volunteer/my-shifts/{shift}/release", data={
        "_csrf_token": csrf_of(question.text), "message": "Ich bin krank, Bernd springt ein.",
        "request_key": re.search(r'name="request_key" value="(\w+)"', question.text)[1]},
        follow_redirects=False)

    assert answered.status_code == 303
    released = await pool.fetchrow(
        "SELECT type, data::jsonb ->> 'message' AS message FROM events WHERE stream_id = $1 "
        "ORDER BY stream_version DESC LIMIT 1", f"shift-{shift}")
    assert dict(released) == {"type": "shift.claim_released",
                              "message": "Ich bin krank, Bernd springt ein."}
    after = await world.client.get(answered.headers["location"])
    assert "Abgesagt. Danke" in after.text or "abgegeben" in after.text
    assert str(shift) not in after.text.split("</h1>", 1)[1].split('id="feed"')[0]


async def test_a_shift_handed_over_to_a_colleague_chosen_by_name_moves_when_accepted(
    world, worker, pool
):
    """The colleague is chosen by name among the site's volunteers: no e-mail address is typed,
    so the form cannot tell which addresses have accounts."""
    shift = await a_shift(world, title="Kuchen backen")
    other = await a_shift(world, title="Spülen", hours_ahead=100)  # Bernd serves there too
    await world.created(VOLUNTEER_OTHER, f"/api/shifts/{other}/claims", {})
    claimed = await world.created(VOLUNTEER_SELF, f"/api/shifts/{shift}/claims", {})
    await signed_in_as(world, VOLUNTEER_SELF)
    await world.client.get(f"/volunteer/my-shifts?min_position={claimed['position']}")
    for _ in range(50):  # until the worker has seen Bernd's claim at the site
        form = await world.client.get(f"/volunteer/my-shifts/{shift}/handover")
        if f'value="{world.bernd}"' in form.text:
            break
        await asyncio.sleep(0.1)
    assert "Bis jemand zusagt, bleibt die Schicht Ihre." in form.text
    assert 'type="email"' not in form.text
    assert f'<option value="{world.bernd}" >Bernd</option>' in form.text
    assert f'value="{world.alice}"' not in form.text  # not to myself

    for chosen in ("", str(uuid4()), "nobody@example.org"):
        refused = await world.client.post(f"/volunteer/my-shifts/{shift}/handover", data={
            "_csrf_token": csrf_of(form.text), "to": "colleague", "colleague": chosen})
        assert refused.status_code == 422 and "aus der Liste" in refused.text
    offered = await world.client.post(f"/volunteer/my-shifts/{shift}/handover", data={
        "_csrf_token": csrf_of(form.text), "to": "colleague",
        "colleague": str(world.bernd)}, follow_redirects=False)
    assert offered.status_code == 303, offered.text
    mine = await world.client.get(offered.headers["location"])
    assert "bis jemand zusagt, bleibt die Schicht Ihre" in shift_item(mine.text, shift)

    await signed_in_as(world, VOLUNTEER_OTHER)
    position = offered.headers["location"].split("min_position=")[1].split("&")[0]
    offers = await world.client.get(f"/volunteer/handovers?min_position={position}")
    assert "Kuchen backen" in shift_item(offers.text, shift) and "An Sie" in offers.text
    handover = re.search(r'action="/volunteer/handovers/([0-9a-f-]+)/accept"', offers.text)[1]
    taken = await world.client.post(f"/volunteer/handovers/{handover}/accept", data={
        "_csrf_token": csrf_of(offers.text)}, follow_redirects=False)

    assert taken.status_code == 303, taken.text
    bernds = await world.client.get(taken.headers["location"])
    assert "Übernommen." in bernds.text and "Kuchen backen" in shift_item(bernds.text, shift)
    await signed_in_as(world, VOLUNTEER_SELF)
    position = taken.headers["location"].split("min_position=")[1].split("&")[0]
    alices = await world.client.get(f"/volunteer/my-shifts?min_position={position}")
    assert f'data-shift-id="{shift}"' not in alices.text
    again = await world.client.post(f"/volunteer/handovers/{handover}/accept", data={
        "_csrf_token": csrf_of(alices.text)}, follow_redirects=False)
    assert again.status_code == 409 and "Zu spät" in again.text


async def test_i_join_an_upcoming_training_of_my_sites_and_leave_it_again(world, worker, pool):
    starts = datetime.now(UTC).replace(microsecond=0) + timedelta(days=6)
    training = await world.created(ADMIN, "/api/trainings", {
        "site_id": str(world.site_a), "room_id": str(world.room_a), "title": "Hygieneschulung",
        "qualification": "food_hygiene", "valid_for_months": 24, "starts_at": iso(starts),
        "ends_at": iso(starts + timedelta(hours=3)), "capacity": 8})
    await signed_in_as(world, VOLUNTEER_SELF)
    listed = await world.client.get(f"/volunteer/trainings?min_position={training['position']}")
    assert "Hygieneschulung" in listed.text and "0 von 8 Plätzen belegt" in listed.text

    joined = await world.client.post(f"/volunteer/trainings/{training['id']}/enroll", data={
        "_csrf_token": csrf_of(listed.text)}, follow_redirects=False)
    assert joined.status_code == 303, joined.text
    page = await world.client.get(joined.headers["location"])
    assert "Angemeldet. Bis bald!" in page.text and "Sie sind angemeldet." in page.text
    assert "1 von 8 Plätzen belegt" in page.text
    left = await world.client.post(f"/volunteer/trainings/{training['id']}/leave", data={
        "_csrf_token": csrf_of(page.text)}, follow_redirects=False)
    assert left.status_code == 303
    assert await stored_types(pool, f"training-{training['id']}") == [
        "training.planned", "training.enrolled", "training.enrollment_cancelled"]
    again = await world.client.post(f"/volunteer/trainings/{training['id']}/leave", data={
        "_csrf_token": csrf_of(page.text)}, follow_redirects=False)
    assert again.status_code == 404 and "Sie waren nicht angemeldet." in again.text


async def test_a_volunteer_switches_to_ukrainian_it_is_remembered_and_back(world, worker):
    await signed_in_as(world, VOLUNTEER_SELF)

    switched = await world.client.get("/volunteer/?lang=uk")
    kept = await world.client.get("/volunteer/shifts")
    back = await world.client.get("/volunteer/?lang=de")

    assert 'lang="uk"' in switched.text and "Добрий день, Alice!" in switched.text
    assert "Відкриті зміни" in kept.text and kept.headers["content-language"] == "uk"
    assert 'href="?lang=de" hreflang="de" lang="de">Deutsch</a>' in kept.text
    assert "Guten Tag, Alice!" in back.text
    # Dates in Ukrainian pages by Babel's uk locale: "7 груд. 2026 р. по 13 груд. 2026 р."
    assert re.search(r"\d{1,2} \w+\. \d{4}\u202fр\. по \d{1,2} \w+\. \d{4}\u202fр\.", kept.text)


async def test_i_withdraw_my_offer_from_the_handovers_page_and_keep_the_shift(
    world, worker, pool
):
    shift = await a_shift(world, title="Tische decken")
    claimed = await world.created(VOLUNTEER_SELF, f"/api/shifts/{shift}/claims", {})
    offered = await world.created(VOLUNTEER_SELF,
                                  f"/api/shifts/{shift}/claims/{world.alice}/handover", {})
    await signed_in_as(world, VOLUNTEER_SELF)
    page = await world.client.get(f"/volunteer/handovers?min_position={offered['position']}")
    assert "Ihre Angebote" in page.text and "Tische decken" in page.text
    action = f'action="/volunteer/handovers/{offered["id"]}/withdrawal"'
    assert action in page.text

    withdrawn = await world.client.post(f"/volunteer/handovers/{offered['id']}/withdrawal",
                                        data={"_csrf_token": csrf_of(page.text)},
                                        follow_redirects=False)

    assert withdrawn.status_code == 303, withdrawn.text
    after = await world.client.get(withdrawn.headers["location"])
    assert "Ihr Angebot ist zurückgezogen" in after.text and action not in after.text
    position = withdrawn.headers["location"].split("min_position=")[1].split("&")[0]
    mine = await world.client.get(f"/volunteer/my-shifts?min_position={position}")
    assert "Tische decken" in shift_item(mine.text, shift)
    assert "bis jemand zusagt" not in shift_item(mine.text, shift)
    assert claimed["position"] < int(position)
    again = await world.client.post(f"/volunteer/handovers/{offered['id']}/withdrawal",
                                    data={"_csrf_token": csrf_of(after.text)},
                                    follow_redirects=False)  # a second tap: the same answer
    assert again.status_code == 303 and again.headers["location"] == withdrawn.headers["location"]
