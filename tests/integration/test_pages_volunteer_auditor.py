"""The volunteer's and the auditor's pages through HTTP, signed in with the session cookie, with a
real Dramatiq worker keeping the read models up to date (woken through Redis by the app)."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from dateutil.relativedelta import relativedelta

from tests.accounts_world import ADMIN, AUDITOR, VOLUNTEER_OTHER, VOLUNTEER_SELF
from tests.scheduling_world import World, iso, world  # noqa: F401 - a fixture
from tests.helpers import seal_everything
from tests.volunteer_pages import (
    a_shift,
    on_the_board,
    post_form,
    shift_item,
    signed_in_as,
    stored_types,
    worker,
)

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]
BERLIN = ZoneInfo("Europe/Berlin")


async def test_a_volunteer_claims_a_shift_and_sees_it_at_once_in_my_shifts(world, worker, pool):
    shift = await a_shift(world, title="Mittagstisch Ausgabe")
    await signed_in_as(world, VOLUNTEER_SELF)

    board = await world.client.get("/volunteer/shifts")
    assert board.status_code == 200
    assert "Übernehmen" in shift_item(board.text, shift)
    claimed = await post_form(world, f"/volunteer/shifts/{shift}/claim", page="/volunteer/shifts")

    assert claimed.status_code == 303
    assert claimed.headers["location"].startswith("/volunteer/my-shifts?min_position=")
    mine = await world.client.get(claimed.headers["location"])
    assert mine.status_code == 200
    assert "Die Schicht gehört jetzt Ihnen." in mine.text
    item = shift_item(mine.text, shift)
    assert "Mittagstisch Ausgabe" in item and "Zugesagt" in item and "Absagen" in item
    assert await stored_types(pool, f"shift-{shift}") == ["shift.created", "shift.claimed"]
    position = claimed.headers["location"].split("min_position=")[1].split("&")[0]
    board = await world.client.get(f"/volunteer/shifts?min_position={position}")
    assert "Das ist Ihre Schicht." in shift_item(board.text, shift)


WOCHENTAGE = ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag")
MONATE = ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September",
          "Oktober", "November", "Dezember")


async def test_shift_times_are_shown_in_berlin_time(world, worker):
    # At 10:00 Berlin time in three days: the two hours never run past midnight, which the page
    # would show as "HH:MM–dd.mm. HH:MM" (and whatever the hour now, the shift lies ahead).
    day = datetime.now(BERLIN).date() + timedelta(days=3)
    shift = await a_shift(world, starts=datetime.combine(day, time(10), BERLIN).astimezone(UTC))
    await signed_in_as(world, VOLUNTEER_SELF)

    board = await world.client.get("/volunteer/shifts")

    assert "10:00–12:00" in shift_item(board.text, shift)  # sent as UTC, shown as Berlin's
    assert f"{WOCHENTAGE[day.weekday()]}, {day.day}. {MONATE[day.month - 1]}" in board.text


async def test_the_open_shifts_can_be_filtered_by_village(world, worker):
    in_linden = await a_shift(world, title="Kaffee Linden", site=world.site_a)
    in_buchholz = await a_shift(world, title="Kaffee Buchholz", site=world.site_b)
    await signed_in_as(world, VOLUNTEER_SELF)
    everything = await world.client.get("/volunteer/shifts")
    assert str(in_linden) in everything.text and str(in_buchholz) in everything.text

    linden = await world.client.get("/volunteer/shifts", params={"village": "Linden"})

    assert str(in_linden) in linden.text and str(in_buchholz) not in linden.text
    assert '<option value="Linden" selected>' in linden.text


async def test_the_last_place_of_a_full_shift_goes_to_the_first_and_the_next_waits(
    world, worker, pool
):
    shift = await a_shift(world, capacity=1)
    await signed_in_as(world, VOLUNTEER_OTHER)
    first = await post_form(world, f"/volunteer/shifts/{shift}/claim", page="/volunteer/shifts")
    position = first.headers["location"].split("min_position=")[1].split("&")[0]
    await signed_in_as(world, VOLUNTEER_SELF)

    board = await world.client.get(f"/volunteer/shifts?min_position={position}")
    item = shift_item(board.text, shift)
    waited = await post_form(world, f"/volunteer/shifts/{shift}/claim", page="/volunteer/shifts")
    mine = await world.client.get(waited.headers["location"])

    assert "Voll" in item and "Auf die Warteliste" in item
    assert "Sie stehen auf der Warteliste" in mine.text
    assert "Warteliste verlassen" in shift_item(mine.text, shift)
    assert await stored_types(pool, f"shift-{shift}") == [
        "shift.created", "shift.claimed", "shift.waitlisted"]


async def test_a_missing_qualification_is_said_in_plain_words_and_nothing_is_stored(
    world, worker, pool
):
    shift = await a_shift(world, title="Küche", required_qualifications=["Lebensmittelhygiene"])
    await signed_in_as(world, VOLUNTEER_SELF)

    refused = await post_form(world, f"/volunteer/shifts/{shift}/claim", page="/volunteer/shifts")

    assert refused.status_code == 422
    assert refused.headers["content-type"].startswith("text/html")
    assert "fehlt Ihnen eine am Schichttag gültige Qualifikation: Lebensmittelhygiene" in refused.text
    assert await stored_types(pool, f"shift-{shift}") == ["shift.created"]


async def test_an_overlapping_shift_is_refused_in_plain_words(world, worker, pool):
    first = await a_shift(world, title="Früh", hours_ahead=30)
    second = await a_shift(world, title="Auch früh", hours_ahead=31, site=world.site_b)
    await signed_in_as(world, VOLUNTEER_SELF)
    await post_form(world, f"/volunteer/shifts/{first}/claim", page="/volunteer/shifts")

    refused = await post_form(world, f"/volunteer/shifts/{second}/claim",
                              page="/volunteer/shifts")

    assert refused.status_code == 409
    assert "Zur selben Zeit haben Sie schon eine andere Schicht." in refused.text
    assert "application/problem+json" not in refused.headers["content-type"]
    assert await stored_types(pool, f"shift-{second}") == ["shift.created"]


async def test_releasing_a_shift_hands_the_place_to_the_first_on_the_waitlist(world, worker, pool):
    shift = await a_shift(world, capacity=1)
    await signed_in_as(world, VOLUNTEER_SELF)
    await post_form(world, f"/volunteer/shifts/{shift}/claim", page="/volunteer/shifts")
    await world.created(VOLUNTEER_OTHER, f"/api/shifts/{shift}/claims", {})

    released = await post_form(world, f"/volunteer/my-shifts/{shift}/release",
                               page="/volunteer/my-shifts")
    mine = await world.client.get(released.headers["location"])

    assert released.status_code == 303
    assert "Sie haben die Schicht abgegeben." in mine.text
    assert f'data-shift-id="{shift}"' not in mine.text
    assert await stored_types(pool, f"shift-{shift}") == [
        "shift.created", "shift.claimed", "shift.waitlisted", "shift.claim_released",
        "shift.claimed"]


async def test_my_shifts_offer_the_secret_link_of_my_calendar_feed(world, worker):
    shift = await a_shift(world, title="Fahrdienst")
    await world.created(VOLUNTEER_SELF, f"/api/shifts/{shift}/claims", {})
    await signed_in_as(world, VOLUNTEER_SELF)

    mine = await world.client.get("/volunteer/my-shifts")
    link = re.search(r'id="feed-url" type="text" readonly value="([^"]+)"', mine.text)

    assert link, "no feed link on the page"
    url = urlsplit(link.group(1).replace("&amp;", "&"))
    assert url.path == f"/api/volunteers/{world.alice}/shifts.ics"
    assert url.query.startswith("token=")
    world.client.cookies.clear()  # the link alone opens the feed
    for _ in range(100):  # the feed reads the schedule, which the worker fills
        feed = await world.client.get(f"{url.path}?{url.query}")
        if "Fahrdienst" in feed.text:
            break
        await asyncio.sleep(0.1)
    assert feed.status_code == 200 and "BEGIN:VCALENDAR" in feed.text and "Fahrdienst" in feed.text


async def test_my_trainings_show_each_qualification_with_its_validity(world, worker):
    starts = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=3)
    training = await world.created(ADMIN, "/api/trainings", {
        "site_id": str(world.site_a), "room_id": str(world.room_a), "title": "Erste Hilfe",
        "qualification": "Erste Hilfe", "valid_for_months": 24, "starts_at": iso(starts),
        "ends_at": iso(starts + timedelta(hours=4)), "capacity": 10})
    await world.created(VOLUNTEER_SELF, f"/api/trainings/{training['id']}/enrollments", {})
    await asyncio.sleep(max(0.0, (starts - datetime.now(UTC)).total_seconds()) + 0.2)
    completed = await world.created(ADMIN, f"/api/trainings/{training['id']}/completion",
                                    {"attended": [str(world.alice)]})
    await signed_in_as(world, VOLUNTEER_SELF)

    page = await world.client.get(
        f"/volunteer/trainings?min_position={completed['position']}")

    # As the product reckons it (services/trainings/decider.py, qualification_valid_until): 24
    # months on from the Berlin wall-clock start, shown as the Berlin date.
    valid_until = (starts.astimezone(BERLIN) + relativedelta(months=24)).date()
    assert page.status_code == 200
    assert f"gültig bis {valid_until:%d.%m.%Y}" in page.text
    assert "abgeschlossen" in page.text and "teilgenommen" in page.text


async def test_a_page_whose_read_model_lags_shows_what_it_has_and_says_so(world):
    # No worker runs here: the read models never reach the claim's position.
    starts = datetime.now(UTC).replace(microsecond=0) + timedelta(days=2)
    shift = await world.created(ADMIN, "/api/shifts", {
        "site_id": str(world.site_a), "title": "Tresen", "starts_at": iso(starts),
        "ends_at": iso(starts + timedelta(hours=2)), "capacity": 2})
    claimed = await world.created(VOLUNTEER_SELF, f"/api/shifts/{shift['id']}/claims", {})
    await signed_in_as(world, VOLUNTEER_SELF)

    mine = await world.client.get(f"/volunteer/my-shifts?min_position={claimed['position']}")

    assert mine.status_code == 200 and "text/html" in mine.headers["content-type"]
    assert "Die Anzeige ist gerade nicht aktuell." in mine.text


async def test_text_of_users_is_escaped_on_the_pages(world, worker):
    shift = await a_shift(world, title='<script>alert("x")</script>')
    await signed_in_as(world, VOLUNTEER_SELF)

    board = await world.client.get("/volunteer/shifts")

    item = shift_item(board.text, shift)
    assert "<script>alert" not in item
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in item


async def test_each_role_reaches_only_its_own_pages(world):
    await signed_in_as(world, VOLUNTEER_SELF)
    assert (await world.client.get("/auditor/report")).status_code == 403
    home = await world.client.get("/")
    assert 'href="/volunteer/shifts"' in home.text and "/auditor/" not in home.text

    await signed_in_as(world, AUDITOR)
    refused = await world.client.get("/volunteer/shifts")
    assert refused.status_code == 403 and "text/html" in refused.headers["content-type"]
    home = await world.client.get("/")
    assert 'href="/auditor/report"' in home.text and "/volunteer/" not in home.text

    world.client.cookies.clear()
    away = await world.client.get("/volunteer/my-shifts", follow_redirects=False)
    assert away.status_code == 303
    assert away.headers["location"] == "/sign-in?next=/volunteer/my-shifts"


def period_around(starts: str) -> dict[str, str]:
    """The report's period as an explicit ``from``/``to``: the Berlin calendar year of the
    occurrence. Without them the pages report the current year, which holds no occurrence of
    three days ago on the year's first days."""
    year = datetime.fromisoformat(starts).astimezone(BERLIN).year
    return {"from": date(year, 1, 1).isoformat(), "to": date(year, 12, 31).isoformat()}


