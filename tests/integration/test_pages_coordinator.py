"""The coordinator's pages through the in-process HTTP client: the week view of a site, booking a
room once or weekly from the form, conflicts and bad input shown beside the form, site scope."""

from __future__ import annotations

import asyncio
import json
import re
from datetime import UTC, date, datetime, time, timedelta
from html import unescape
from html.parser import HTMLParser

import pytest
from dateutil.relativedelta import relativedelta

from projections.shift_roster import SHIFT_ROSTER
from projections.training_records import TRAINING_RECORDS
from projections.volunteer_sites import VOLUNTEER_SITES
from tests.dates import berlin, clock_change, next_year
from tests.projection_checks import wait_until_caught_up, workers
from tests.accounts_world import COORDINATOR_A, COORDINATOR_B, VOLUNTEER_SELF
from tests.calendar_projector import projector  # noqa: F401 - a fixture
from tests.coordinator_pages import BERLIN_ZONE, weekday_ahead
from tests.coordinator_pages import (
    MONDAY,
    a_session_dates_question,
    book,
    cancel_form_of,
    cancel_link_of,
    csrf_of,
    in_utc,
    on,
    sign_in_as,
    text_of,
    week_path,
)
from tests.scheduling_world import (  # noqa: F401 - world is a fixture
    World,
    event_count,
    event_types,
    iso,
    world,
)

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]


def week_title(monday: date, word: str = "Woche") -> str:
    return f"{word} {monday:%d.%m.}–{monday + timedelta(days=6):%d.%m.%Y}"


async def test_a_coordinator_sees_the_week_of_its_site_with_every_booking_in_berlin_time(
        world, projector):
    booked = await world.created(COORDINATOR_A, f"/api/rooms/{world.room_a}/bookings", {
        "title": "<b>Chor</b> & Co", "starts_at": berlin(on(2), "18:00"),
        "ends_at": berlin(on(2), "19:30")})
    await sign_in_as(world, COORDINATOR_A)
    response = await world.client.get(week_path(world), params={
        "week": on(3).isoformat(), "min_position": str(booked["position"])})
    assert response.status_code == 200, response.text
    assert "&lt;b&gt;Chor&lt;/b&gt; &amp; Co" in response.text  # data is escaped, never markup
    page = text_of(response.text)
    assert "Dorftreff Linden" in page and "Saal" in page
    assert week_title(MONDAY) in page
    assert f"Mi {on(2):%d.%m.} 18:00–19:30 <b>Chor</b> & Co Buchung" in page


async def test_the_start_page_of_a_coordinator_with_one_site_is_its_week(world, projector):
    await sign_in_as(world, COORDINATOR_A)
    response = await world.client.get("/coordinator", follow_redirects=False)
    assert response.status_code == 303, response.text[:3000]
    assert response.headers["location"] == week_path(world)


async def test_booking_a_weekly_room_shows_every_date_at_once(world, projector, pool):
    # Five Tuesdays, the last two days after the clock change at the end of March.
    last = clock_change(3) + timedelta(days=2)
    first = last - timedelta(weeks=4)
    await sign_in_as(world, COORDINATOR_A)
    response = await book(world, title="Yoga", date=first.isoformat(), start="18:00",
                          end="19:00", weekly="1", until=last.isoformat())
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    monday = first - timedelta(days=1)
    assert location.startswith(week_path(world) + f"?week={monday.isoformat()}&min_position=")
    assert location.endswith("&booked=5")
    # The week view right after the redirect already shows the booking (it waits for it).
    page = text_of((await world.client.get(location)).text)
    assert "Gebucht: 5 Termin(e)." in page
    assert f"Di {first:%d.%m.} 18:00–19:00 Yoga" in page
    # Past the clock change it is still 18:00 in Berlin.
    later = text_of((await world.client.get(week_path(world),
                                            params={"week": last.isoformat()})).text)
    assert f"Di {last:%d.%m.} 18:00–19:00 Yoga" in later


async def test_a_booking_in_a_taken_room_shows_the_conflicts_beside_the_form_and_keeps_the_input(
        world, projector, pool):
    await world.created(COORDINATOR_A, f"/api/rooms/{world.room_a}/bookings", {
        "title": "Seniorencafé", "starts_at": berlin(on(8), "14:00"),
        "ends_at": berlin(on(8), "17:00")})
    await sign_in_as(world, COORDINATOR_A)
    before = await event_count(pool)
    response = await book(world, title="Chorprobe", date=on(1).isoformat(), start="16:30",
                          end="18:00", weekly="1", until=on(15).isoformat())
    assert response.status_code == 409, response.text
    page = text_of(response.text)
    assert "Der Raum ist zu 1 Zeit(en) schon belegt. Nichts wurde gebucht:" in page
    assert f"Di {on(8):%d.%m.} 14:00–17:00: Seniorencafé" in page
    assert 'value="Chorprobe"' in response.text and 'value="16:30"' in response.text
    assert f'value="{on(15).isoformat()}"' in response.text
    assert 'name="weekly" type="checkbox" value="1" checked' in response.text
    assert await event_count(pool) == before


