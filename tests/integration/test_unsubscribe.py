"""One-click unsubscribe (RFC 8058, RFC 2369) through the real routes, the notifier, the
outbox's delivery with the settings a worker reads from its environment, and a real SMTP server
(aiosmtpd): every message to a volunteer names a signed link; a POST to it (no session, no CSRF
token) turns that kind off, a GET only asks, a tampered link changes nothing."""

from __future__ import annotations

from email.message import EmailMessage
from urllib.parse import urlsplit

import pytest

from events.catalog import registry
from events.store import EventStore
from projections.notifier import NOTIFIER
from projections.runner import ensure_projection
from tests.accounts_world import SECRET, VOLUNTEER_SELF
from tests.mailbox import (
    mail_env,
    smtp_port,  # noqa: F401 - a fixture
    smtp_server,
    text_of,
)
from tests.scheduling_world import a_shift, event_count, world  # noqa: F401 - a fixture
from workers.mail.outbox import deliver_due
from tests.projection_checks import run_until_caught_up

pytestmark = pytest.mark.integration

PUBLIC = "https://treffpunkt.bersenbrueck.example"


async def queue(pool) -> None:
    await ensure_projection(pool, NOTIFIER)
    await run_until_caught_up(pool, EventStore(pool, registry), NOTIFIER)


async def mailed(pool, port: int, monkeypatch) -> list[EmailMessage]:
    """Deliver the outbox as a worker does, its settings read from the environment."""
    await queue(pool)
    for name, value in mail_env(port, TREFFPUNKT_SECRET_KEY=SECRET).items():
        monkeypatch.setenv(name, value)
    with smtp_server(port) as inbox:
        await deliver_due(pool)
    return inbox.messages


async def alice_confirmed(world, pool, port: int, monkeypatch) -> EmailMessage:
    shift = await a_shift(world)
    await world.created(VOLUNTEER_SELF, f"/api/shifts/{shift}/claims", {})
    message, = await mailed(pool, port, monkeypatch)
    assert "alice@example.org" in message["To"]
    return message


def link_of(message: EmailMessage) -> str:
    """The path of the message's List-Unsubscribe link (the test client is the public URL)."""
    header = message["List-Unsubscribe"].strip()  # folded after the colon: it is long
    assert header.startswith(f"<{PUBLIC}/unsubscribe/") and header.endswith(">"), header
    return urlsplit(header[1:-1]).path


async def settings(world, pool, caller: str = VOLUNTEER_SELF) -> dict:
    await queue(pool)  # the settings are read from the notifier's model
    response = await world.call(caller, "GET",
                                f"/api/volunteers/{world.alice}/notification-settings")
    assert response.status_code == 200, response.text
    return response.json()


async def test_every_message_carries_a_signed_one_click_link_and_a_footer_to_it(
    world, pool, smtp_port, monkeypatch  # noqa: F811
):
    message = await alice_confirmed(world, pool, smtp_port, monkeypatch)
    link = link_of(message)
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert f"{PUBLIC}{link}" in text_of(message)
    assert f'href="{PUBLIC}{link}"' in message.get_body(("html",)).get_content()
    assert link.split("/")[-1].split(".")[:2] == [world.alice.hex, "claim_confirmed"]


async def test_a_post_without_session_or_csrf_turns_the_kind_off_and_nothing_more_is_queued(
    world, pool, smtp_port, monkeypatch  # noqa: F811
):
    link = link_of(await alice_confirmed(world, pool, smtp_port, monkeypatch))
    # As a mail provider posts it (RFC 8058): no cookie, no token, the one-click body.
    world.client.cookies.clear()
    answer = await world.client.post(link, content=b"List-Unsubscribe=One-Click", headers={
        "Content-Type": "application/x-www-form-urlencoded"})
    assert answer.status_code == 200, answer.text
    assert "Content-Security-Policy" in answer.headers
    assert (await settings(world, pool))["off"] == ["claim_confirmed"]
    stored = await pool.fetchrow("SELECT type, metadata FROM events ORDER BY position DESC LIMIT 1")
    assert stored["type"] == "volunteer.notification_settings_changed"
    assert b"unsubscribe-link" in stored["metadata"]

    count = await event_count(pool)
    again = await world.client.post(link)  # a second click: still fine, nothing appended
    assert again.status_code == 200
    assert await event_count(pool) == count

    other = await a_shift(world, days=6)
    await world.created(VOLUNTEER_SELF, f"/api/shifts/{other}/claims", {})
    await queue(pool)
    assert await pool.fetchval(
        "SELECT count(*) FROM outbox WHERE kind = 'claim_confirmed' AND shift_id = $1",
        other) == 0


async def test_a_get_only_asks_in_the_volunteers_language_and_changes_nothing(
    world, pool, smtp_port, monkeypatch  # noqa: F811
):
    english = await world.call(VOLUNTEER_SELF, "PUT",
                               f"/api/volunteers/{world.alice}/notification-settings",
                               {"language": "en", "reminder_hours_before": 24, "off": []})
    assert english.status_code == 200, english.text
    link = link_of(await alice_confirmed(world, pool, smtp_port, monkeypatch))
    before = await event_count(pool)
    world.client.cookies.clear()
    shown = await world.client.get(link, headers={"Accept-Language": "de"})
    assert shown.status_code == 200
    assert 'lang="en"' in shown.text and "Yes, unsubscribe" in shown.text
    assert f'<form method="post" action="{link}">' in shown.text
    assert "default-src 'self'" in shown.headers["Content-Security-Policy"]
    assert await event_count(pool) == before
    assert (await settings(world, pool))["off"] == []

    done = await world.client.post(link)  # the page's button
    assert done.status_code == 200 and "no longer receive" in done.text
    assert await settings(world, pool) == {"language": "en", "reminder_hours_before": 24,
                                     "off": ["claim_confirmed"]}


@pytest.mark.parametrize("tamper", ["kind", "volunteer", "signature", "garbage"])
async def test_a_tampered_link_is_refused_and_changes_nothing(
    world, pool, smtp_port, monkeypatch, tamper  # noqa: F811
):
    link = link_of(await alice_confirmed(world, pool, smtp_port, monkeypatch))
    volunteer, kind, signature = link.rsplit("/", 1)[1].split(".")
    forged = {"kind": f"{volunteer}.reminder.{signature}",
              "volunteer": f"{world.bernd.hex}.{kind}.{signature}",
              "signature": f"{volunteer}.{kind}.{signature[:-2]}AA",
              "garbage": "not-a-link"}[tamper]
    before = await event_count(pool)
    world.client.cookies.clear()
    for method in ("POST", "GET"):
        answer = await world.client.request(method, f"/unsubscribe/{forged}")
        assert answer.status_code == 404, (method, answer.text)
    assert await event_count(pool) == before
    assert (await settings(world, pool))["off"] == []
