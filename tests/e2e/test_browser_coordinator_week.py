"""A coordinator's week in a real browser over the demo programme (issue 20): a qualification
defined in the admin's catalogue and required by a weekly shift series; on the Angebote page, a
shift for every coming date of the demo's Mittagstisch (with food hygiene), filled from the roster
page until someone waits, a holder taken off (the first waiting moves up), and that date cancelled
with a reason (its shifts and the people on them go with it); a count recorded for a session
nobody counted and then corrected with a reason; who served with a walk-in and actual times; a
shift cancelled on its own; a training planned and someone whose first aid runs out enrolled into
it from the refresher list, and attendance confirmed; the hours in the figures and the funding
report. Nothing through the API (the walk counts its requests to /api/: none): every step is a
page, as a coordinator of one Dorftreff does it.

Each page is photographed at phone (390 px) and desktop (1280 px) width under
``.treffpunkt/screenshots/coordinator-week-*.png``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit
from uuid import UUID, uuid4

import pytest

from events.base import EventMetadata
from events.catalog import registry
from events.store import EventStore
from projections import directory, training_records, volunteer_sites
from services.commands.handler import CommandHandler
from services.offers.decider import OFFERS, ScheduleSession
from services.pages.local_time import BERLIN
from services.platform.settings import DEMO_ADMIN_EMAIL
from services.trainings.decider import (
    TRAININGS,
    CompleteTraining,
    EnrollInTraining,
    PlanTraining,
)
from services.volunteers import service as volunteers
from services.volunteers.state import VOLUNTEER, Volunteer as VolunteerState
from tests.browsing import CHROMIUM, DESKTOP, policy_violations, sign_in_on
from tests.served_demo import DEMO_PASSWORD, site
from tests.week_browsing import COORDINATOR, photographed

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(400)]

AUDITOR = "pruefung@treffpunkt.example"
PLANT_CARE = "Blumenpflege (Test)"
"""The qualification the walk defines first and its weekly shift series then requires."""
WASHING_UP = "Mittagstisch: Spülküche"
"""The shift the walk plans for every Mittagstisch date."""
REFUSED_ASSIGNMENTS = (
    "Dieser Person fehlt eine am Schichttag gültige Qualifikation: Lebensmittelhygiene.",
    "Diese Person hat zur selben Zeit eine andere Schicht.",
)
"""What the roster page says when the checks of a claim refuse the one chosen in its select."""

async_api = pytest.importorskip("playwright.async_api")
expect = async_api.expect


async def first_aid_course(pool, title: str, held: datetime, hours: int,
                           pick: Callable[[VolunteerState], bool], *, count: int,
                           actor: str, not_booked_into_a_coming_one: bool = False,
                           ) -> tuple[EventStore, list[UUID], UUID, EventMetadata]:
    """A first-aid course in Eggermühlen held at ``held`` (planned two weeks before) with the
    first ``count`` active volunteers of the village that ``pick`` accepts enrolled (with
    ``not_booked_into_a_coming_one``, only those the demo has not enrolled in a coming first-aid
    course: the refresher list offers them none), written as the demo writes its year (each
    command at its moment)."""
    store = EventStore(pool, registry)
    commands = CommandHandler(store)
    village = next(s for s in await directory.sites(pool) if s["village"] == "Eggermühlen")
    room = (await directory.rooms(pool, village["id"]))[0]
    chosen = []
    for volunteer_id in await volunteer_sites.volunteers_at(pool, village["id"]):
        state = await commands.state(VOLUNTEER(volunteer_id))
        if state.active and pick(state) and len(chosen) < count and not (
                not_booked_into_a_coming_one
                and await booked_into_a_coming_first_aid_course(pool, volunteer_id)):
            chosen.append(volunteer_id)
    assert len(chosen) == count, f"fewer than {count} volunteers of Eggermühlen to enrol"
    planned, training_id = held - timedelta(days=14), uuid4()
    metadata = EventMetadata(actor=actor)
    await commands.handle(TRAININGS, PlanTraining(
        training_id=training_id, booking_id=uuid4(), site_id=village["id"], room_id=room["id"],
        title=title, qualification="first_aid", valid_for_months=24, starts_at=held,
        ends_at=held + timedelta(hours=hours), capacity=6, now=planned), metadata)
    for volunteer_id in chosen:
        await commands.handle(TRAININGS, EnrollInTraining(
            training_id=training_id, volunteer_id=volunteer_id, now=planned), metadata)
    return store, chosen, training_id, metadata


async def booked_into_a_coming_first_aid_course(pool, volunteer_id: UUID) -> bool:
    return any(t["enrolled"] and t["qualification"] == "first_aid"
               for t in await training_records.upcoming(
                   pool, since=datetime.now(BERLIN), site_ids=None, volunteer_id=volunteer_id))


@pytest.fixture
async def past_training(site) -> str:
    """A first-aid course held yesterday morning with two volunteers enrolled, so that the walk
    can confirm who attended. Returns its title."""
    title = "Erste Hilfe Auffrischung (Test)"
    held = datetime.combine(date.today() - timedelta(days=1), time(6), BERLIN)
    await first_aid_course(site.pool, title, held, 1, lambda state: True, count=2,
                           actor="test:past-training")
    return title


@pytest.fixture
async def first_aid_running_out(site) -> str:
    """A volunteer without first aid and not booked into a coming first-aid course, trained in
    it 23 months ago (valid for 24), so that it runs out within the refresher list's 60 days and
    the list offers the course the walk plans. Returns the volunteer's name."""
    held = datetime.combine(date.today() - timedelta(days=700), time(18), BERLIN)
    store, (volunteer_id,), training_id, metadata = await first_aid_course(
        site.pool, "Erste Hilfe (Test, vor 23 Monaten)", held, 2,
        lambda state: "first_aid" not in state.qualifications, count=1,
        actor="test:first-aid-running-out", not_booked_into_a_coming_one=True)
    await CommandHandler(store).handle(TRAININGS, CompleteTraining(
        training_id=training_id, attended=[volunteer_id], now=held + timedelta(hours=3)),
        metadata)
    return (await volunteers.profile(store, site.pool, volunteer_id)).name