async def test_a_refused_series_books_its_free_dates_only_on_request_atomically(
        world, projector, pool):
    tuesday = weekday_ahead(2, 1)
    taken = tuesday + timedelta(days=7, hours=15)
    await world.created(COORDINATOR_A, f"/api/rooms/{world.room_a}/bookings", {
        "title": "Seniorencafé", "starts_at": iso(taken),
        "ends_at": iso(taken + timedelta(hours=2))})
    await sign_in_as(world, COORDINATOR_A)
    last = tuesday + timedelta(days=14)
    before = await event_count(pool)
    refused = await book(world, title="Chorprobe", date=f"{tuesday:%Y-%m-%d}", start="16:30",
                         end="18:00", weekly="1", until=f"{last:%Y-%m-%d}")
    assert refused.status_code == 409, refused.text
    page = text_of(refused.text)
    assert (f"Di {taken:%d.%m.} 15:00–17:00: Seniorencafé" in page
            and "Nur die freien Termine buchen" in page)
    assert await event_count(pool) == before
    # The button sends the same series with the taken date as an exdate.
    button = refused.text[refused.text.index('class="free-dates"'):]
    fields = dict(re.findall(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)"',
                             button[:button.index("</form>")]))
    assert fields["exdates"] == (taken + timedelta(minutes=90)).astimezone(UTC).isoformat()
    response = await world.client.post(f"/coordinator/sites/{world.site_a}/bookings",
                                       data=fields, follow_redirects=False)
    assert response.status_code == 303, response.text
    assert response.headers["location"].endswith("&booked=2&skipped=1")
    assert await event_types(pool, before) == ["room.booked"]  # one atomic append
    week = text_of((await world.client.get(response.headers["location"])).text)
    assert "Gebucht: 2 Termin(e). Ausgelassen, weil der Raum belegt ist: 1 Termin(e)." in week
    assert f"Di {tuesday:%d.%m.} 16:30–18:00 Chorprobe" in week
    following = text_of((await world.client.get(week_path(world), params={
        "week": f"{taken:%Y-%m-%d}"})).text)
    assert "Chorprobe" not in following and "15:00–17:00 Seniorencafé" in following
    third = text_of((await world.client.get(week_path(world), params={
        "week": f"{last:%Y-%m-%d}"})).text)
    assert f"Di {last:%d.%m.} 16:30–18:00 Chorprobe" in third


async def test_bad_input_is_named_beside_its_field_and_nothing_is_stored(world, projector, pool):
    await sign_in_as(world, COORDINATOR_A)
    before = await event_count(pool)
    cases = [
        ({"title": "Yoga", "date": on(1).isoformat(), "start": "18:00", "end": "17:00"},
         "end", "Das Ende muss nach dem Beginn liegen."),
        ({"title": " ", "date": on(1).isoformat(), "start": "18:00", "end": "19:00"},
         "title", "Bitte ausfüllen."),
        ({"title": "Yoga\x00Abend", "date": on(1).isoformat(), "start": "18:00", "end": "19:00"},
         "title", "Bitte ohne Steuerzeichen"),
        ({"title": "Yoga", "date": "2.3.27", "start": "18:00", "end": "19:00"},
         "date", "Bitte ein Datum angeben"),
        ({"title": "Yoga", "date": clock_change(3).isoformat(), "start": "02:30", "end": "04:00"},
         "start", "Diese Uhrzeit gibt es wegen der Zeitumstellung nicht."),
        ({"title": "Yoga", "date": on(1).isoformat(), "start": "18:00", "end": "19:00",
          "weekly": "1"}, "until", "Bitte ausfüllen."),
        ({"title": "Yoga", "start": "18:00", "end": "19:00", "date": (
            datetime.now(BERLIN_ZONE).date() + relativedelta(years=2, days=2)).isoformat()},
         "start", "höchstens zwei Jahre vor oder nach heute"),
        ({"title": "Yoga", "date": on(1).isoformat(), "start": "18:00", "end": "19:00",
          "weekly": "1", "until": f"{next_year() + 3}-01-01"}, "until",
         "höchstens zwei Jahre dauern"),
    ]
    for fields, field, message in cases:
        response = await book(world, **fields)
        assert response.status_code == 422, (fields, response.text)
        error = re.search(rf'<p class="error" id="{field}-error">([^<]*)</p>', response.text)
        assert error and message in unescape(error.group(1)), (fields, response.text)
        assert f'aria-describedby="{field}-error"' in response.text or field == "until"
    assert await event_count(pool) == before


