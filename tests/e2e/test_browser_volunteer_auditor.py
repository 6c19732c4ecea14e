"""The volunteer's and the auditor's pages in a real browser: the system's Chromium driven by
Playwright, the app under uvicorn on a loopback port over the demo programme, a real Dramatiq
worker keeping the read models up to date.

Each page is photographed at phone (375 px) and desktop width under .treffpunkt/screenshots/.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from tests.browsing import DESKTOP, SCREENSHOTS, browser, policy_violations, sign_in_on
from tests.served_demo import ANNA, BERLIN, DEMO_PASSWORD, JUERGEN, Site, site

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

PHONE = {"width": 375, "height": 812}
AUDITOR = "pruefung@treffpunkt.example"


async def photographed(page: Any, name: str) -> None:
    """The page at phone and at desktop width, whole, as PNG artefacts; then phone width again."""
    for label, size in (("phone", PHONE), ("desktop", DESKTOP)):
        await page.set_viewport_size(size)
        await page.screenshot(path=str(SCREENSHOTS / f"{name}-{label}.png"), full_page=True)
    await page.set_viewport_size(PHONE)


async def signed_in(browser: Any, site: Site, email: str, path: str, name: str | None = None):
    context = await browser.new_context(base_url=site.base_url, viewport=PHONE,
                                        accept_downloads=True, locale="de-DE")
    context.refused_by_policy = policy_violations(context)
    page = await context.new_page()
    await page.goto(path)
    assert "/sign-in" in page.url
    if name:
        await photographed(page, name)
    await sign_in_on(page, email, DEMO_PASSWORD)
    await page.wait_for_url(f"**{path}")
    return context, page


async def test_a_volunteer_claims_a_shift_and_the_next_one_lands_on_its_waitlist(browser, site):
    context, page = await signed_in(browser, site, ANNA, "/volunteer/shifts", "volunteer-sign-in")
    await page.get_by_label("Ort").select_option(site.village)
    await page.get_by_role("button", name="Anzeigen").click()
    await page.wait_for_url(f"**/volunteer/shifts?village=**")
    await photographed(page, "volunteer-shifts")
    shift = page.locator(f'li[data-shift-id="{site.shift_id}"]')
    await shift.get_by_role("button", name="Übernehmen").click()

    await page.wait_for_url("**/volunteer/my-shifts?**")
    assert await page.get_by_role("status").first.inner_text() == \
        "Die Schicht gehört jetzt Ihnen. Danke!"
    mine = page.locator(f'li[data-shift-id="{site.shift_id}"]')
    assert "Frühstück vorbereiten (Browsertest)" in await mine.inner_text()
    assert "Zugesagt" in await mine.inner_text()
    await photographed(page, "volunteer-my-shifts")
    await context.grant_permissions(["clipboard-read", "clipboard-write"])
    await page.get_by_role("button", name="Link kopieren").click()
    await page.get_by_text("Link kopiert.").wait_for()
    feed_link = await page.get_by_label("Link zum Kalender-Abo").input_value()
    assert await page.evaluate("navigator.clipboard.readText()") == feed_link
    assert "/shifts.ics?token=" in feed_link
    await page.get_by_role("link", name="Schulungen").click()
    await page.wait_for_url("**/volunteer/trainings")
    await photographed(page, "volunteer-trainings")
    await page.goto("/")
    await photographed(page, "volunteer-home")
    assert context.refused_by_policy == []
    await context.close()

    context, page = await signed_in(browser, site, JUERGEN, "/volunteer/shifts")
    full = page.locator(f'li[data-shift-id="{site.shift_id}"]')
    assert "Voll" in await full.inner_text()
    # With the keyboard alone: focus the button, press Enter.
    await full.get_by_role("button", name="Warteliste").focus()
    await page.keyboard.press("Enter")

    await page.wait_for_url("**/volunteer/my-shifts?**")
    assert "Sie stehen auf der Warteliste" in await page.get_by_role("status").first.inner_text()
    waiting = page.locator(f'li[data-shift-id="{site.shift_id}"]')
    assert "Warteliste" in await waiting.inner_text()
    await photographed(page, "volunteer-waitlisted")
    await page.goto("/volunteer/my-shifts?lang=en")
    await photographed(page, "volunteer-my-shifts-en")
    assert context.refused_by_policy == []
    await context.close()


async def test_an_auditor_opens_the_report_and_downloads_the_csv(browser, site, tmp_path):
    context, page = await signed_in(browser, site, AUDITOR, "/auditor/report", "auditor-sign-in")
    # The demo's sessions of the last fourteen weeks, chosen in the form (the default period,
    # the current year, holds only a few of them on its first days).
    today = datetime.now(BERLIN).date()
    await page.get_by_label("Von (Tag)").fill((today - timedelta(weeks=14)).isoformat())
    await page.get_by_label("Bis (Tag)").fill(today.isoformat())
    await page.get_by_role("button", name="Anzeigen").click()
    await page.wait_for_url("**/auditor/report?from=**")
    chart = page.get_by_role("img", name="Säulendiagramm")
    await chart.wait_for()
    assert (await chart.bounding_box())["width"] <= PHONE["width"]
    await photographed(page, "auditor-report")

    async with page.expect_download() as waiting:
        await page.get_by_role("link", name="CSV herunterladen").click()
    download = await waiting.value
    saved = tmp_path / download.suggested_filename
    await download.save_as(saved)
    content = saved.read_bytes().decode("utf-8-sig")

    assert download.suggested_filename.startswith("Verwendungsnachweis_")
    assert content.splitlines()[0] == "Verwendungsnachweis"
    assert any(line.startswith("Standort;Angebot;Kategorie") for line in content.splitlines())
    assert content.splitlines()[-1].startswith("Summe;")
    await page.get_by_role("link", name="Änderungen").first.click()
    await page.wait_for_url("**/auditor/changes")
    await photographed(page, "auditor-changes")
    await page.get_by_role("link", name="Prüfung der Historie").first.click()
    await page.wait_for_url("**/auditor/verify")
    assert "Die Historie ist unverändert" in await page.get_by_role("status").inner_text()
    await photographed(page, "auditor-verify")
    await page.goto("/")
    await photographed(page, "auditor-home")
    assert context.refused_by_policy == []
    await context.close()
