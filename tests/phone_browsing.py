"""The volunteer's phone in the browser tests: a 390 px wide screen without JavaScript, signing
in on it, the menu, and the page photographed at phone and desktop width."""

from __future__ import annotations

from typing import Any

from tests.browsing import DESKTOP, SCREENSHOTS, policy_violations, sign_in_on
from tests.served_demo import DEMO_PASSWORD


PHONE = {"width": 390, "height": 844}


async def photographed(page: Any, name: str) -> None:
    """The page at 390 and 1280 px, whole; on the phone it never scrolls sideways."""
    await page.set_viewport_size(PHONE)
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{name} scrolls sideways on a phone: {width} px"
    await page.screenshot(path=str(SCREENSHOTS / f"phone-{name}-390.png"), full_page=True)
    await page.set_viewport_size(DESKTOP)
    await page.screenshot(path=str(SCREENSHOTS / f"phone-{name}-1280.png"), full_page=True)
    await page.set_viewport_size(PHONE)


async def in_the_menu(page: Any, name: str) -> None:
    await page.get_by_role("navigation").get_by_role("link", name=name).click()


async def signed_in(browser: Any, base_url: str, email: str,
                    lands: str = "volunteer/") -> tuple[Any, Any]:
    """A new phone's browser signed in as ``email``, on the page it lands on (``lands``), with
    JavaScript turned off: no task on the volunteer's pages needs it."""
    context = await browser.new_context(base_url=base_url, viewport=PHONE, locale="de-DE",
                                        java_script_enabled=False)
    context.refused_by_policy = policy_violations(context)
    page = await context.new_page()
    await page.goto("/")
    await sign_in_on(page, email, DEMO_PASSWORD)
    await page.wait_for_url(f"**/{lands}")
    await page.get_by_role("button", name="Abmelden").wait_for(state="attached")  # signed in
    return context, page