async def test_coordinators_act_only_for_their_sites_and_volunteers_not_at_all(world, projector,
                                                                               pool):
    before = await event_count(pool)
    for caller in (COORDINATOR_B, VOLUNTEER_SELF):
        await sign_in_as(world, COORDINATOR_A)
        form = await world.client.get(week_path(world))
        token = csrf_of(form.text)
        await sign_in_as(world, caller)
        assert (await world.client.get(week_path(world))).status_code == 403
        response = await world.client.post(
            f"/coordinator/sites/{world.site_a}/bookings",
            data={"room_id": str(world.room_a), "title": "X", "date": on(1).isoformat(),
                  "start": "18:00", "end": "19:00", "_csrf_token": token})
        assert response.status_code == 403
        assert "Dafür fehlt Ihnen die Berechtigung." in response.text  # the guard, not CSRF
    # A room of another site cannot be booked through this site's form.
    await sign_in_as(world, COORDINATOR_B)
    form = await world.client.get(f"/coordinator/sites/{world.site_b}/week")
    assert form.status_code == 200
    response = await world.client.post(
        f"/coordinator/sites/{world.site_b}/bookings",
        data={"room_id": str(world.room_a), "title": "X", "date": on(1).isoformat(),
              "start": "18:00", "end": "19:00", "_csrf_token": csrf_of(form.text)})
    assert response.status_code == 422
    assert "Bitte einen Raum dieses Standorts wählen." in text_of(response.text)
    assert await event_count(pool) == before


async def test_the_week_view_speaks_english_when_asked(world, projector):
    await sign_in_as(world, COORDINATOR_A)
    page = text_of((await world.client.get(week_path(world),
                                           params={"lang": "en", "week": MONDAY.isoformat()})).text)
    assert "Book a room" in page and week_title(MONDAY, "Week") in page
    assert f"Mon {MONDAY:%d.%m.}" in page


async def test_who_needs_a_refresher_lists_names_and_expiry_dates_of_the_site(
        world, pool, database_url, servers, broker_namespace):
    starts = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=3)
    training = await world.created(COORDINATOR_A, "/api/trainings", {
        "site_id": str(world.site_a), "room_id": str(world.room_a), "title": "Hygiene",
        "qualification": "food_hygiene", "valid_for_months": 1, "starts_at": iso(starts),
        "ends_at": iso(starts + timedelta(hours=2)), "capacity": 5})
    await world.created(COORDINATOR_A, f"/api/trainings/{training['id']}/enrollments",
                        {"volunteer_id": str(world.alice)})
    await asyncio.sleep(max(0.0, (starts - datetime.now(UTC)).total_seconds()) + 0.2)
    await world.created(COORDINATOR_A, f"/api/trainings/{training['id']}/completion",
                        {"attended": [str(world.alice)]})
    # The list follows where Alice serves: a shift at site A.
    serving = starts + timedelta(days=1)
    shift = await world.created(COORDINATOR_A, "/api/shifts", {
        "site_id": str(world.site_a), "title": "Tresen", "starts_at": iso(serving),
        "ends_at": iso(serving + timedelta(hours=2)), "capacity": 2})
    await world.created(COORDINATOR_A, f"/api/shifts/{shift['id']}/claims",
                        {"volunteer_id": str(world.alice)})
    with workers(database_url, servers.redis_url, broker_namespace, 1) as (worker,):
        await wait_until_caught_up(pool, [TRAINING_RECORDS, VOLUNTEER_SITES], worker)
    await sign_in_as(world, COORDINATOR_A)
    moved = await world.client.get(f"/coordinator/sites/{world.site_a}/refreshers",
                                   follow_redirects=False)
    assert moved.headers["location"].startswith(f"/coordinator/sites/{world.site_a}/trainings")
    page = text_of((await world.client.get(
        f"/coordinator/sites/{world.site_a}/trainings")).text)
    # As the product reckons it (services/trainings/decider.py, qualification_valid_until): a
    # month on from the Berlin wall-clock start, not from the UTC one.
    valid_until = (starts.astimezone(BERLIN_ZONE) + relativedelta(months=1)).date()
    assert f"Alice Lebensmittelhygiene: gültig bis {valid_until.strftime('%d.%m.%Y')}" in page
    await sign_in_as(world, COORDINATOR_B)
    assert (await world.client.get(
        f"/coordinator/sites/{world.site_a}/trainings")).status_code == 403
    elsewhere = text_of((await world.client.get(
        f"/coordinator/sites/{world.site_b}/trainings")).text)
    assert "Niemand braucht gerade eine Auffrischung." in elsewhere and "Alice" not in elsewhere


