"""The admin's "Postausgang": without TREFFPUNKT_SMTP_URL, ``serve`` starts a local SMTP server
(aiosmtpd) writing a Maildir under the data folder; here a real worker process delivers a
claim's confirmation through it, and the admin (only the admin) reads it on the page: listed
with date, recipient, subject and kind, shown with its text, its HTML only as escaped source,
its attachment by name."""

from __future__ import annotations

import logging
import re

import msgspec
import pytest
from litestar.testing import AsyncTestClient

from services.pages.session import SESSION_COOKIE
from services.platform.app import create_app
from services.platform.local_mailbox import LocalMailbox
from tests.accounts_world import ADMIN_EMAIL, ADMIN_PASSWORD, PASSWORD, SECRET
from tests.coordinator_pages import csrf_of
from tests.notifications_world import eventually, states
from tests.scheduling_world import (  # noqa: F401 - world is a fixture
    COORDINATOR_A,
    VOLUNTEER_SELF,
    a_shift,
    settings_for,
    world,
)
from tests.projection_checks import workers

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]


async def sign_in(client: AsyncTestClient, email: str, password: str) -> None:
    client.cookies.delete(SESSION_COOKIE)
    form = await client.get("/sign-in")
    response = await client.post("/sign-in", data={
        "email": email, "password": password, "next": "/", "_csrf_token": csrf_of(form.text)},
        follow_redirects=False)
    assert response.status_code == 303, response.text


async def test_a_confirmation_delivered_through_the_local_mailbox_is_read_by_the_admin_only(
    world, pool, database_url, servers, broker_namespace, tmp_path, caplog  # noqa: F811
):
    caplog.set_level(logging.INFO)  # aiosmtpd's own INFO lines would name the recipient
    mailbox = LocalMailbox(tmp_path)
    url = mailbox.start()
    try:
        shift = await a_shift(world)
        await world.created(VOLUNTEER_SELF, f"/api/shifts/{shift}/claims", {})
        with workers(database_url, servers.redis_url, broker_namespace, 1, env={
                "TREFFPUNKT_SMTP_URL": url, "TREFFPUNKT_SECRET_KEY": SECRET}) as (worker,):
            async def sent():
                # (the coordinators' weekly digest may be decided meanwhile: nothing to tell)
                return [state for key, state in (await states(pool)).items()
                        if ":claim_confirmed:" in key] == ["sent"]
            await eventually(sent, what="the confirmation sent", worker=worker)
    finally:
        mailbox.stop()
    assert not [r for r in caplog.records if "alice@example.org" in r.getMessage()]

    settings = msgspec.structs.replace(
        settings_for(database_url, servers.redis_url, broker_namespace), data_dir=tmp_path)
    async with AsyncTestClient(create_app(settings)) as client:
        for caller in (COORDINATOR_A, VOLUNTEER_SELF):
            await sign_in(client, f"{caller}@example.org", PASSWORD)
            assert (await client.get("/coordinator/outbox/")).status_code == 403, caller

        await sign_in(client, ADMIN_EMAIL, ADMIN_PASSWORD)
        assert 'href="/coordinator/outbox/"' in (await client.get("/")).text
        listed = await client.get("/coordinator/outbox/")
        assert listed.status_code == 200, listed.text
        row, = re.findall(r"<li>(.*?)</li>", listed.text.split('<ol class="mails">')[1], re.S)
        assert "Eingetragen: Mittagstisch" in row and "alice@example.org" in row
        assert "<code>claim_confirmed</code>" in row
        link, = re.findall(r'href="(/coordinator/outbox/[^"]+)"', row)

        shown = await client.get(link)
        assert shown.status_code == 200, shown.text
        assert "Hallo Alice," in shown.text and "schicht.ics" in shown.text
        assert "text/calendar" in shown.text
        # The HTML part only as its source, escaped: no tag of the mail reaches the page.
        assert "&lt;!DOCTYPE html&gt;" in shown.text and 'style="margin:0' not in shown.text
        assert "default-src 'self'" in shown.headers["Content-Security-Policy"]
        assert (await client.get("/coordinator/outbox/..%2F..%2Fsecret_key")).status_code == 404
        assert (await client.get("/coordinator/outbox/1.M2P3Q4.nohost")).status_code == 404


async def test_without_a_local_mailbox_the_page_says_where_mail_goes(
    world, database_url, servers, broker_namespace, tmp_path  # noqa: F811
):
    settings = msgspec.structs.replace(
        settings_for(database_url, servers.redis_url, broker_namespace), data_dir=tmp_path)
    async with AsyncTestClient(create_app(settings)) as client:
        await sign_in(client, ADMIN_EMAIL, ADMIN_PASSWORD)
        page = await client.get("/coordinator/outbox/")
        assert page.status_code == 200 and "TREFFPUNKT_SMTP_URL" in page.text


def test_the_local_mailbox_starts_in_a_data_folder_not_made_yet(tmp_path):
    # With DATABASE_URL and REDIS_URL set, nothing else makes the data folder before it.
    mailbox = LocalMailbox(tmp_path / "fresh-checkout" / ".treffpunkt")
    try:
        assert mailbox.start().startswith("smtp://127.0.0.1:")
        assert (mailbox.folder / "cur").is_dir()
    finally:
        mailbox.stop()