@pytest.fixture
async def uncounted_session(site) -> str:
    """An extra evening of the demo's Hospiz Gesprächskreis in Eggermühlen, held yesterday
    (scheduled a week before) and not counted yet: the walk records its visitors. Returns how
    the attendance page names its date."""
    village = next(s for s in await directory.sites(site.pool) if s["village"] == "Eggermühlen")
    offer = next(o for o in await directory.offers(site.pool, village["id"])
                 if o["title"].startswith("Hospizbegleitung"))
    room = next(r for r in await directory.rooms(site.pool, village["id"])
                if r["name"] == "Gruppenraum")
    held = datetime.combine(date.today() - timedelta(days=1), time(20), BERLIN)
    await CommandHandler(EventStore(site.pool, registry)).handle(OFFERS, ScheduleSession(
        session_id=uuid4(), booking_id=uuid4(), offer_id=offer["id"], room_id=room["id"],
        starts_at=held, ends_at=held + timedelta(minutes=90), now=held - timedelta(days=7)),
        EventMetadata(actor="test:uncounted-session"))
    return f"{held:%d.%m.%Y %H:%M}"


def seen_from(page: Any) -> str:
    """``&min_position=…`` of the page a change led to (its redirect's), for a page opened by its
    address next: that page then waits until the worker behind the pages has folded the change,
    as the pages a change leads to do."""
    position = parse_qs(urlsplit(page.url).query).get("min_position")
    return f"&min_position={position[0]}" if position else ""