# Recording attendance ---------------------------------------------------------------------------


@pytest.fixture
def worker(database_url, servers, broker_namespace):
    """A real Dramatiq worker keeping every read model live (attendance_stats among them)."""
    with workers(database_url, servers.redis_url, broker_namespace, 1,
                 wait_on_exit=False) as started:
        yield started


def attendance_path(world: World, site=None) -> str:
    return f"/coordinator/sites/{site or world.site_a}/attendance"


def weeks_later(moment: datetime, weeks: int) -> datetime:
    """The same Berlin wall-clock time ``weeks`` later, as a weekly series repeats (the rule runs
    on local time: services/rooms/recurrence.py), so across a clock change it is 7 days ± 1 hour."""
    return (moment.astimezone(BERLIN_ZONE) + timedelta(weeks=weeks)).astimezone(UTC)


async def held_sessions(world: World) -> tuple[int, datetime, datetime]:
    """An offer at site A held weekly at 10:00 Berlin time: 8 days and 1 day ago (the first
    counted), and in 6 days. At a fixed hour, an occurrence never runs past midnight (shown then
    as "HH:MM–dd.mm. HH:MM") nor begins in the hour the clocks skip or repeat."""
    offer = await world.created(COORDINATOR_A, "/api/offers", {
        "site_id": str(world.site_a), "title": "Sitzgymnastik", "category": "movement"})
    today = datetime.now(BERLIN_ZONE).date()
    first = datetime.combine(today - timedelta(days=8), time(10), BERLIN_ZONE).astimezone(UTC)
    second = weeks_later(first, 1)
    session = await world.created(COORDINATOR_A, f"/api/offers/{offer['id']}/sessions", {
        "room_id": str(world.room_a), "starts_at": iso(first),
        "ends_at": iso(first + timedelta(hours=1)),
        "recurrence": {"rrule": "FREQ=WEEKLY", "count": 3}})
    counted = await world.created(COORDINATOR_A, f"/api/sessions/{session['id']}/attendance",
                                  {"occurrence_starts_at": iso(first), "visitors": 12})
    return counted["position"], first, second


def shown(moment: datetime) -> str:
    return moment.astimezone(BERLIN_ZONE).strftime("%d.%m.%Y %H:%M")


def counts_shown(page: str) -> dict[str, int]:
    """Each counted occurrence's start and count, read as "dd.mm.yyyy HH:MM–HH:MM n Besucher"
    (a bare "12 Besucher" would also match the end time 11:12 followed by the count's label)."""
    return {start: int(count) for start, count in re.findall(
        r"(\d\d\.\d\d\.\d{4} \d\d:\d\d)–\d\d:\d\d (\d+) Besucher", page)}


def form_of(html: str, starts_at: datetime) -> dict[str, str]:
    """The hidden fields of one occurrence's form on the attendance page."""
    occurrence = starts_at.astimezone(UTC).isoformat()
    match = re.search(
        r'name="request_key" value="([^"]+)">\s*<input type="hidden" name="session_id" '
        rf'value="([^"]+)">\s*<input type="hidden" name="occurrence" value="{re.escape(occurrence)}"',
        html)
    assert match, f"no form for {occurrence}"
    return {"request_key": match.group(1), "session_id": match.group(2),
            "occurrence": occurrence, "_csrf_token": csrf_of(html)}


async def attendance_page(world: World, after: int | None = None) -> str:
    params = {"min_position": str(after)} if after is not None else {}
    response = await world.client.get(attendance_path(world), params=params)
    assert response.status_code == 200, response.text
    return response.text


async def test_held_sessions_are_listed_with_and_without_a_count_and_a_count_is_recorded(
        world, worker, pool):
    position, first, second = await held_sessions(world)
    await sign_in_as(world, COORDINATOR_A)
    html = await attendance_page(world, position)
    page = text_of(html)
    unrecorded, counted = page.split("Noch ohne Zahl")[1].split("Erfasst")
    assert re.search(rf"Sitzgymnastik \w\w {shown(second)}", unrecorded)
    assert shown(first) not in unrecorded
    assert re.search(rf"Sitzgymnastik \w\w {shown(first)}–\d\d:\d\d 12 Besucher", counted)
    # The third occurrence lies in the future: nothing to count yet.
    assert shown(weeks_later(first, 2)) not in page
    response = await world.client.post(attendance_path(world), data={
        **form_of(html, second), "visitors": "9"}, follow_redirects=False)
    assert response.status_code == 303, response.text
    assert "min_position=" in response.headers["location"]
    after = text_of((await world.client.get(response.headers["location"])).text)
    assert "Gespeichert." in after and "Alle Termine sind erfasst." in after
    assert counts_shown(after.split("Erfasst")[1]) == {shown(first): 12, shown(second): 9}
    assert await pool.fetchval(
        "SELECT count(*) FROM events WHERE type = 'session.attendance_recorded'") == 2


