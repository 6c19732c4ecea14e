"""A coordinator in a real browser: the system's Chromium driven by Playwright against the app
under uvicorn on a loopback port, with a real Dramatiq worker keeping the read models.

Each page is saved as a screenshot at phone (375 px) and desktop width under
``.treffpunkt/screenshots/`` (git-ignored), to be looked at.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from events.catalog import registry
from events.store import EventStore
from projections.catalog import PROJECTIONS
from services.accounts.bootstrap import ensure_admin
from services.commands.handler import CommandHandler
from services.platform.keys import derive_keys
from tests.dates import berlin, first_monday
from tests.serving import Api, served, sign_in
from tests.accounts_world import ADMIN_EMAIL, ADMIN_PASSWORD, PASSWORD, SECRET
from tests.browsing import async_api, policy_violations
from tests.projection_checks import wait_until_caught_up, workers

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(180)]

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / ".treffpunkt" / "screenshots"
CHROMIUM = next((path for path in ("/usr/bin/chromium", "/usr/bin/chromium-browser")
                 if os.path.exists(path)), shutil.which("chromium"))
WIDTHS = {"phone": 375, "desktop": 1280}
COORDINATOR_EMAIL = "koordination.linden@example.org"
WEDNESDAYS = [first_monday(3) + timedelta(days=2, weeks=week) for week in range(5)]
"""Five Wednesdays from early March next year: the café is on the third."""


@pytest.fixture
async def site(database_url, servers, broker_namespace, pool) -> AsyncIterator[dict[str, Any]]:
    """The app and a worker running; a site with two rooms, a coordinator, and a booking."""
    if CHROMIUM is None:
        pytest.skip("no Chromium on this machine (apt-get install -y chromium)")
    await ensure_admin(CommandHandler(EventStore(pool, registry)), pool, derive_keys(SECRET), ADMIN_EMAIL,
                       ADMIN_PASSWORD)
    with workers(database_url, servers.redis_url, broker_namespace, 1,
                 wait_on_exit=False) as started:
        async with served(database_url, servers.redis_url, broker_namespace) as base_url:
            async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
                api = Api(client, await sign_in(client, ADMIN_EMAIL, ADMIN_PASSWORD))
                await api.created("/api/qualifications", {
                    "code": "food_hygiene", "default_valid_for_months": 24,
                    "name": {"de": "Lebensmittelhygiene", "en": "Food hygiene"}})
                site = await api.created("/api/sites", {"name": "Dorftreff Linden",
                                                        "village": "Linden"})
                saal = await api.created(f"/api/sites/{site['id']}/rooms",
                                         {"name": "Saal", "capacity": 40})
                await api.created(f"/api/sites/{site['id']}/rooms",
                                  {"name": "Küche", "capacity": 8})
                await api.created("/api/accounts", {
                    "email": COORDINATOR_EMAIL, "password": PASSWORD, "role": "coordinator",
                    "site_ids": [site["id"]]})
                await api.created(f"/api/rooms/{saal['id']}/bookings", {
                    "title": "Seniorencafé", "starts_at": berlin(WEDNESDAYS[2], "14:00"),
                    "ends_at": berlin(WEDNESDAYS[2], "17:00")})
            # The coordinator's start page finds the site in the directory read model.
            await wait_until_caught_up(pool, PROJECTIONS, started[0], timeout=120)
            yield {"base_url": base_url, "site_id": site["id"], "saal": saal["id"]}


async def screenshots(page: Any, name: str) -> None:
    """The page at phone and desktop width, whole length; the viewport is left at phone width."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for label, width in WIDTHS.items():
        await page.set_viewport_size({"width": width, "height": 800})
        await page.screenshot(path=str(SCREENSHOTS / f"coordinator-{name}-{label}.png"),
                              full_page=True)
    await page.set_viewport_size({"width": WIDTHS["phone"], "height": 800})
    overflow = await page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{name}: the page is {overflow} px wider than a 375 px phone"


