"""What the public sees, set in the browser (issues 24 and 20): the coordinator of Eggermühlen
takes an offer out of the public programme and gives the Dorftreff's address and contact line
on the offers page, and the public page follows; the admin defines and renames a qualification
of the catalogue from the start page; the coordinator corrects an offer's name with the
keyboard alone. Pages photographed at 390 and 1280 px under
``.treffpunkt/screenshots/coordinator-week-public-settings-*.png`` and ``…-offer-edited-*.png``."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.async_api import expect

from tests.browsing import DESKTOP, browser, policy_violations
from tests.week_browsing import COORDINATOR, PHONE, photographed
from tests.served_demo import DEMO_PASSWORD, Site, site
from tests.accounts_world import settings_for

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(400)]


async def signed_in(browser: Any, site: Site, email: str, password: str) -> tuple[Any, Any]:
    context = await browser.new_context(base_url=site.base_url, viewport=DESKTOP,
                                        locale="de-DE")
    context.refused_by_policy = policy_violations(context)
    page = await context.new_page()
    await page.goto("/")
    await page.get_by_label("E-Mail").fill(email)
    await page.get_by_label("Passwort").fill(password)
    await page.get_by_role("button", name="Anmelden").click()
    await page.wait_for_load_state()
    return context, page


async def test_the_coordinator_sets_what_the_public_programme_shows(browser, site):
    context, page = await signed_in(browser, site, COORDINATOR, DEMO_PASSWORD)
    await page.goto("/coordinator/")  # its one Dorftreff's week
    await page.get_by_role("link", name="Angebote").first.click()
    await page.wait_for_url("**/offers")
    dorftreff = page.locator("#dorftreff")
    await dorftreff.get_by_label("Adresse").fill("Kirchstraße 7, 49577 Eggermühlen")
    await dorftreff.get_by_label("Kontakt").fill("Mo–Fr 9–12 Uhr, Tel. 05462 4711")
    await dorftreff.get_by_role("button").click()
    await page.wait_for_url("**done=contact**")
    offer = page.locator("section.offer").first
    title = await offer.locator("h2").evaluate("h => h.firstChild.textContent.trim()")
    public = await (await browser.new_context(base_url=site.base_url)).new_page()
    await public.goto("/programm/eggermuehlen")
    assert title in await public.locator("main").inner_text()
    await offer.get_by_text("Im öffentlichen Programm", exact=True).click()
    await offer.get_by_label("Nein, nur intern").check()
    await offer.get_by_role("button", name="Speichern").click()
    await page.wait_for_url("**done=publication**")
    assert "nicht öffentlich" in await page.locator("section.offer h2").filter(
        has_text=title).inner_text()
    await page.locator("section.offer details").nth(1).evaluate("d => d.open = true")
    await photographed(page, "public-settings-offers")
    assert context.refused_by_policy == []

    await public.goto("/programm/eggermuehlen?lang=de")  # another address than the cached one
    shown = await public.locator("main").inner_text()
    assert title not in shown
    assert "Kirchstraße 7, 49577 Eggermühlen" in shown
    assert "Mo–Fr 9–12 Uhr, Tel. 05462 4711" in shown
    await context.close()


async def test_the_coordinator_corrects_an_offers_name_with_the_keyboard_alone(browser, site):
    context, page = await signed_in(browser, site, COORDINATOR, DEMO_PASSWORD)
    await page.goto("/coordinator/")
    await page.get_by_role("link", name="Angebote").first.click()
    await page.wait_for_url("**/offers")
    offer = page.locator("section.offer").last
    title = await offer.locator("h2").evaluate("h => h.firstChild.textContent.trim()")
    await offer.get_by_text("Bearbeiten", exact=True).focus()
    await page.keyboard.press("Enter")  # opens the form
    form = offer.locator("form[action$='/details']")
    name = form.get_by_label("Name des Angebots")
    assert await name.input_value() == title  # filled with what it says now
    await name.focus()
    await page.keyboard.press("End")
    await page.keyboard.type(" (neu)")
    await page.keyboard.press("Enter")  # submits the form
    await page.wait_for_url("**done=details**")
    await expect(page.get_by_role("status")).to_contain_text("Gespeichert: Titel")
    assert await page.locator("section.offer h2", has_text=f"{title} (neu)").count() == 1
    await page.locator("section.offer details").last.evaluate("d => d.open = true")
    await photographed(page, "offer-edited")
    assert context.refused_by_policy == []
    await context.close()


async def test_the_admin_keeps_the_qualification_catalogue(browser, site, servers,
                                                           broker_namespace):
    settings = settings_for(site.database_url, servers.redis_url, broker_namespace)
    context, page = await signed_in(browser, site, settings.admin_email,
                                    settings.admin_password)
    await page.get_by_role("link", name="Qualifikationen (Katalog)").click()
    await page.wait_for_url("**/coordinator/qualifications/")
    await page.get_by_label("Code").fill("rauchmelder")
    await page.get_by_label("Name (Deutsch)").fill("Rauchmelder-Einweisung")
    await page.get_by_label("Name (Englisch)").fill("Smoke alarm briefing")
    await page.get_by_label("Gültig für (Monate)").fill("36")
    await page.get_by_role("button", name="Speichern").click()
    await page.wait_for_url("**done=rauchmelder**")
    await page.get_by_role(
        "link", name="Rauchmelder-Einweisung (rauchmelder) umbenennen oder Gültigkeit ändern",
    ).click()
    await page.get_by_label("Name (Deutsch)").fill("Rauchmelder-Schulung")
    await page.get_by_role("button", name="Speichern").click()
    await page.wait_for_url("**done=rauchmelder**")
    row = page.locator("tr", has_text="rauchmelder")
    assert (await row.locator("th").inner_text()) == "Rauchmelder-Schulung"
    await photographed(page, "public-settings-qualifications")
    assert context.refused_by_policy == []
    await context.close()