async def test_a_second_count_is_a_correction_that_needs_a_reason(world, worker, pool):
    position, first, _ = await held_sessions(world)
    await sign_in_as(world, COORDINATOR_A)
    html = await attendance_page(world, position)
    before = await event_count(pool)
    refused = await world.client.post(attendance_path(world), data={
        **form_of(html, first), "visitors": "14", "reason": "  "}, follow_redirects=False)
    assert refused.status_code == 422, refused.text
    error = re.search(r'<p class="error" id="(c\d+)-reason-error">([^<]*)</p>', refused.text)
    assert error and error.group(2) == "Eine Korrektur braucht einen Grund."
    assert f'aria-describedby="{error.group(1)}-reason-error"' in refused.text
    assert re.search(rf'id="{error.group(1)}-visitors"[^>]*value="14"', refused.text)
    assert await event_count(pool) == before
    corrected = await world.client.post(attendance_path(world), data={
        **form_of(refused.text, first), "visitors": "14", "reason": "falsch gezählt"},
        follow_redirects=False)
    assert corrected.status_code == 303, corrected.text
    after = text_of((await world.client.get(corrected.headers["location"])).text)
    assert counts_shown(after) == {shown(first): 14}
    assert await pool.fetchval(
        "SELECT count(*) FROM events WHERE type = 'session.attendance_corrected'") == 1


async def test_a_count_that_is_no_whole_number_is_named_at_its_field(world, worker, pool):
    position, _, second = await held_sessions(world)
    await sign_in_as(world, COORDINATOR_A)
    html = await attendance_page(world, position)
    before = await event_count(pool)
    for visitors, message in (("", "Bitte ausfüllen."),
                              ("-3", "Bitte eine ganze Zahl ab 0 angeben."),
                              ("viele", "Bitte eine ganze Zahl ab 0 angeben.")):
        response = await world.client.post(attendance_path(world), data={
            **form_of(html, second), "visitors": visitors}, follow_redirects=False)
        assert response.status_code == 422, (visitors, response.text)
        error = re.search(r'<p class="error" id="u\d+-visitors-error">([^<]*)</p>', response.text)
        assert error and error.group(1) == message, (visitors, response.text)
    assert await event_count(pool) == before


async def test_attendance_is_recorded_only_by_the_coordinators_of_the_sessions_site(
        world, worker, pool):
    position, _, second = await held_sessions(world)
    await sign_in_as(world, COORDINATOR_A)
    html = await attendance_page(world, position)
    fields = {**form_of(html, second), "visitors": "5"}
    before = await event_count(pool)
    for caller in (COORDINATOR_B, VOLUNTEER_SELF):
        await sign_in_as(world, caller)
        assert (await world.client.get(attendance_path(world))).status_code == 403
        response = await world.client.post(attendance_path(world), data=fields)
        assert response.status_code == 403
    # Site B's page cannot name a session of site A.
    await sign_in_as(world, COORDINATOR_B)
    response = await world.client.post(attendance_path(world, world.site_b), data=fields)
    assert response.status_code == 422
    assert "Diesen Termin gibt es an diesem Standort nicht." in text_of(response.text)
    assert await event_count(pool) == before


# Planning shifts and trainings ------------------------------------------------------------------


def plan_path(world: World) -> str:
    return f"/coordinator/sites/{world.site_a}/plan"


async def plan_form(world: World, pool, action: str) -> dict[str, str]:
    """The CSRF token and the per-render key of the plan page's form posting to ``action``,
    read once the page shows every event written so far."""
    after = await pool.fetchval("SELECT coalesce(max(position), 0) FROM events")
    response = await world.client.get(plan_path(world), params={"min_position": str(after)})
    assert response.status_code == 200, response.text
    form = response.text.split(f'action="/coordinator/sites/{world.site_a}/{action}"')[1]
    key = re.search(r'name="request_key" value="([^"]+)"', form).group(1)
    return {"_csrf_token": csrf_of(response.text), "request_key": key}


