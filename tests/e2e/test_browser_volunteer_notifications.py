"""A volunteer's notification settings on a 390 px phone in a real browser, over the demo
year: chosen on the profile page with labels alone, confirmed, and what the API answers after.
The profile is photographed at 390 and 1280 px under .treffpunkt/screenshots/."""

from __future__ import annotations

import base64
from typing import Any

import httpx
import msgspec
import pytest

from tests.served_demo import ANNA, DEMO_PASSWORD, site
from tests.browsing import browser  # noqa: F401 - fixtures
from tests.phone_browsing import in_the_menu, photographed, signed_in
from tests.accounts_world import bearer

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(400)]


async def settings_of(base_url: str, email: str) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=base_url, timeout=60) as client:
        token = (await client.post("/api/auth/token", json={
            "email": email, "password": DEMO_PASSWORD})).json()["access_token"]
        claims = token.split(".")[0]  # the token's signed claims name its volunteer
        volunteer_id = msgspec.json.decode(
            base64.urlsafe_b64decode(claims + "=" * (-len(claims) % 4)))["volunteer_id"]
        answer = await client.get(
            f"/api/volunteers/{volunteer_id}/notification-settings", headers=bearer(token))
        assert answer.status_code == 200, answer.text
        return answer.json()


async def test_a_volunteer_chooses_how_and_when_she_is_told(browser, site):  # noqa: F811
    context, page = await signed_in(browser, site.base_url, ANNA)
    await in_the_menu(page, "Profil")

    await page.get_by_label("Sprache der E-Mails").select_option(label="English")
    await page.get_by_label("Erinnerung vor einer Schicht").select_option(
        label="72 Stunden vorher")
    await page.get_by_label("Wenn ich auf die Warteliste komme").uncheck()
    await page.get_by_role("button", name="Benachrichtigungen speichern").click()

    await page.get_by_text("Gespeichert. So werden Sie ab jetzt benachrichtigt.").wait_for()
    assert await page.get_by_label("Erinnerung vor einer Schicht").input_value() == "72"
    assert not await page.get_by_label("Wenn ich auf die Warteliste komme").is_checked()
    await photographed(page, "profile-notifications")
    assert await settings_of(site.base_url, ANNA) == {
        "language": "en", "reminder_hours_before": 72, "off": ["waitlisted"]}
    assert context.refused_by_policy == []
    await context.close()