async def a_session_with_visitors(world: World, visitors: int) -> tuple[str, str]:
    offer = await world.created(ADMIN, "/api/offers", {
        "site_id": str(world.site_a), "title": "Seniorengymnastik", "category": "movement"})
    starts = datetime.now(UTC).replace(microsecond=0) - timedelta(days=3)
    session = await world.created(ADMIN, f"/api/offers/{offer['id']}/sessions", {
        "room_id": str(world.room_a), "starts_at": iso(starts),
        "ends_at": iso(starts + timedelta(hours=1))})
    await world.created(ADMIN, f"/api/sessions/{session['id']}/attendance",
                        {"occurrence_starts_at": iso(starts), "visitors": visitors})
    await on_the_board(world, session["position"])
    return session["id"], iso(starts)


async def test_the_auditor_sees_the_report_with_its_chart_and_downloads_the_csv(world, worker):
    _, starts = await a_session_with_visitors(world, 17)
    await signed_in_as(world, AUDITOR)

    report = await world.client.get("/auditor/report", params=period_around(starts))
    years = {datetime.now(BERLIN).year}
    default = await world.client.get("/auditor/report")
    years.add(datetime.now(BERLIN).year)

    # Without a period, the page reports Berlin's current year (read before and after the
    # request: the turn of the year may fall in between).
    assert default.status_code == 200
    assert any(f'name="from" type="date" value="{year}-01-01"' in default.text
               and f'name="to" type="date" value="{year}-12-31"' in default.text
               for year in years), default.text
    assert report.status_code == 200
    assert "Seniorengymnastik" in report.text and ">17<" in report.text
    assert 'src="data:image/svg+xml;base64,' in report.text
    assert "Bewegungs- und Mobilitätsförderung" in report.text
    csv_link = re.search(r'href="(/auditor/report/download\?[^"]*format=csv)"', report.text)
    assert csv_link
    download = await world.client.get(csv_link.group(1).replace("&amp;", "&"))
    assert download.status_code == 200
    assert download.headers["content-type"].startswith("text/csv")
    assert "attachment" in download.headers["content-disposition"]
    assert "Seniorengymnastik" in download.content.decode("utf-8-sig")
    pdf_link = re.search(r'href="(/auditor/report/download\?[^"]*format=pdf)"', report.text)
    pdf = await world.client.get(pdf_link.group(1).replace("&amp;", "&"))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