async def test_a_shift_is_planned_for_a_coming_session_with_its_qualifications(
        world, worker, pool):
    # In 30 days: the plan page names the sessions of the coming year only.
    day = datetime.now(BERLIN_ZONE).date() + timedelta(days=30)
    starts = datetime.combine(day, time(10), BERLIN_ZONE)
    offer = await world.created(COORDINATOR_A, "/api/offers", {
        "site_id": str(world.site_a), "title": "Repair-Café", "category": "community"})
    session = await world.created(COORDINATOR_A, f"/api/offers/{offer['id']}/sessions", {
        "room_id": str(world.room_a), "starts_at": iso(starts),
        "ends_at": iso(starts + timedelta(hours=3))})
    await sign_in_as(world, COORDINATOR_A)
    page = (await world.client.get(plan_path(world),
                                   params={"min_position": str(session["position"])})).text
    assert f"Repair-Café (nächster Termin {day:%d.%m.%Y} 10:00)" in text_of(page)
    response = await world.client.post(f"/coordinator/sites/{world.site_a}/shifts", data={
        **await plan_form(world, pool, "shifts"), "title": "Tresen", "date": day.isoformat(),
        "start": "09:30", "end": "13:30", "capacity": "2",
        "qualifications": ["food_hygiene", "first_aid"], "session_id": session["id"]},
        follow_redirects=False)
    assert response.status_code == 303, response.text
    assert "Die Schicht ist angelegt." in text_of(
        (await world.client.get(response.headers["location"])).text)
    created = json.loads(await pool.fetchval(
        "SELECT data FROM events WHERE type = 'shift.created'"))
    assert created["title"] == "Tresen" and created["capacity"] == 2
    assert created["required_qualifications"] == ["food_hygiene", "first_aid"]
    assert created["session_id"] == session["id"]
    shift_starts = datetime.combine(day, time(9, 30), BERLIN_ZONE).astimezone(UTC)
    assert created["starts_at"] == shift_starts.isoformat().replace("+00:00", "Z")


async def test_bad_shift_input_is_named_beside_its_field_and_nothing_is_stored(
        world, worker, pool):
    await sign_in_as(world, COORDINATOR_A)
    before = await event_count(pool)
    good = {"title": "Tresen", "date": on(5).isoformat(), "start": "09:30", "end": "13:30",
            "capacity": "2"}
    cases = [({"capacity": "0"}, "capacity", "Bitte eine ganze Zahl ab 1 angeben."),
             ({"capacity": ""}, "capacity", "Bitte ausfüllen."),
             ({"end": "09:00"}, "end", "Das Ende muss nach dem Beginn liegen."),
             ({"title": ""}, "title", "Bitte ausfüllen."),
             ({"title": "Tresen\x00dienst"}, "title", "Bitte ohne Steuerzeichen"),
             ({"session_id": "f" * 8}, "session_id", "Bitte ein Angebot dieses Standorts")]
    for change, field, message in cases:
        response = await world.client.post(f"/coordinator/sites/{world.site_a}/shifts", data={
            **await plan_form(world, pool, "shifts"), **good, **change})
        assert response.status_code == 422, (change, response.text)
        error = re.search(rf'<p class="error" id="shift-{field}-error">([^<]*)</p>',
                          response.text)
        assert error and message in unescape(error.group(1)), (change, response.text)
        assert 'value="Tresen"' in response.text or field == "title"
    assert await event_count(pool) == before


async def test_a_training_books_its_room_and_shows_in_the_week(world, worker, pool):
    await sign_in_as(world, COORDINATOR_A)
    response = await world.client.post(f"/coordinator/sites/{world.site_a}/trainings", data={
        **await plan_form(world, pool, "trainings"), "room_id": str(world.room_a),
        "title": "Erste Hilfe am Kind", "qualification": "first_aid",
        "valid_for_months": "24", "capacity": "12", "date": on(9).isoformat(),
        "start": "17:00", "end": "20:00"}, follow_redirects=False)
    assert response.status_code == 303, response.text
    assert response.headers["location"].startswith(week_path(world) + f"?week={on(7)}")
    page = text_of((await world.client.get(response.headers["location"])).text)
    assert f"Mi {on(9):%d.%m.} 17:00–20:00 Erste Hilfe am Kind Schulung" in page
    assert (await event_types(pool))[-2:] == ["room.booked", "training.planned"]