async def test_a_coordinator_books_a_weekly_room_and_sees_a_conflict_inline(site):
    async with async_api.async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM,
                                                   args=["--no-sandbox", "--lang=de-DE"])
        try:
            context = await browser.new_context(viewport={"width": 375, "height": 800},
                                                locale="de-DE")
            refused = policy_violations(context)
            page = await context.new_page()
            await page.goto(site["base_url"] + "/coordinator")
            assert "/sign-in" in page.url
            await screenshots(page, "sign-in")
            await page.get_by_label("E-Mail").fill(COORDINATOR_EMAIL)
            await page.get_by_label("Passwort").fill(PASSWORD)
            await page.get_by_role("button", name="Anmelden").click()
            await page.wait_for_url(f"**/coordinator/sites/{site['site_id']}/week")
            heading = page.get_by_role("heading", name="Dorftreff Linden")
            await async_api.expect(heading).to_be_visible()
            await screenshots(page, "week-empty")

            # A weekly booking, typed with the keyboard as a person would.
            await page.get_by_label("Raum", exact=True).select_option(label="Saal (40 Plätze)")
            await page.get_by_label("Wofür").fill("Yoga für Ältere")
            await page.get_by_label("Datum").fill(WEDNESDAYS[0].isoformat())
            await page.get_by_label("Beginn").fill("18:00")
            await page.get_by_label("Ende").fill("19:30")
            await page.get_by_label("Jede Woche wiederholen").check()
            await page.get_by_label("Wiederholen bis").fill(WEDNESDAYS[4].isoformat())
            await page.get_by_role("button", name="Buchen").click()
            await async_api.expect(page.get_by_role("status")).to_have_text(
                "Gebucht: 5 Termin(e).")
            saal = page.locator("section.room", has=page.get_by_role("heading", name="Saal"))
            await async_api.expect(saal.locator(".entry")).to_have_count(1)
            await async_api.expect(saal.locator(".entry")).to_contain_text("18:00–19:30")
            await async_api.expect(saal.locator(".entry")).to_contain_text("Yoga für Ältere")
            await screenshots(page, "week-booked")

            # A second series runs into the café and the yoga: both shown beside the form.
            await page.get_by_label("Raum", exact=True).select_option(label="Saal (40 Plätze)")
            await page.get_by_label("Wofür").fill("Chorprobe")
            await page.get_by_label("Datum").fill(WEDNESDAYS[1].isoformat())
            await page.get_by_label("Beginn").fill("16:30")
            await page.get_by_label("Ende").fill("18:30")
            await page.get_by_label("Jede Woche wiederholen").check()
            await page.get_by_label("Wiederholen bis").fill(WEDNESDAYS[2].isoformat())
            await page.get_by_role("button", name="Buchen").click()
            alert = page.get_by_role("alert")
            await async_api.expect(alert).to_contain_text(
                "Der Raum ist zu 3 Zeit(en) schon belegt. Nichts wurde gebucht:")
            await async_api.expect(alert.get_by_role("listitem")).to_have_text([
                f"Mi {WEDNESDAYS[1]:%d.%m.} 18:00–19:30: Yoga für Ältere",
                f"Mi {WEDNESDAYS[2]:%d.%m.} 14:00–17:00: Seniorencafé",
                f"Mi {WEDNESDAYS[2]:%d.%m.} 18:00–19:30: Yoga für Ältere",
            ])
            # What was typed is still there, to be corrected.
            await async_api.expect(page.get_by_label("Wofür")).to_have_value("Chorprobe")
            await async_api.expect(page.get_by_label("Beginn")).to_have_value("16:30")
            await async_api.expect(page.get_by_label("Jede Woche wiederholen")).to_be_checked()
            await screenshots(page, "week-conflict")

            # Moved to the small room, it is booked.
            await page.get_by_label("Raum", exact=True).select_option(label="Küche (8 Plätze)")
            await page.get_by_role("button", name="Buchen").click()
            await async_api.expect(page.get_by_role("status")).to_have_text(
                "Gebucht: 2 Termin(e).")
            kitchen = page.locator("section.room", has=page.get_by_role("heading", name="Küche"))
            await async_api.expect(kitchen.locator(".entry")).to_contain_text("Chorprobe")

            await page.goto(page.url.split("?")[0] + f"?lang=en&week={WEDNESDAYS[2]}")
            await async_api.expect(page.get_by_role("heading", name="Book a room")).to_be_visible()
            await screenshots(page, "week-english")
            assert refused == []
        finally:
            await browser.close()


