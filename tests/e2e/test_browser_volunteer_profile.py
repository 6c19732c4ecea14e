"""What a volunteer changes in her profile on a 390 px phone in a real browser, over the demo
year: her phone number, a new calendar link (asked again first; the old link then refused),
and her password (a wrong current one said at its field, nothing changed). The profile and the
question are photographed (and the profile in Ukrainian) at 390 and 1280 px under .treffpunkt/screenshots/."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.served_demo import ANNA, DEMO_PASSWORD, site
from tests.browsing import browser  # noqa: F401 - fixtures
from tests.phone_browsing import in_the_menu, photographed, signed_in

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(400)]


async def feed_link_on_my_shifts(page: Any) -> str:
    await in_the_menu(page, "Meine Schichten")
    return await page.get_by_label("Link zum Kalender-Abo").input_value()


async def status_of(base_url: str, url: str) -> int:
    path = url.split("/api/", 1)[1]
    async with httpx.AsyncClient(base_url=base_url, timeout=60) as client:
        return (await client.get(f"/api/{path}")).status_code


async def test_a_volunteer_changes_phone_calendar_link_and_password(browser, site):  # noqa: F811
    context, page = await signed_in(browser, site.base_url, ANNA)
    old_link = await feed_link_on_my_shifts(page)
    assert await status_of(site.base_url, old_link) == 200
    await in_the_menu(page, "Profil")

    await page.get_by_role("textbox", name="Telefon").fill("05439 98765")
    await page.get_by_role("button", name="Telefonnummer speichern").click()
    await page.get_by_text("Telefonnummer gespeichert.").wait_for()
    assert await page.get_by_role("textbox", name="Telefon").input_value() == "05439 98765"

    await page.get_by_role("link", name="Kalender-Link erneuern").click()
    await page.get_by_text("Wirklich einen neuen Kalender-Link erstellen?").wait_for()
    await photographed(page, "profile-renew-feed")
    await page.get_by_role("button", name="Ja, neuen Link erstellen").click()
    await page.get_by_text("Neuer Kalender-Link erstellt.").wait_for()
    await photographed(page, "profile-feed-renewed")
    assert await status_of(site.base_url, old_link) == 403

    await page.get_by_label("Aktuelles Passwort").fill("falsch-geraten")
    await page.get_by_label("Neues Passwort", exact=True).fill("ein-neues-passwort")
    await page.get_by_label("Neues Passwort wiederholen").fill("ein-neues-passwort")
    await page.get_by_role("button", name="Passwort speichern").click()
    await page.get_by_text("Das aktuelle Passwort stimmt nicht.").wait_for()
    await photographed(page, "profile-password-refused")

    await page.get_by_label("Aktuelles Passwort").fill(DEMO_PASSWORD)
    await page.get_by_label("Neues Passwort", exact=True).fill("ein-neues-passwort")
    await page.get_by_label("Neues Passwort wiederholen").fill("ein-neues-passwort")
    await page.get_by_role("button", name="Passwort speichern").click()
    await page.get_by_text("Ihr Passwort ist geändert.").wait_for()
    await photographed(page, "profile-changed")

    new_link = await feed_link_on_my_shifts(page)  # still signed in in this browser
    assert new_link != old_link and await status_of(site.base_url, new_link) == 200
    await page.goto("/volunteer/profile?lang=uk")
    await page.get_by_role("heading", name="Змінити пароль").wait_for()
    await photographed(page, "profile-uk")
    assert context.refused_by_policy == []
    await context.close()
