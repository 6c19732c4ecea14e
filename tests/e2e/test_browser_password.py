""""Passwort vergessen" in a real browser (the system's Chromium): from the sign-in page to the
link in the mail a real SMTP server (aiosmtpd) received, a new password, and signing in with
it; the spent link refused. Screenshots at 390 and 1280 px (``phone-password-*``)."""

from __future__ import annotations

import httpx
import pytest

from events.catalog import registry
from events.store import EventStore
from services.accounts.bootstrap import ensure_admin
from services.commands.handler import CommandHandler
from services.platform.keys import derive_keys
from tests.e2e.test_browser_coordinator import async_api, policy_violations
from tests.e2e.test_browser_volunteer_auditor import browser  # noqa: F401 - a fixture
from tests.e2e.test_browser_volunteer_phone import PHONE, photographed
from tests.e2e.test_concurrency_http import Api, served, sign_in
from tests.integration.test_accounts_api import ADMIN_EMAIL, ADMIN_PASSWORD, PASSWORD, SECRET
from tests.integration.test_notifications import (
    smtp_port,  # noqa: F401 - a fixture
    smtp_server,
    smtp_settings,
    text_of,
)
from tests.integration.test_password_reset import LINK
from workers.mail.outbox import deliver_due

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(180)]

EMAIL = "erika.vergesslich@example.org"


async def test_a_volunteer_who_forgot_her_password_chooses_a_new_one_from_the_mail(
    database_url, servers, broker_namespace, pool, smtp_port, browser  # noqa: F811
):
    await ensure_admin(CommandHandler(EventStore(pool, registry)), pool, derive_keys(SECRET),
                       ADMIN_EMAIL, ADMIN_PASSWORD)
    async with served(database_url, servers.redis_url, broker_namespace) as base_url:
        async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
            api = Api(client, await sign_in(client, ADMIN_EMAIL, ADMIN_PASSWORD))
            erika = await api.created("/api/volunteers", {"name": "Erika", "email": EMAIL})
            await api.created("/api/accounts", {"email": EMAIL, "password": PASSWORD,
                                                "role": "volunteer", "volunteer_id": erika["id"]})
        context = await browser.new_context(viewport=PHONE, locale="de-DE")
        refused = policy_violations(context)
        page = await context.new_page()
        await page.goto(base_url + "/sign-in")
        await page.get_by_role("link", name="Passwort vergessen?").click()
        await page.get_by_label("E-Mail").fill(EMAIL)
        await photographed(page, "password-forgot")
        await page.get_by_role("button", name="Link schicken").click()
        await async_api.expect(page.get_by_role("status")).to_contain_text(
            "Der Link gilt eine Stunde.")
        await photographed(page, "password-sent")

        with smtp_server(smtp_port) as inbox:
            await deliver_due(pool, smtp_settings(smtp_port))
        message, = inbox.messages
        link = f"{base_url}/password/{LINK.search(text_of(message)).group(1)}"
        await page.goto(link)
        await page.get_by_label("Neues Passwort").fill("kurz")
        await photographed(page, "password-choose")
        await page.get_by_label("Neues Passwort").fill("erikas-neues-passwort")
        await page.get_by_role("button", name="Passwort speichern").click()
        await async_api.expect(page.get_by_role("status")).to_have_text(
            "Ihr Passwort ist gespeichert. Melden Sie sich jetzt damit an.")
        await photographed(page, "password-saved")
        await page.get_by_label("E-Mail").fill(EMAIL)
        await page.get_by_label("Passwort").fill("erikas-neues-passwort")
        await page.get_by_role("button", name="Anmelden").click()
        await page.wait_for_url("**/volunteer/**")

        await page.goto(link)
        await page.get_by_label("Neues Passwort").fill("noch-ein-passwort")
        await page.get_by_role("button", name="Passwort speichern").click()
        await async_api.expect(page.get_by_role("alert")).to_contain_text(
            "schon benutzt")
        await photographed(page, "password-spent")
        assert refused == []
