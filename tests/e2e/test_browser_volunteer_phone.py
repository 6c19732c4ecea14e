"""A volunteer's phone (390 px) in a real browser over the demo year: signing in to the start
page, choosing the home village, this week's shifts there, a claim, a refusal said before the
tap, the waitlist place, cancelling with confirmation, a handover offered and accepted by a
colleague (both schedules and the coordinator's roster show it), joining a training, and
Ukrainian and back. Each page is photographed at 390 and 1280 px under
.treffpunkt/screenshots/, and no page scrolls sideways on the phone."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx
import icalendar
import pytest

from tests.served_demo import ANNA, BERLIN, DEMO_PASSWORD, JUERGEN, site
from tests.browsing import browser
from tests.accounts_world import bearer
from tests.phone_browsing import in_the_menu, photographed, signed_in

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(400)]

COORDINATOR = "koordination@treffpunkt.example"
RARE = ["child_protection", "hospice_basics", "fire_safety", "hearing_loss", "digital_help"]
"""Qualifications no demo volunteer holds all of."""


async def staged(base_url: str) -> dict[str, Any]:
    """Tomorrow 06:00 (no demo shift takes that hour) a shift with one place, and one needing
    qualifications nobody holds; a training in five days; all at the first Dorftreff."""
    async with httpx.AsyncClient(base_url=base_url, timeout=60) as client:
        token = (await client.post("/api/auth/token", json={
            "email": COORDINATOR, "password": DEMO_PASSWORD})).json()["access_token"]
        site = (await client.get("/api/sites", headers=bearer(token))).json()[0]
        tomorrow = datetime.now(BERLIN).date() + timedelta(days=1)
        early = datetime.combine(tomorrow, time(6), BERLIN)

        async def created(path: str, body: dict[str, Any]) -> str:
            answer = await client.post(path, headers=bearer(token), json=body)
            assert answer.status_code == 201, answer.text
            return answer.json()["id"]

        shift = await created("/api/shifts", {
            "site_id": site["id"], "title": "Tische eindecken", "capacity": 1,
            "starts_at": early.isoformat(), "ends_at": (early + timedelta(hours=1)).isoformat()})
        rare = await created("/api/shifts", {
            "site_id": site["id"], "title": "Sonderdienst", "capacity": 2,
            "required_qualifications": RARE,
            "starts_at": (early + timedelta(hours=1)).isoformat(),
            "ends_at": (early + timedelta(hours=2)).isoformat()})
        room = (await client.get(f"/api/rooms?site_id={site['id']}",
                                 headers=bearer(token))).json()[0]
        starts = datetime.combine(tomorrow + timedelta(days=4), time(7), BERLIN)
        training = await created("/api/trainings", {
            "site_id": site["id"], "room_id": room["id"], "title": "Erste Hilfe Auffrischung",
            "qualification": "first_aid", "valid_for_months": 24, "capacity": 12,
            "starts_at": starts.isoformat(), "ends_at": (starts + timedelta(hours=1)).isoformat()})
    this_week = tomorrow.isocalendar()[1] == datetime.now(BERLIN).date().isocalendar()[1]
    return {"shift": shift, "rare": rare, "training": training, "village": site["village"],
            "period": "Diese Woche" if this_week else "Nächste Woche"}


async def test_a_volunteer_walks_through_the_phone_pages(browser, site):  # noqa: F811
    staging = await staged(site.base_url)
    shift, rare = staging["shift"], staging["rare"]
    anna, page = await signed_in(browser, site.base_url, ANNA)
    assert "Guten Tag, Anna" in await page.locator("h1").inner_text()
    await photographed(page, "home")

    # My village, remembered in the profile
    await in_the_menu(page, "Profil")
    await page.get_by_label(f"{staging['village']} ·").check()
    await page.get_by_role("button", name="Speichern", exact=True).click()
    await page.get_by_text("Gespeichert.").wait_for()
    await photographed(page, "profile")

    # This week's shifts there: a claim, and a refusal said before the tap
    await in_the_menu(page, "Offene Schichten")
    await page.get_by_role("link", name=staging["period"]).click()
    await page.wait_for_url("**/volunteer/shifts?period=**")
    assert "Meine Orte (Profil)" in await page.get_by_label("Ort").inner_text()
    special = page.locator(f'li[data-shift-id="{rare}"]')
    assert "Nicht möglich: Ihnen fehlt am Schichttag die Qualifikation" in \
        await special.inner_text()
    # Qualifications by the catalogue's names, never by their codes.
    assert "Kinderschutz" in await special.inner_text()
    assert "child_protection" not in await page.locator("main").inner_text()
    assert await special.get_by_role("button").count() == 0
    await photographed(page, "find")
    await page.locator(f'li[data-shift-id="{shift}"]').get_by_role(
        "button", name="Übernehmen").click()
    await page.wait_for_url("**/volunteer/my-shifts?**")
    await page.get_by_text("Die Schicht gehört jetzt Ihnen. Danke!").wait_for()
    await page.goto("/volunteer/")
    next_shifts = page.locator("section", has=page.locator("#next"))
    assert "Tische eindecken" in await next_shifts.inner_text()
    assert "data_protection" not in await page.locator("main").inner_text()
    await photographed(page, "home-next-shift")

    # A colleague: the full shift says Warteliste and the place he would get
    juergen, his = await signed_in(browser, site.base_url, JUERGEN)
    await his.goto("/volunteer/shifts?village=all")
    full = his.locator(f'li[data-shift-id="{shift}"]')
    assert "Sie wären Platz 1 auf der Warteliste" in await full.inner_text()
    await full.get_by_role("button", name="Warteliste").click()
    await his.wait_for_url("**/volunteer/my-shifts?**")
    assert "Sie sind Platz 1 auf der Warteliste." in \
        await his.locator(f'li[data-shift-id="{shift}"]').inner_text()
    await photographed(his, "waitlist-place")

    # Anna cancels, with a question first and a word to the coordinator; Jürgen moves up
    await page.goto("/volunteer/my-shifts")
    await page.locator(f'li[data-shift-id="{shift}"]').get_by_role("link", name="Absagen").click()
    await page.get_by_role("heading", name="Schicht wirklich absagen?").wait_for()
    await page.get_by_label("Nachricht an die Koordination (freiwillig)").fill(
        "Ich habe einen Arzttermin.")
    await photographed(page, "cancel-confirm")
    await page.get_by_role("button", name="Ja, absagen").click()
    await page.wait_for_url("**/volunteer/my-shifts?**")
    assert await page.locator(f'li[data-shift-id="{shift}"]').count() == 0
    await his.goto("/volunteer/my-shifts")
    assert "Zugesagt" in await his.locator(f'li[data-shift-id="{shift}"]').inner_text()

    # Anna hands the browser test's shift over to Jürgen, who accepts it
    await page.goto("/volunteer/shifts?village=all&period=soon")
    await page.locator(f'li[data-shift-id="{site.shift_id}"]').get_by_role(
        "button", name="Übernehmen").click()
    await page.wait_for_url("**/volunteer/my-shifts?**")
    # first offered to everyone and withdrawn again from "Ihre Angebote"
    await page.locator(f'li[data-shift-id="{site.shift_id}"]').get_by_role(
        "link", name="Weitergeben").click()
    await page.get_by_role("button", name="Anbieten").click()
    await page.wait_for_url("**/volunteer/my-shifts?**")
    await page.locator(f'li[data-shift-id="{site.shift_id}"]').get_by_role(
        "link", name="Ansehen oder zurückziehen").click()
    await photographed(page, "handover-mine")
    await page.get_by_role("button", name="Angebot für").click()
    await page.get_by_text("Ihr Angebot ist zurückgezogen.").wait_for()
    await page.goto("/volunteer/my-shifts")
    await page.locator(f'li[data-shift-id="{site.shift_id}"]').get_by_role(
        "link", name="Weitergeben").click()
    await page.get_by_label("An eine Kollegin oder einen Kollegen").check()
    await page.get_by_label("Kollegin oder Kollege", exact=True).select_option(
        label="Jürgen Brandes")
    await photographed(page, "handover-offer")
    await page.get_by_role("button", name="Anbieten").click()
    await page.wait_for_url("**/volunteer/my-shifts?**")
    assert "bleibt die Schicht Ihre" in \
        await page.locator(f'li[data-shift-id="{site.shift_id}"]').inner_text()
    await his.goto("/volunteer/handovers")
    offer = his.locator(f'li[data-shift-id="{site.shift_id}"]')
    assert "An Sie" in await offer.inner_text()
    await photographed(his, "handover-accept")
    await offer.get_by_role("button", name="Übernehmen").click()
    await his.wait_for_url("**/volunteer/my-shifts?**")
    await his.get_by_text("Übernommen.").wait_for()
    assert await his.locator(f'li[data-shift-id="{site.shift_id}"]').count() == 1
    await page.goto("/volunteer/my-shifts")
    assert await page.locator(f'li[data-shift-id="{site.shift_id}"]').count() == 0
    # and the coordinator's roster has Jürgen in Anna's place
    office, desk = await signed_in(browser, site.base_url, COORDINATOR, lands="")
    position = urlsplit(his.url).query.split("min_position=")[1].split("&")[0]
    await desk.goto(f"/coordinator/shifts/{site.shift_id}?min_position={position}")
    holders = await desk.locator("ol.roster:not(.waitlist)").inner_text()
    assert "Jürgen Brandes" in holders and "Anna" not in holders
    await photographed(desk, "handover-roster")

    # A training of my village
    await in_the_menu(page, "Schulungen")
    course = page.locator(f'li[data-training-id="{staging["training"]}"]')
    await course.get_by_role("button", name="Anmelden").click()
    await page.get_by_text("Angemeldet. Bis bald!").wait_for()
    assert "Sie sind angemeldet." in await page.locator(
        f'li[data-training-id="{staging["training"]}"]').inner_text()
    await photographed(page, "trainings")

    # Subscribing to my calendar: one tap on webcal://; the feed has place, alarm, training
    await in_the_menu(page, "Meine Schichten")
    subscribe = await page.get_by_role("link", name="Im Kalender abonnieren").get_attribute("href")
    assert subscribe.startswith("webcal://") and "/shifts.ics?token=" in subscribe
    google = await page.get_by_role("link", name="Zu Google Kalender hinzufügen").get_attribute(
        "href")
    assert google == "https://calendar.google.com/calendar/r?" + urlencode({"cid": subscribe})
    download = page.get_by_role("link", name="Datei für Apple/Outlook laden")
    assert await download.get_attribute("download") == "treffpunkt.ics"
    assert urlsplit(await download.get_attribute("href"))[2:4] == urlsplit(subscribe)[2:4]
    await photographed(page, "my-shifts-calendar")
    address = urlsplit(subscribe)  # on TREFFPUNKT_PUBLIC_URL: fetched from the test's server
    async with httpx.AsyncClient(base_url=site.base_url, timeout=30) as client:
        feed = await client.get(f"{address.path}?{address.query}")
    assert feed.status_code == 200, feed.text
    events = icalendar.Calendar.from_ical(feed.content).walk("VEVENT")
    course = [e for e in events if str(e["SUMMARY"]) == "Schulung: Erste Hilfe Auffrischung"]
    assert len(course) == 1 and "Dorftreff" in str(course[0]["LOCATION"])
    assert all(event.walk("VALARM") for event in events)
    assert all("LOCATION" in event for event in events)

    # Ukrainian, and back
    await in_the_menu(page, "Українська")
    await page.get_by_role("heading", name="Мої зміни", exact=True).wait_for()
    await page.goto("/volunteer/")
    assert "Добрий день, Anna" in await page.locator("h1").inner_text()
    await photographed(page, "home-uk")
    await in_the_menu(page, "Deutsch")
    await page.get_by_text("Guten Tag, Anna").wait_for()

    assert anna.refused_by_policy == [] and juergen.refused_by_policy == []
    assert office.refused_by_policy == []
    for context in (anna, juergen, office):
        await context.close()