def _day_of(line: str) -> date:
    """The date of a line of the Angebote page's dates ("Di 08.12.2026 12:00–14:00 …")."""
    found = re.search(r"(\d{2})\.(\d{2})\.(\d{4})", line)
    assert found, line
    return date(int(found[3]), int(found[2]), int(found[1]))


async def volunteer_hours(page: Any, site_path: str, other_than: float | None = None) -> float:
    """The year's volunteer hours on the figures page (Zahlen); with ``other_than``, asked again
    until the read model shows a change (a worker folds the history behind the page)."""
    for _ in range(40):
        await page.goto(f"{site_path}/statistics")
        text = await page.locator('.totals div:has(dt:text-is("Ehrenamtsstunden")) dd').inner_text()
        hours = float(text.replace(",", "."))
        if hours != other_than:
            return hours
        await page.wait_for_timeout(250)
    raise AssertionError(f"the volunteer hours stayed {other_than}")


async def test_a_coordinator_walks_the_week_in_the_browser(site, past_training,
                                                            first_aid_running_out,
                                                            uncounted_session):
    demo = site.base_url
    async with async_api.async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM),
                                                   args=["--no-sandbox", "--lang=de-DE"])
        try:
            context = await browser.new_context(base_url=demo, viewport=DESKTOP,
                                                locale="de-DE")
            refused = policy_violations(context)
            api_calls = []  # every step is a page: not one request to /api/
            context.on("request", lambda request: api_calls.append(request.url)
                       if urlsplit(request.url).path.startswith("/api/") else None)
            page = await context.new_page()
            # The admin keeps the catalogue: a new qualification, which a shift then requires.
            await page.goto("/coordinator/qualifications/")
            await sign_in_on(page, DEMO_ADMIN_EMAIL, DEMO_PASSWORD)
            await page.wait_for_url(lambda url: "/sign-in" not in url)
            await page.goto("/coordinator/qualifications/")
            defined = page.locator("form[action='/coordinator/qualifications/']")
            await defined.get_by_label("Code").fill("plant_care_test")
            await defined.get_by_label("Name (Deutsch)").fill(PLANT_CARE)
            await defined.get_by_label("Name (Englisch)").fill("Plant care (test)")
            await defined.get_by_label("Gültig für (Monate)").fill("24")
            await defined.get_by_role("button", name="Speichern").click()
            await expect(page.get_by_role("status")).to_have_text("Gespeichert: plant_care_test.")
            await expect(page.locator("table.figures")).to_contain_text(PLANT_CARE)
            await context.clear_cookies()

            await page.goto("/coordinator")
            await sign_in_on(page, COORDINATOR, DEMO_PASSWORD)
            await page.wait_for_url("**/coordinator/sites/*/week")

            site_path = page.url.removesuffix("/week")
            hours_before = await volunteer_hours(page, site_path)
            await photographed(page, "statistics")

            # A new offer and its weekly dates.
            await page.get_by_role("link", name="Angebote", exact=True).click()
            new = page.locator("form[action$='/offers']")
            await new.get_by_label("Name des Angebots").fill("Spieleabend")
            await new.get_by_label("Förderbereich").select_option(label="Soziale Teilhabe")
            await new.get_by_role("button", name="Angebot anlegen").click()
            await expect(page.get_by_role("status")).to_contain_text("Das Angebot ist angelegt.")
            games = page.locator("section.offer", has=page.get_by_role("heading", name="Spieleabend"))
            await games.get_by_text("Termine anlegen (einmal oder wöchentlich)").click()
            first_sunday = date.today() + timedelta(days=13 - date.today().weekday())
            dates = games.locator("form[action$='/sessions']")
            await dates.get_by_label("Raum").select_option(index=0)
            await dates.get_by_label("Datum").fill(first_sunday.isoformat())
            await dates.get_by_label("Beginn").fill("20:00")
            await dates.get_by_label("Ende").fill("21:30")
            await dates.get_by_label("Jede Woche wiederholen").check()
            await dates.get_by_label("Wiederholen bis").fill(
                (first_sunday + timedelta(days=21)).isoformat())
            await games.get_by_role("button", name="Termine anlegen und Raum buchen").click()
            await expect(page.get_by_role("status")).to_have_text(
                "Termine angelegt und Raum gebucht.")
            await expect(games.locator(".dates li")).to_have_count(4)

            # Every Mittagstisch date of the Dorftreff needs kitchen help with food hygiene: one
            # step on the Angebote page makes the shift of each coming date. (The demo's
            # Mittagstisch has its own "Küchendienst" 10:00-14:30 on each date already; the plan
            # takes the washing-up after it, 14:30-16:00, so that the two do not overlap.)
            lunch = page.locator("section.offer", has=page.get_by_role("heading", name="Mittagstisch"))
            here = datetime.now(BERLIN)  # a date that begins within the hour may begin meanwhile
            coming = [day for day in (_day_of(text) for text in await lunch.locator(
                          ".dates li:not(.cancelled):has(a)").all_inner_texts())
                      if day > here.date() or here.hour < 11]
            assert coming, "the demo's Mittagstisch has no coming date"
            await lunch.get_by_text("Schichten für jeden Termin", exact=True).click()
            plan = lunch.locator("form[action$='/shift-plans']")
            await plan.get_by_label("Aufgabe").fill(WASHING_UP)
            await plan.get_by_label("Beginn").fill("14:30")
            await plan.get_by_label("Ende").fill("16:00")
            await plan.get_by_label("Plätze").fill("2")
            await plan.get_by_label("Lebensmittelhygiene").check()
            await plan.get_by_role("button", name="Schichten für jeden Termin anlegen").click()
            await expect(page.get_by_role("status")).to_contain_text("Schichten angelegt")
            await photographed(page, "offers")
            planned = seen_from(page)
            # The Schichten page has the shift on every coming Mittagstisch date, still to fill.
            for day in coming:
                await page.goto(f"{site_path}/shifts?week={day.isoformat()}{planned}")
                washing_up = page.locator(f'section[aria-labelledby="day-{day.isoformat()}"] '
                                          ".shift-row", has_text=WASHING_UP)
                await expect(washing_up).to_have_class(re.compile(r"\bunfilled\b"))
                await expect(washing_up.locator(".badge", has_text="Lebensmittelhygiene")
                             ).to_be_visible()
                if day == coming[0]:
                    await photographed(page, "shifts-planned")
                    first_date_shift = await washing_up.locator("a").get_attribute("href")

            # The first date's shift: assign people from the select until it is full and the next
            # one waits (whom the checks refuse, the page says why); then take a holder off,
            # after a question: the first waiting moves up.
            await page.goto(first_date_shift)
            assign = page.locator("form.assign-form")
            roster = page.locator("section", has=page.locator("#holders-heading"))
            waiting = page.locator("ol.waitlist li .name")
            said = page.get_by_role("status").or_(page.get_by_role("alert"))
            turned_away = []
            while not await waiting.count():
                assert 1 + len(turned_away) < await assign.locator("option").count(), \
                    "the select ran out of volunteers before the shift filled and one waited"
                helper = (await assign.locator("option").nth(1 + len(turned_away))
                          .inner_text()).strip()
                await assign.get_by_label("Ehrenamtliche einteilen").select_option(label=helper)
                async with page.expect_navigation():
                    await assign.get_by_role("button", name="Einteilen").click()
                await expect(said).to_be_visible()
                outcome = (await said.inner_text()).strip()
                if outcome not in ("Eingeteilt.",
                                   "Die Schicht ist voll: auf die Warteliste gesetzt."):
                    assert outcome in REFUSED_ASSIGNMENTS, f"{helper}: {outcome}"
                    turned_away.append(helper)
                    continue
                await expect(roster).to_contain_text(helper)
            await expect(page.get_by_role("status")).to_have_text(
                "Die Schicht ist voll: auf die Warteliste gesetzt.")
            await expect(page.locator("#holders-heading")).to_contain_text("(2/2)")
            await expect(page.locator("ol.waitlist")).to_contain_text(f"1. {helper}")
            await photographed(page, "roster")
            holders = page.locator("ol.roster:not(.waitlist)")
            first = (await holders.locator("li .name").first.inner_text()).strip()
            next_up = (await waiting.first.inner_text()).split(". ", 1)[1].strip()
            await holders.locator("li a.remove").first.click()
            await expect(page.get_by_role("heading", name="Aus der Schicht austragen?")).to_be_visible()
            await expect(page.locator(".question")).to_contain_text(first)
            await photographed(page, "remove-confirm")
            await page.get_by_role("button", name="Ja, austragen").click()
            await expect(page.get_by_role("status")).to_have_text("Ausgetragen.")
            await expect(holders).not_to_contain_text(first)
            await expect(holders).to_contain_text(next_up)  # the first waiting moved up
            await expect(page.locator("ol.waitlist")).to_have_count(0)
            await photographed(page, "removed")
            still_on = [name.strip() for name in await holders.locator("li .name").all_inner_texts()]
            assert len(still_on) == 2, still_on

            # That Mittagstisch date is cancelled on the Angebote page, after the question and
            # with a reason: its shifts go with it, and so do the people on them.
            await page.get_by_role("link", name="Angebote", exact=True).click()
            first_date = lunch.locator(".dates li", has_text=coming[0].strftime("%d.%m.%Y"))
            await first_date.get_by_role("link").click()
            await expect(page.get_by_role("heading", name="Termin absagen?")).to_be_visible()
            await expect(page.locator(".question")).to_contain_text("Mittagstisch")
            await expect(page.get_by_text(
                "Schichten dieses Angebots zu diesen Terminen werden mit abgesagt; wer "
                "eingeteilt ist oder wartet, wird benachrichtigt.")).to_be_visible()
            await page.get_by_label("Grund", exact=True).fill("Die Küche wird gewartet")
            await photographed(page, "cancel-date-confirm")
            await page.get_by_role("button", name="Ja, absagen").click()
            await expect(page.get_by_role("status")).to_have_text("Abgesagt: 1 Termin(e).")
            cancelled = seen_from(page)
            await page.goto(f"{site_path}/offers?{cancelled.lstrip('&')}")
            await expect(first_date).to_have_class(re.compile(r"\bcancelled\b"))
            await page.goto(f"{first_date_shift}?{cancelled.lstrip('&')}")
            await expect(page.get_by_text("Diese Schicht ist abgesagt.")).to_be_visible()
            await expect(page.locator("ol.roster li")).to_have_count(0)
            for name in still_on:
                await expect(roster).not_to_contain_text(name)
            await photographed(page, "cancelled-shift")
            # The date's shifts are off its day in the Schichten page; the next date's stays.
            await page.goto(f"{site_path}/shifts?week={coming[0].isoformat()}{cancelled}")
            that_day = page.locator(f'section[aria-labelledby="day-{coming[0].isoformat()}"]')
            await expect(that_day.locator(".shift-row", has_text=WASHING_UP)).to_have_count(0)
            if coming[0] > date.today():  # the demo's own kitchen shift had not begun either
                await expect(that_day.locator(".shift-row", has_text="Mittagstisch")
                             ).to_have_count(0)
            if len(coming) > 1:
                await page.goto(f"{site_path}/shifts?week={coming[1].isoformat()}")
                await expect(page.locator(
                    f'section[aria-labelledby="day-{coming[1].isoformat()}"] .shift-row',
                    has_text=WASHING_UP)).to_have_count(1)
            await page.goto(site_path + "/week")

            # A count for a session nobody counted yet, then corrected with its reason and a
            # breakdown; the history shows both.
            await page.get_by_role("link", name="Besucherzahlen", exact=True).click()
            unrecorded = page.locator("section", has=page.locator("#unrecorded-heading"))
            row = unrecorded.locator("li.occurrence", has_text=uncounted_session)
            await expect(row).to_have_count(1)
            key = await row.get_attribute("id")
            await row.get_by_label("Besucher", exact=True).fill("7")
            await row.get_by_role("button", name="Erfassen").click()
            await expect(page.get_by_role("status")).to_have_text("Gespeichert.")
            counted = page.locator("section", has=page.locator("#counted-heading"))
            row = counted.locator(f'li[id="{key}"]')
            await expect(row.locator(".what")).to_contain_text("7 Besucher")
            await row.get_by_label("Besucher", exact=True).fill("9")
            await row.get_by_text("Aufschlüsselung (optional)").click()
            await row.get_by_label("davon ab 65 Jahren").fill("6")
            await row.get_by_label("Grund der Korrektur").fill("Nachgezählt an der Liste")
            await row.get_by_role("button", name="Korrigieren").click()
            await expect(page.get_by_role("status")).to_have_text("Gespeichert.")
            corrected = page.locator(f'li[id="{key}"]')
            await expect(corrected.locator(".what")).to_contain_text("9 Besucher")
            await expect(corrected.locator(".history li")).to_have_count(2)
            await expect(corrected.locator(".history li").first).to_contain_text("7 Besucher")
            await expect(corrected.locator(".history li").last).to_contain_text(
                "9 Besucher – Grund: Nachgezählt an der Liste")
            await expect(corrected.get_by_label("davon ab 65 Jahren")).to_have_value("6")
            await photographed(page, "attendance")

            # Last week's shifts: who held them; a past Mittagstisch shift's roster.
            await page.get_by_role("link", name="Schichten", exact=True).click()
            await page.get_by_role("link", name="← Vorige Woche").click()
            await photographed(page, "shifts")
            await page.locator(".shift-row a", has_text="Küchendienst").first.click()
            await expect(page.get_by_role("heading", name="Wer hat gedient?")).to_be_visible()
            await photographed(page, "served")
            served = page.locator("form.served-form")
            holders = served.locator("td.check input[type=checkbox]")
            for n in range(await holders.count()):
                await holders.nth(n).check()
            await served.locator("input[name=end]").first.fill("13:00")
            walk_in = served.get_by_label("Spontan geholfen (1)", exact=True)
            chosen = (await walk_in.locator("option").nth(1).inner_text()).strip()
            await walk_in.select_option(label=chosen)
            await served.get_by_label("Spontan 1 von").fill("11:00")
            await served.get_by_label("Spontan 1 bis").fill("14:30")
            await served.get_by_label("Grund der Korrektur").fill("Nachgetragen: spontan geholfen")
            await served.get_by_role("button", name="Korrigieren").click()
            await expect(page.get_by_role("status")).to_have_text("Gespeichert: wer gedient hat.")
            people = await holders.count() + 1
            await expect(page.locator(".served-list li")).to_have_count(people)
            await expect(page.locator(".served-list li").first).to_contain_text("10:00–13:00")
            await expect(page.locator(".served-list")).to_contain_text(f"{chosen}: 11:00–14:30")

            # The walk-in's hours and the first one's shorter time are in the figures.
            hours_served = await volunteer_hours(page, site_path, other_than=hours_before)
            assert hours_served > hours_before

            # Hours outside shifts (an errand), and a new volunteer.
            await page.get_by_role("link", name="Ehrenamtliche", exact=True).click()
            errand = page.locator("form[action$='/hours']")
            await errand.get_by_label("Wer").select_option(index=1)
            await errand.get_by_label("Tätigkeit").fill("Einkauf für den Spieleabend")
            await errand.get_by_label("Datum").fill((date.today() - timedelta(days=1)).isoformat())
            await errand.get_by_label("von").fill("05:00")
            await errand.get_by_label("bis").fill("06:30")
            await errand.get_by_role("button", name="Stunden eintragen").click()
            await expect(page.get_by_role("status")).to_have_text("Die Stunden sind eingetragen.")
            added = page.locator("form[action$='/volunteers']")
            await added.get_by_label("Name").fill("Greta Tiemann")
            await added.get_by_label("E-Mail").fill("greta.tiemann@example.org")
            await added.get_by_role("button", name="Eintragen").click()
            await expect(page.get_by_role("status")).to_have_text("Die Person ist eingetragen.")
            await expect(page.locator(".people-table")).to_contain_text("Greta Tiemann")
            await page.get_by_role("button", name="Greta Tiemann einladen").click()
            await expect(page.get_by_role("status")).to_contain_text("Die Einladung ist unterwegs")
            await photographed(page, "volunteers")
            # The profile of the one who ran the errand: its hours include the errand's.
            await page.locator(".people-table tbody th a").first.click()
            await expect(page.locator("#hours-total")).not_to_have_text("0")
            await photographed(page, "profile")
            hours_after = await volunteer_hours(page, site_path, other_than=hours_served)
            assert hours_after == pytest.approx(hours_served + 1.5)
            await photographed(page, "statistics-after")
            # The funding report (the auditor's page) shows the same year's hours.
            auditor = await browser.new_context(base_url=demo, viewport=DESKTOP, locale="de-DE")
            refused_to_auditor = policy_violations(auditor)
            report = await auditor.new_page()
            await report.goto("/auditor/report")
            await sign_in_on(report, AUDITOR, DEMO_PASSWORD)
            await report.wait_for_url("**/auditor/report")
            year = date.today().year
            await report.get_by_label("Von (Tag)").fill(f"{year}-01-01")
            await report.get_by_label("Bis (Tag)").fill(f"{year}-12-31")
            await report.get_by_label("Standort").select_option(
                value=site_path.rsplit("/", 1)[1])
            await report.get_by_role("button", name="Anzeigen").click()
            await report.wait_for_url("**/auditor/report?from=**")
            reported = await report.locator(
                '.totals div:has(dt:text-is("Ehrenamtsstunden")) dd').inner_text()
            assert float(reported.replace(",", ".")) == pytest.approx(hours_after)
            await auditor.close()
            assert refused_to_auditor == []

            # Next week's Zeitungscafé shift cancelled on its own: a question first, and a
            # reason everyone on it is told.
            await page.get_by_role("link", name="Schichten", exact=True).click()
            await page.get_by_role("link", name="Nächste Woche →").click()
            await page.locator(".shift-row a", has_text="Ausschank").first.click()
            # The whole shift cancelled: a question first, and a reason everyone is told.
            await page.get_by_role("link", name="Schicht absagen …").click()
            await page.get_by_role("button", name="Ja, Schicht absagen").click()
            await expect(page.get_by_role("alert")).to_contain_text("Bitte einen Grund")
            await page.get_by_label("Grund", exact=True).fill("Das Zeitungscafé fällt wegen Glatteis aus")
            await page.get_by_role("button", name="Ja, Schicht absagen").click()
            await expect(page.get_by_role("status")).to_contain_text("Die Schicht ist abgesagt")
            await expect(page.get_by_text("Diese Schicht ist abgesagt.")).to_be_visible()
            # Trainings: plan one, enrol and take off (after a question), confirm who attended.
            await page.get_by_role("link", name="Schulungen", exact=True).click()
            await photographed(page, "trainings")
            await page.get_by_role("link", name="Schulung planen").first.click()
            # A weekly shift in one step, one day left out.
            monday = date.today() + timedelta(days=7 - date.today().weekday())
            weekly = page.locator("form[action$='/shifts']")
            await weekly.get_by_label("Aufgabe").fill("Blumen gießen")
            await weekly.get_by_label("Datum").fill(monday.isoformat())
            await weekly.get_by_label("Beginn").fill("07:00")
            await weekly.get_by_label("Ende").fill("07:30")
            await weekly.get_by_label("Plätze").fill("1")
            await weekly.get_by_label("Jede Woche wiederholen").check()
            await weekly.get_by_label("Wiederholen bis").fill(
                (monday + timedelta(days=14)).isoformat())
            await weekly.get_by_label("Ausgenommene Tage").fill(
                (monday + timedelta(days=7)).isoformat())
            await weekly.get_by_label(PLANT_CARE).check()
            await weekly.get_by_role("button", name="Schicht anlegen").click()
            await expect(page.get_by_role("status")).to_have_text("Die Schicht ist angelegt.")
            created = seen_from(page)
            for week, count in ((0, 1), (7, 0), (14, 1)):
                await page.goto(
                    f"{site_path}/shifts?week={monday + timedelta(days=week)}{created}")
                await expect(page.locator(".shift-row", has_text="Blumen gießen")
                             ).to_have_count(count)
            await expect(page.locator(".shift-row", has_text="Blumen gießen").locator(
                ".badge", has_text=PLANT_CARE)).to_be_visible()
            await page.goto(f"{site_path}/plan")
            training = page.locator("form[action$='/trainings']")
            await training.get_by_label("Raum").select_option(index=0)
            await training.get_by_label("Titel").fill("Erste Hilfe am Kind")
            await training.get_by_label("Vermittelte Qualifikation").select_option(
                label="Erste Hilfe")
            await training.get_by_label("Plätze").fill("8")
            await training.get_by_label("Datum").fill(
                (date.today() + timedelta(days=24)).isoformat())
            await training.get_by_label("Beginn").fill("06:00")
            await training.get_by_label("Ende").fill("08:00")
            await training.get_by_role("button", name="Schulung planen").click()
            await expect(page.get_by_role("status")).to_have_text("Gebucht: 1 Termin(e).")
            await page.get_by_role("link", name="Schulungen", exact=True).click()
            kurs = page.locator("section.training",
                                has=page.get_by_role("heading", name="Erste Hilfe am Kind"))
            enrol = kurs.get_by_label("Ehrenamtliche anmelden")
            person = (await enrol.locator("option").nth(1).inner_text()).strip()
            await enrol.select_option(label=person)
            await kurs.get_by_role("button", name="Anmelden").click()
            await expect(page.get_by_role("status")).to_have_text("Angemeldet.")
            await expect(kurs).to_contain_text("Angemeldet: 1 von 8")
            await kurs.get_by_role("link", name=f"{person} abmelden …").click()
            await expect(page.get_by_role("heading", name="Von der Schulung abmelden?")).to_be_visible()
            await page.get_by_role("button", name="Ja, abmelden").click()
            await expect(page.get_by_role("status")).to_have_text("Abgemeldet.")
            await expect(kurs).to_contain_text("Angemeldet: 0 von 8")
            # Refreshers: whose first aid runs out soon goes into the course just planned.
            running_out = page.locator("ul.refreshers > li", has_text=first_aid_running_out)
            await running_out.get_by_role("button", name="Anmelden: Erste Hilfe am Kind").click()
            await expect(page.get_by_role("status")).to_have_text("Angemeldet.")
            await expect(page.locator("ul.refreshers > li", has_text=first_aid_running_out)
                         ).to_contain_text("angemeldet: Erste Hilfe am Kind")
            await expect(kurs).to_contain_text("Angemeldet: 1 von 8")
            held = page.locator("section.training",
                                has=page.get_by_role("heading", name=past_training))
            await expect(held.locator("input[name=attended]")).to_have_count(2)
            await held.locator("input[name=attended]").last.uncheck()
            await held.get_by_role("button", name="Teilnahme bestätigen").click()
            await expect(page.get_by_role("status")).to_contain_text("Teilnahme gespeichert")
            await expect(held).to_contain_text("abgeschlossen")
            await photographed(page, "trainings-done")
            assert refused == []
            assert api_calls == []
        finally:
            await browser.close()
