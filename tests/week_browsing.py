"""The coordinator's week in the browser tests: the coordinator of the demo's Eggermühlen site, a
390 px phone, and a page photographed at phone and desktop width."""

from __future__ import annotations

from typing import Any

from tests.browsing import DESKTOP, SCREENSHOTS


PHONE = {"width": 390, "height": 844}
COORDINATOR = "koordination.eggermuehlen@treffpunkt.example"


async def photographed(page: Any, name: str) -> None:
    """The page at phone and desktop width, whole; no wider than the phone, and no table in it
    scrolling sideways in its own region (its last columns out of sight) at either width."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for label, size in (("phone", PHONE), ("desktop", DESKTOP)):
        await page.set_viewport_size(size)
        await page.screenshot(path=str(SCREENSHOTS / f"coordinator-week-{name}-{label}.png"),
                              full_page=True)
        hidden = await page.evaluate(
            "[...document.querySelectorAll('.scroll')].map(r => r.scrollWidth - r.clientWidth)")
        assert max(hidden, default=0) <= 0, (
            f"{name}: a table {max(hidden)} px wider than its region at {size['width']} px")
    await page.set_viewport_size(PHONE)
    overflow = await page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth")
    await page.set_viewport_size(DESKTOP)
    assert overflow <= 0, f"{name}: {overflow} px wider than a 390 px phone"