async def test_a_training_in_a_taken_room_shows_the_conflicts_and_stores_nothing(
        world, worker, pool):
    await world.created(COORDINATOR_A, f"/api/rooms/{world.room_a}/bookings", {
        "title": "Chor", "starts_at": berlin(on(9), "18:30"),
        "ends_at": berlin(on(9), "21:00")})
    await sign_in_as(world, COORDINATOR_A)
    before = await event_count(pool)
    response = await world.client.post(f"/coordinator/sites/{world.site_a}/trainings", data={
        **await plan_form(world, pool, "trainings"), "room_id": str(world.room_a),
        "title": "Hygiene", "qualification": "food_hygiene", "valid_for_months": "12",
        "capacity": "8", "date": on(9).isoformat(), "start": "17:00", "end": "19:00"})
    assert response.status_code == 409, response.text
    assert f"Mi {on(9):%d.%m.} 18:30–21:00: Chor" in text_of(response.text)
    assert 'value="Hygiene"' in response.text and 'value="food_hygiene"' in response.text
    bad = await world.client.post(f"/coordinator/sites/{world.site_a}/trainings", data={
        **await plan_form(world, pool, "trainings"), "room_id": str(world.room_a),
        "title": "Hygiene", "qualification": " ", "valid_for_months": "12",
        "capacity": "8", "date": on(10).isoformat(), "start": "17:00", "end": "19:00"})
    assert bad.status_code == 422
    assert re.search(r'id="training-qualification-error">Bitte ausfüllen.<', bad.text)
    assert await event_count(pool) == before


# Cancelling from the week view ------------------------------------------------------------------


async def test_one_date_or_the_rest_of_a_series_is_cancelled_from_the_week_view(
        world, projector, pool):
    booked = await world.created(COORDINATOR_A, f"/api/rooms/{world.room_a}/bookings", {
        "title": "Yoga", "starts_at": berlin(on(1), "18:00"),
        "ends_at": berlin(on(1), "19:00"),
        "recurrence": {"rrule": "FREQ=WEEKLY", "count": 4}})
    await sign_in_as(world, COORDINATOR_A)
    html = (await world.client.get(week_path(world), params={
        "week": MONDAY.isoformat(), "min_position": str(booked["position"])})).text
    # Without a reason the question is asked again, and nothing is cancelled.
    before = await event_count(pool)
    unanswered = await world.client.post(
        f"/coordinator/sites/{world.site_a}/cancellations",
        data=await cancel_form_of(world, html, in_utc(on(1), "18:00"), "occurrence", ""))
    assert unanswered.status_code == 422
    assert "Bitte einen Grund angeben" in text_of(unanswered.text)
    assert await event_count(pool) == before
    response = await world.client.post(
        f"/coordinator/sites/{world.site_a}/cancellations",
        data=await cancel_form_of(world, html, in_utc(on(1), "18:00"), "occurrence"),
        follow_redirects=False)
    assert response.status_code == 303, response.text
    assert response.headers["location"].startswith(week_path(world) + f"?week={MONDAY}&")
    page = text_of((await world.client.get(response.headers["location"])).text)
    assert "Abgesagt: 1 Termin(e)." in page
    assert f"Di {on(1):%d.%m.} 18:00–19:00 Yoga Buchung abgesagt" in page
    # The rest of the series, from a date of the next week (a second tab shows it too).
    stale = (await world.client.get(week_path(world), params={"week": on(14).isoformat()})).text
    html = (await world.client.get(week_path(world), params={"week": on(7).isoformat()})).text
    response = await world.client.post(
        f"/coordinator/sites/{world.site_a}/cancellations",
        data=await cancel_form_of(world, html, in_utc(on(8), "18:00"), "series"),
        follow_redirects=False)
    assert response.status_code == 303, response.text
    assert text_of((await world.client.get(response.headers["location"])).text).count(
        "Abgesagt: 3 Termin(e).") == 1
    assert (await event_types(pool))[-2:] == ["room.occurrences_cancelled"] * 2
    # Cancelled again from the other tab: refused in words, nothing stored.
    before = await event_count(pool)
    again = await world.client.post(
        f"/coordinator/sites/{world.site_a}/cancellations",
        data=await cancel_form_of(world, stale, in_utc(on(15), "18:00"), "occurrence"))
    assert again.status_code == 409
    assert "Dieser Termin ist schon abgesagt." in text_of(again.text)
    assert await event_count(pool) == before


