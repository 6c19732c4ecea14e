""""Passwort vergessen" and an invitation in a real browser (the system's Chromium): from the sign-in page to the
link in the mail a real SMTP server (aiosmtpd) received, a new password, and signing in with
it; the spent link refused. Screenshots at 390 and 1280 px (``phone-password-*``)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from events.catalog import registry
from events.store import EventStore
from services.accounts.bootstrap import ensure_admin
from services.commands.handler import CommandHandler
from services.platform.keys import derive_keys
from tests.browsing import async_api, browser, policy_violations
from tests.phone_browsing import PHONE, photographed
from tests.serving import Api, served, sign_in
from tests.accounts_world import ADMIN_EMAIL, ADMIN_PASSWORD, PASSWORD, SECRET
from tests.mailbox import smtp_port  # noqa: F401 - a fixture
from tests.reset_mail import delivered, link_in

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(180)]

EMAIL = "erika.vergesslich@example.org"


@pytest.fixture
async def base_url(database_url, servers, broker_namespace, pool) -> AsyncIterator[str]:
    """The app under uvicorn, with its admin."""
    await ensure_admin(CommandHandler(EventStore(pool, registry)), pool, derive_keys(SECRET),
                       ADMIN_EMAIL, ADMIN_PASSWORD)
    async with served(database_url, servers.redis_url, broker_namespace) as url:
        yield url


@asynccontextmanager
async def as_admin(base_url: str) -> AsyncIterator[Api]:
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
        yield Api(client, await sign_in(client, ADMIN_EMAIL, ADMIN_PASSWORD))


async def german_phone(browser: Any) -> tuple[Any, list[str]]:
    """A page at 390 px in German; what the Content-Security-Policy refused on it."""
    context = await browser.new_context(viewport=PHONE, locale="de-DE")
    refused = policy_violations(context)
    return await context.new_page(), refused


async def test_a_volunteer_who_forgot_her_password_chooses_a_new_one_from_the_mail(
    base_url, pool, smtp_port, browser  # noqa: F811
):
    async with as_admin(base_url) as api:
        erika = await api.created("/api/volunteers", {"name": "Erika", "email": EMAIL})
        await api.created("/api/accounts", {"email": EMAIL, "password": PASSWORD,
                                            "role": "volunteer", "volunteer_id": erika["id"]})
    page, refused = await german_phone(browser)
    await page.goto(base_url + "/sign-in")
    await page.get_by_role("link", name="Passwort vergessen?").click()
    await page.get_by_label("E-Mail").fill(EMAIL)
    await photographed(page, "password-forgot")
    await page.get_by_role("button", name="Link schicken").click()
    await async_api.expect(page.get_by_role("status")).to_contain_text(
        "Der Link gilt eine Stunde.")
    await photographed(page, "password-sent")

    message, = await delivered(pool, smtp_port)
    link = f"{base_url}/password/{link_in(message)}"
    await page.goto(link)
    assert page.url == f"{base_url}/password-choice"  # the token left the address bar
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


async def test_an_invited_volunteer_chooses_her_password_and_signs_in(
    base_url, pool, smtp_port, browser  # noqa: F811
):
    async with as_admin(base_url) as api:
        greta = await api.created("/api/volunteers", {"name": "Greta", "email": EMAIL})
        invited = await api.post(f"/api/volunteers/{greta['id']}/invitation")
        assert invited.status_code == 202, invited.text
    message, = await delivered(pool, smtp_port)
    page, refused = await german_phone(browser)
    await page.goto(f"{base_url}/password/{link_in(message)}")
    await async_api.expect(page.get_by_role("heading")).to_have_text(
        "Willkommen! Wählen Sie Ihr Passwort")
    await page.get_by_label("Neues Passwort").fill("gretas-passwort")
    await photographed(page, "password-invitation")
    await page.get_by_role("button", name="Passwort speichern").click()
    await page.get_by_label("E-Mail").fill(EMAIL)
    await page.get_by_label("Passwort").fill("gretas-passwort")
    await page.get_by_role("button", name="Anmelden").click()
    await page.wait_for_url("**/volunteer/**")
    assert refused == []