async def test_the_report_as_of_an_earlier_instant_and_the_changes_since_then(world, worker):
    session, starts = await a_session_with_visitors(world, 10)
    await asyncio.sleep(1.1)
    # With its UTC offset: a Berlin wall-clock time alone is ambiguous in the hour the clocks
    # repeat in autumn (httpx encodes the "+" of the offset).
    before = datetime.now(BERLIN).replace(microsecond=0)
    await asyncio.sleep(1.1)
    await world.created(ADMIN, f"/api/sessions/{session}/attendance", {
        "occurrence_starts_at": starts, "visitors": 12, "reason": "Nachzählung"})
    await signed_in_as(world, AUDITOR)
    period = period_around(starts)

    now = await world.client.get("/auditor/report", params=period)
    then = await world.client.get("/auditor/report",
                                  params={**period, "as_of": before.isoformat()})
    changes = await world.client.get("/auditor/changes",
                                     params={**period, "since": before.isoformat()})

    assert ">12<" in now.text and ">10<" in then.text and ">12<" not in then.text
    assert changes.status_code == 200
    assert "Besucher: 10 → <strong>12</strong>" in changes.text
    assert "Nachzählung" in changes.text and "Seniorengymnastik" in changes.text
    # What happened in words, by whom, and the day of the session it concerns.
    assert "<strong>Besucherzahl korrigiert</strong>" in changes.text
    assert f"betrifft {datetime.fromisoformat(starts).astimezone(BERLIN):%d.%m.%Y}" in changes.text
    assert "von Verwaltung" in changes.text and "session.attendance" not in changes.text
    elsewhere = await world.client.get("/auditor/changes", params={
        **period, "since": before.isoformat(), "site_id": str(world.site_b)})
    assert "Keine Änderungen." in elsewhere.text