class _Checks(HTMLParser):
    """The classes of the elements around each ``.check`` (a box and its words) of a page."""

    VOID = frozenset({"input", "br", "img", "meta", "link", "hr"})

    def __init__(self) -> None:
        super().__init__()
        self.open: list[set[str]] = []
        self.around: list[set[str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = set((dict(attrs).get("class") or "").split())
        if "check" in classes:
            self.around.append(set().union(*self.open))
        if tag not in self.VOID:
            self.open.append(classes)

    def handle_endtag(self, tag: str) -> None:
        if tag not in self.VOID and self.open:
            self.open.pop()


async def test_the_public_reason_box_of_a_session_dates_question_sits_beside_its_words(
        world, projector):
    """The stylesheet lays a ``.check`` out as a row (box, then its words) only inside the
    containers it names. The question before a session's date is cancelled (``.confirm``) was
    none of them: "Grund öffentlich zeigen" stood as a bold line like a heading, its box alone
    and centred on the line above, at phone and desktop width."""
    *_, question = await a_session_dates_question(world, "Mittagstisch", "community", on(1),
                                                  "12:00", "14:00")
    assert "Grund öffentlich zeigen" in text_of(question)
    checks = _Checks()
    checks.feed(question)
    assert checks.around, "the question shows no box"
    stylesheet = (await world.client.get("/static/treffpunkt.css")).text
    laid_out = {container for selectors, body in re.findall(r"([^{}]+)\{([^{}]*)\}", stylesheet)
                if re.search(r"display:\s*flex", body)
                for container in re.findall(r"\.([\w-]+) \.check\b(?![\w-])", selectors)}
    for around in checks.around:
        assert around & laid_out, f"a box in {sorted(around)}: no row layout for it"


async def test_only_dates_still_ahead_can_be_cancelled_and_only_by_the_sites_coordinators(
        world, projector, pool):
    past = (datetime.now(UTC) - timedelta(days=1)).replace(microsecond=0)
    booked = await world.created(COORDINATOR_A, f"/api/rooms/{world.room_a}/bookings", {
        "title": "Skat", "starts_at": iso(past), "ends_at": iso(past + timedelta(hours=1)),
        "recurrence": {"rrule": "FREQ=DAILY", "count": 3}})
    await sign_in_as(world, COORDINATOR_A)
    ahead = (past.astimezone(BERLIN_ZONE) + timedelta(days=2)).astimezone(UTC)  # a daily rule too
    pages = {}
    for moment in (past, ahead):
        pages[moment] = (await world.client.get(week_path(world), params={
            "week": moment.astimezone(BERLIN_ZONE).date().isoformat(),
            "min_position": str(booked["position"])})).text
        assert moment.astimezone(BERLIN_ZONE).strftime("%d.%m. %H:%M") in text_of(pages[moment])
    # The date that began has no cancel link; the one ahead has.
    with pytest.raises(AssertionError):
        cancel_link_of(pages[past], past.isoformat(), "occurrence")
    html, tomorrow = pages[ahead], ahead.isoformat()
    fields = await cancel_form_of(world, html, tomorrow, "occurrence")
    before = await event_count(pool)
    for caller in (COORDINATOR_B, VOLUNTEER_SELF):
        await sign_in_as(world, caller)
        response = await world.client.post(
            f"/coordinator/sites/{world.site_a}/cancellations", data=fields)
        assert response.status_code == 403
    await sign_in_as(world, COORDINATOR_B)
    elsewhere = await world.client.post(
        f"/coordinator/sites/{world.site_b}/cancellations", data=fields)
    assert elsewhere.status_code == 422
    assert "Diesen Termin gibt es hier nicht." in text_of(elsewhere.text)
    assert await event_count(pool) == before


async def test_a_removal_or_unenrolment_question_names_only_someone_on_the_shift_or_training(
        world, pool, database_url, servers, broker_namespace):
    """The questions show a name: only of someone holding or waiting for the shift, or enrolled
    in the training; any other volunteer id is a 404, so no page reads out names by id."""
    starts = datetime.now(UTC).replace(microsecond=0) + timedelta(days=2)
    shift = await world.created(COORDINATOR_A, "/api/shifts", {
        "site_id": str(world.site_a), "title": "Tresen", "starts_at": iso(starts),
        "ends_at": iso(starts + timedelta(hours=2)), "capacity": 2})
    await world.created(COORDINATOR_A, f"/api/shifts/{shift['id']}/claims",
                        {"volunteer_id": str(world.alice)})
    training = await world.created(COORDINATOR_A, "/api/trainings", {
        "site_id": str(world.site_a), "room_id": str(world.room_a), "title": "Hygiene",
        "qualification": "food_hygiene", "valid_for_months": 12, "starts_at": iso(starts),
        "ends_at": iso(starts + timedelta(hours=2)), "capacity": 5})
    await world.created(COORDINATOR_A, f"/api/trainings/{training['id']}/enrollments",
                        {"volunteer_id": str(world.alice)})
    with workers(database_url, servers.redis_url, broker_namespace, 1) as (worker,):
        await wait_until_caught_up(pool, [TRAINING_RECORDS, SHIFT_ROSTER], worker)
    await sign_in_as(world, COORDINATOR_A)
    removal = f"/coordinator/shifts/{shift['id']}/removal"
    unenrolment = f"/coordinator/trainings/{training['id']}/unenrolment"
    assert "Alice" in (await world.client.get(f"{removal}/{world.alice}")).text
    assert (await world.client.get(f"{removal}/{world.bernd}")).status_code == 404
    assert "Alice" in (await world.client.get(f"{unenrolment}/{world.alice}")).text
    assert (await world.client.get(f"{unenrolment}/{world.bernd}")).status_code == 404
