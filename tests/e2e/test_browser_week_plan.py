"""The week plan ("Wochenplan") in a real browser over the demo programme: the coordinator sees
the week's rooms and shifts as a grid per day, reaches every block with the keyboard, and books
a weekly series whose conflicts are listed, then its free dates only, with one button.

Photographed at phone (390 px) and desktop (1280 px) width under ``.treffpunkt/screenshots/``
(``coordinator-week-plan*.png`` whole, ``week-plan-*.png`` a day, the top, the conflicts); at
390 px the page itself never scrolls sideways (a day's grid scrolls in its own region, the
hours staying in view).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from tests.week_browsing import COORDINATOR, PHONE, photographed
from tests.browsing import (
    CHROMIUM,
    DESKTOP,
    SCREENSHOTS,
    expect,
    policy_violations,
    sign_in_on,
)
from tests.served_demo import DEMO_PASSWORD, site

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

async_api = pytest.importorskip("playwright.async_api")


async def book(page: Any, title: str, day: date, until: date | None = None) -> None:
    """Books the week page's first room from 21:00 to 21:45 on ``day`` (weekly to ``until``)."""
    form = page.locator("form.booking-form")
    await form.get_by_label("Raum").select_option(index=0)
    await form.get_by_label("Wofür").fill(title)
    await form.get_by_label("Datum").fill(day.isoformat())
    await form.get_by_label("Beginn").fill("21:00")
    await form.get_by_label("Ende").fill("21:45")
    if until:
        await form.get_by_label("Jede Woche wiederholen").check()
        await form.get_by_label("Wiederholen bis").fill(until.isoformat())
    await form.get_by_role("button", name="Buchen", exact=True).click()


async def test_the_week_plan_in_the_browser(site):
    async with async_api.async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM),
                                                   args=["--no-sandbox", "--lang=de-DE"])
        try:
            context = await browser.new_context(base_url=site.base_url, viewport=DESKTOP,
                                                locale="de-DE")
            refused = policy_violations(context)
            page = await context.new_page()
            await page.goto("/coordinator")
            await sign_in_on(page, COORDINATOR, DEMO_PASSWORD)
            await page.wait_for_url("**/coordinator/sites/*/week")

            # This week: today's day is marked, the demo's bookings and shifts are blocks.
            today = date.today()
            await expect(page.locator(f'.daynav a[aria-current="date"]')).to_have_count(1)
            await expect(page.locator(f"#tag-{today.isoformat()}.today")).to_have_count(1)
            await expect(page.locator(".block").first).to_be_visible()
            await photographed(page, "plan")
            busiest = page.locator(".day-plan", has=page.locator(".block.shift")).first
            for label, size in (("phone", PHONE), ("desktop", DESKTOP)):
                await page.set_viewport_size(size)
                await busiest.screenshot(path=str(SCREENSHOTS / f"week-plan-day-{label}.png"))

            # The grid's columns are placed by the stylesheet: a block sits right of the hours.
            first = page.locator(".plan .block").first
            hours = page.locator(".plan .plan-time").first
            assert (await first.bounding_box())["x"] >= (await hours.bounding_box())["x"] + 40

            # At 390 px a day's rooms with something that day and its shifts fit beside the
            # hours; on a narrower phone (320 px) the grid scrolls in its own region, the hours
            # staying in view.
            await page.set_viewport_size(PHONE)
            busy = page.locator(".plan-scroll", has=page.locator(".block.shift")).first
            assert await busy.evaluate("r => r.scrollWidth <= r.clientWidth")
            await page.set_viewport_size({"width": 320, "height": 700})
            assert await busy.evaluate("r => r.scrollWidth > r.clientWidth")
            hours = busy.locator(".plan-time").first
            before = (await hours.bounding_box())["x"]
            await busy.evaluate("r => r.scrollBy(400, 0)")
            assert await busy.evaluate("r => r.scrollLeft") > 0
            assert abs((await hours.bounding_box())["x"] - before) < 1
            assert await page.evaluate(
                "document.documentElement.scrollWidth <= document.documentElement.clientWidth")
            await page.set_viewport_size(DESKTOP)

            # Keyboard: the first shift block is a link that leads to its roster.
            shift = page.locator(".block.shift").first
            await shift.focus()
            await expect(shift).to_be_focused()
            await page.keyboard.press("Enter")
            await page.wait_for_url("**/coordinator/shifts/*")
            await page.go_back()

            # A weekly series over a taken evening: refused with the conflicts, then only the
            # free dates booked in one step.
            # (Saturdays from 21:00: the demo leaves them free.)
            saturday = today - timedelta(days=today.weekday()) + timedelta(days=19)
            await book(page, "Elternabend", saturday + timedelta(days=7))
            await expect(page.get_by_role("status")).to_have_text("Gebucht: 1 Termin(e).")
            await book(page, "Probe Theatergruppe", saturday,
                       until=saturday + timedelta(days=14))
            conflicts = page.locator("#conflicts")
            await expect(conflicts).to_contain_text("Elternabend")
            card = page.locator("section.card", has=page.locator("#book-heading"))
            for label, size in (("phone", PHONE), ("desktop", DESKTOP)):
                await page.set_viewport_size(size)
                await card.screenshot(path=str(SCREENSHOTS / f"week-plan-conflicts-{label}.png"))
            await page.get_by_role("button", name="Nur die freien Termine buchen").click()
            await expect(page.get_by_role("status")).to_contain_text(
                "Ausgelassen, weil der Raum belegt ist: 1 Termin(e).")
            await expect(page.locator(".block", has_text="Probe Theatergruppe")).to_have_count(1)
            await photographed(page, "plan-free-dates")
            for label, size in (("phone", PHONE), ("desktop", DESKTOP)):
                await page.set_viewport_size(size)
                await page.screenshot(path=str(SCREENSHOTS / f"week-plan-top-{label}.png"))
            await page.set_viewport_size(DESKTOP)
            assert refused == []
        finally:
            await browser.close()