async def test_a_field_the_report_cannot_read_is_named_on_the_page(world):
    await signed_in_as(world, AUDITOR)

    report = await world.client.get("/auditor/report", params={"from": "31.02.2026"})
    english = await world.client.get("/auditor/report", params={"to": "x", "lang": "en"})

    assert report.status_code == 422 and "text/html" in report.headers["content-type"]
    assert "Bitte prüfen Sie das Feld „Von (Tag)“." in report.text
    assert english.status_code == 422 and "Please check the field “To (day)”." in english.text


async def test_the_verification_page_says_the_history_is_unchanged(world):
    await signed_in_as(world, AUDITOR)

    verdict = await world.client.get("/auditor/verify")

    assert verdict.status_code == 200
    assert re.search(r"Die Historie ist unverändert: \d+ Ereignisse geprüft.", verdict.text)


async def test_a_head_pasted_from_a_report_is_found_with_the_changes_since(world, worker, pool):
    session, starts = await a_session_with_visitors(world, 10)
    await seal_everything(pool)
    head = await world.call(ADMIN, "GET", "/api/reports/funding?from={from}&to={to}".format(
        **period_around(starts)))
    seq, chain_hash = head.headers["x-ledger-head"].split(":")
    await asyncio.sleep(0.05)
    await world.created(ADMIN, f"/api/sessions/{session}/attendance", {
        "occurrence_starts_at": starts, "visitors": 11, "reason": "Nachzählung"})
    await signed_in_as(world, AUDITOR)

    # As copied from a PDF's footer: with the entry number and a line break inside.
    pasted = f"Ledger-Kopf {seq}: {chain_hash[:40]}\n{chain_hash[40:]}"
    found = await world.client.get("/auditor/verify", params={"head": pasted})
    made_up = await world.client.get("/auditor/verify", params={"head": "f" * 64})
    garbled = await world.client.get("/auditor/verify", params={"head": "kein Hash"})

    assert f"Die Historie enthält diesen Kopf: Eintrag {seq}, versiegelt am" in found.text
    assert "Besucher: 10 → <strong>11</strong>" in found.text
    assert "Diesen Kopf hat die Historie nie enthalten" in made_up.text
    assert "Bitte prüfen Sie das Feld „Ledger-Kopf“." in garbled.text