async def test_a_coordinator_counts_visitors_plans_and_cancels(site):
    """Attendance of a held session, a shift and a training planned (the training's room taken
    first), and one date cancelled from the week view; each page screenshotted."""
    from datetime import UTC, datetime, timedelta

    async with httpx.AsyncClient(base_url=site["base_url"], timeout=30) as client:
        api = Api(client, await sign_in(client, ADMIN_EMAIL, ADMIN_PASSWORD))
        offer = await api.created("/api/offers", {"site_id": site["site_id"],
                                                  "title": "Sitzgymnastik",
                                                  "category": "movement"})
        held = (datetime.now(UTC) - timedelta(days=2)).replace(second=0, microsecond=0)
        await api.created(f"/api/offers/{offer['id']}/sessions", {
            "room_id": site["saal"], "starts_at": held.isoformat(),
            "ends_at": (held + timedelta(hours=1)).isoformat()})
    async with async_api.async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM,
                                                   args=["--no-sandbox", "--lang=de-DE"])
        try:
            context = await browser.new_context(viewport={"width": 375, "height": 800},
                                                locale="de-DE")
            refused = policy_violations(context)
            page = await context.new_page()
            await page.goto(site["base_url"] + "/coordinator")
            await page.get_by_label("E-Mail").fill(COORDINATOR_EMAIL)
            await page.get_by_label("Passwort").fill(PASSWORD)
            await page.get_by_role("button", name="Anmelden").click()
            await page.wait_for_url(f"**/coordinator/sites/{site['site_id']}/week")

            await page.get_by_role("link", name="Besucherzahlen").click()
            row = page.locator("li.occurrence", has_text="Sitzgymnastik")
            await async_api.expect(row).to_have_count(1)
            await screenshots(page, "attendance")
            await row.get_by_label("Besucher").fill("11")
            await row.get_by_role("button", name="Erfassen").click()
            await async_api.expect(page.get_by_role("status")).to_have_text("Gespeichert.")
            counted = page.locator("li.occurrence", has_text="11 Besucher")
            await async_api.expect(counted.get_by_label("Grund der Korrektur")).to_be_visible()
            await counted.get_by_role("button", name="Korrigieren").click()
            await async_api.expect(page.locator("li.occurrence .error")).to_have_text(
                "Eine Korrektur braucht einen Grund.")
            await screenshots(page, "attendance-correction")

            await page.goto(f"{site['base_url']}/coordinator/sites/{site['site_id']}/plan")
            shift = page.locator("form[action$='/shifts']")
            await shift.get_by_label("Aufgabe").fill("Tresen")
            await shift.get_by_label("Datum").fill(WEDNESDAYS[2].isoformat())
            await shift.get_by_label("Beginn").fill("13:30")
            await shift.get_by_label("Ende").fill("17:30")
            await shift.get_by_label("Plätze").fill("2")
            await shift.get_by_label("Lebensmittelhygiene").check()
            await shift.get_by_role("button", name="Schicht anlegen").click()
            await async_api.expect(page.get_by_role("status")).to_have_text(
                "Die Schicht ist angelegt.")
            training = page.locator("form[action$='/trainings']")
            await training.get_by_label("Raum").select_option(label="Saal (40 Plätze)")
            await training.get_by_label("Titel").fill("Hygieneschulung")
            await training.get_by_label("Vermittelte Qualifikation").select_option(
                label="Lebensmittelhygiene")
            await training.get_by_label("Plätze").fill("10")
            await training.get_by_label("Datum").fill(WEDNESDAYS[2].isoformat())
            await training.get_by_label("Beginn").fill("16:00")
            await training.get_by_label("Ende").fill("18:00")
            await training.get_by_role("button", name="Schulung planen").click()
            await async_api.expect(page.get_by_role("alert").get_by_role("listitem")).to_have_text(
                [f"Mi {WEDNESDAYS[2]:%d.%m.} 14:00–17:00: Seniorencafé"])
            await screenshots(page, "plan-conflict")
            training = page.locator("form[action$='/trainings']")
            await training.get_by_label("Beginn").fill("17:00")
            await training.get_by_label("Ende").fill("19:00")
            await training.get_by_role("button", name="Schulung planen").click()
            await async_api.expect(page.get_by_role("status")).to_have_text(
                "Gebucht: 1 Termin(e).")
            saal = page.locator("section.room", has=page.get_by_role("heading", name="Saal"))
            await async_api.expect(saal.locator(".entry.training")).to_contain_text(
                "Hygieneschulung")
            await screenshots(page, "week-with-cancel-forms")

            await page.get_by_role("link", name="Seniorencafé am Mi 17.03. 14:00 absagen").click()
            # Nothing is cancelled before the question is answered, with a reason.
            await async_api.expect(page.get_by_role("heading", name="Termin absagen?")).to_be_visible()
            await page.get_by_role("button", name="Ja, absagen").click()
            await async_api.expect(page.get_by_role("alert")).to_contain_text("Bitte einen Grund")
            await screenshots(page, "cancel-question")
            await page.get_by_label("Grund", exact=True).fill("Heizung defekt")
            await page.get_by_role("button", name="Ja, absagen").click()
            await async_api.expect(page.get_by_role("status")).to_have_text(
                "Abgesagt: 1 Termin(e).")
            await async_api.expect(
                page.locator("section.room .entry.cancelled")).to_contain_text("Seniorencafé")
            await screenshots(page, "week-cancelled")
            assert refused == []
        finally:
            await browser.close()
