"""Password reset over HTTP, the link read from the mail a real SMTP server (aiosmtpd)
received: the same answer for any e-mail, a link that works once, other tokens kept."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from events.catalog import registry
from events.store import EventStore
from services.accounts import links, password_links
from services.commands.handler import CommandHandler
from services.platform.keys import derive_keys
from tests.accounts_world import (
    PASSWORD,
    SECRET,
    VOLUNTEER_SELF,
    bearer,
    world,  # noqa: F401 - a fixture
)
from tests.mailbox import smtp_port, text_of
from tests.pages_session import csrf_of
from tests.reset_mail import choose, delivered, link_in

pytestmark = pytest.mark.integration

EMAIL = f"{VOLUNTEER_SELF}@example.org"


async def mailed_link(pool, port: int) -> str:
    message, = await delivered(pool, port)
    assert message["To"].addresses[0].addr_spec == EMAIL
    assert message["Subject"] == "Neues Passwort für Treffpunkt"
    assert "gilt eine Stunde und nur einmal" in text_of(message)
    return link_in(message)


async def test_a_mailed_link_sets_the_password_once_and_other_tokens_keep_working(
    world, pool, smtp_port  # noqa: F811
):
    client = world.client
    known = await client.post("/api/auth/password-reset", json={"email": EMAIL.upper()})
    unknown = await client.post("/api/auth/password-reset", json={"email": "no@example.org"})
    assert known.status_code == unknown.status_code == 202
    assert known.json() == unknown.json()
    assert await pool.fetchval("SELECT count(*) FROM outbox WHERE kind = 'password_reset'") == 1
    assert await pool.fetchval(
        "SELECT count(*) FROM outbox WHERE params::text ILIKE '%example.org%'") == 0

    token = await mailed_link(pool, smtp_port)
    assert await pool.fetchval(  # the link is not kept once sent
        "SELECT count(*) FROM outbox WHERE params ? 'token'") == 0
    chosen = await choose(client, token, "ein-neues-passwort")
    assert chosen.status_code == 204, chosen.text
    again = await choose(client, token)
    assert again.status_code == 409 and "token" in again.text

    new = await client.post("/api/auth/token",
                            json={"email": EMAIL, "password": "ein-neues-passwort"})
    assert new.status_code == 200, new.text
    old = await client.post("/api/auth/token", json={"email": EMAIL, "password": PASSWORD})
    assert old.status_code == 401
    kept = await client.get("/api/notifications", headers=bearer(world.tokens[VOLUNTEER_SELF]))
    assert kept.status_code == 200


async def test_the_token_may_travel_in_the_body_instead_of_the_path(
    world, pool, smtp_port  # noqa: F811
):
    client = world.client
    await client.post("/api/auth/password-reset", json={"email": EMAIL})
    token = await mailed_link(pool, smtp_port)
    chosen = await client.post("/api/auth/password-choice",
                               json={"token": token, "password": "im-koerper-gewaehlt"})
    assert chosen.status_code == 204, chosen.text
    again = await client.post("/api/auth/password-choice",
                              json={"token": token, "password": "noch-ein-passwort"})
    assert again.status_code == 409 and "token" in again.text
    missing = await client.post("/api/auth/password-choice", json={"password": "ohne-link-1"})
    assert missing.status_code in (400, 422) and "token" in missing.text
    signed_in = await client.post("/api/auth/token",
                                  json={"email": EMAIL, "password": "im-koerper-gewaehlt"})
    assert signed_in.status_code == 200


async def test_a_forged_expired_or_earlier_link_is_refused_naming_the_token(
    world, pool, smtp_port  # noqa: F811
):
    client = world.client
    await client.post("/api/auth/password-reset", json={"email": EMAIL})
    await client.post("/api/auth/password-reset", json={"email": EMAIL})
    first, second = map(link_in, await delivered(pool, smtp_port))
    assert (await choose(client, second, "ein-neues-passwort")).status_code == 204
    earlier = await choose(client, first)
    assert earlier.status_code == 409, earlier.text

    forged = await choose(client, f"{first[:-2]}xx")
    assert forged.status_code == 422 and "token" in forged.text
    keys = derive_keys(SECRET)
    expired = links.issue(keys.tokens, uuid4(), links.RESET, 0,
                          datetime.now(UTC) - timedelta(hours=1, seconds=1))
    late = await choose(client, expired)
    assert late.status_code == 422 and "expired" in late.text
    short = await choose(client, second, "kurz")
    assert short.status_code in (400, 422) and "password" in short.text


async def test_signing_out_everywhere_ends_the_tokens_signed_in_before_not_the_new_ones(
    world, pool, smtp_port  # noqa: F811
):
    client, before = world.client, bearer(world.tokens[VOLUNTEER_SELF])
    await client.post("/api/auth/password-reset", json={"email": EMAIL})
    token = await mailed_link(pool, smtp_port)
    chosen = await choose(client, token, "ein-neues-passwort", sign_out_everywhere=True)
    assert chosen.status_code == 204, chosen.text
    assert (await client.get("/api/notifications", headers=before)).status_code == 401
    signed_in = await client.post("/api/auth/token",
                                  json={"email": EMAIL, "password": "ein-neues-passwort"})
    after = bearer(signed_in.json()["access_token"])
    assert (await client.get("/api/notifications", headers=after)).status_code == 200


async def test_forgotten_password_in_the_pages_same_page_for_anyone_then_the_link_once(
    world, pool, smtp_port  # noqa: F811
):
    client = world.client
    form = await client.get("/password-reset")
    assert form.status_code == 200 and "<script" not in form.text
    for email in (EMAIL, "nobody@example.org"):
        sent = await client.post("/password-reset", data={
            "email": email, "_csrf_token": csrf_of(form.text)})
        assert sent.status_code == 200 and "Link gilt eine Stunde" in sent.text
    token = await mailed_link(pool, smtp_port)

    opened = await client.get(f"/password/{token}", follow_redirects=False)
    assert opened.status_code == 303 and opened.headers["location"] == "/password-choice"
    assert opened.headers["referrer-policy"] == "no-referrer"
    cookie = opened.headers["set-cookie"]
    assert "HttpOnly" in cookie and "Path=/password-choice" in cookie and "Max-Age=900" in cookie
    shown = await client.get(opened.headers["location"])
    assert shown.status_code == 200 and 'autocomplete="new-password"' in shown.text
    assert token not in shown.text and shown.headers["referrer-policy"] == "no-referrer"
    short = await client.post("/password-choice", data={
        "password": "kurz", "_csrf_token": csrf_of(shown.text)})
    assert short.status_code == 422 and "mindestens 8 Zeichen" in short.text
    saved = await client.post("/password-choice", data={
        "password": "im-browser-gewaehlt", "_csrf_token": csrf_of(shown.text)},
        follow_redirects=False)
    assert saved.status_code == 303 and saved.headers["location"] == "/sign-in?password_set=1"
    assert 'treffpunkt_password_link=""' in saved.headers["set-cookie"]
    assert "Ihr Passwort ist gespeichert" in (await client.get(saved.headers["location"])).text
    client.cookies.set("treffpunkt_password_link", token, path="/password-choice")
    again = await client.post("/password-choice", data={
        "password": "noch-ein-passwort", "_csrf_token": csrf_of(shown.text)})
    assert again.status_code == 409 and "schon benutzt" in again.text
    signed_in = await client.post("/api/auth/token",
                                  json={"email": EMAIL, "password": "im-browser-gewaehlt"})
    assert signed_in.status_code == 200
    forged = await client.get(f"/password/{token[:-2]}xx")
    assert forged.status_code == 410 and "nicht gültig" in forged.text


async def test_at_most_three_reset_mails_an_hour_reach_one_account(world, pool):  # noqa: F811
    for _ in range(5):
        answer = await world.client.post("/api/auth/password-reset", json={"email": EMAIL})
        assert answer.status_code == 202
    assert await pool.fetchval(
        "SELECT count(*) FROM outbox WHERE kind = 'password_reset'") == 3


async def test_parallel_requests_reach_one_account_at_most_three_times(world, pool):  # noqa: F811
    """The work each request's answer leaves behind (``request_reset``), eight at once: the
    test client answers one request at a time, so they are run side by side here."""
    commands = CommandHandler(EventStore(pool, registry))
    await asyncio.gather(*(password_links.request_reset(commands, pool, derive_keys(SECRET),
                                                        EMAIL) for _ in range(8)))
    assert await pool.fetchval(
        "SELECT count(*) FROM outbox WHERE kind = 'password_reset'") == 3


async def test_one_client_asks_for_links_and_uses_them_a_limited_number_of_times(
    world, pool  # noqa: F811
):
    """Counted per client address before any lookup: the eleventh request waits, whatever
    e-mail or link it names, known or not."""
    client = world.client
    for email in [EMAIL, "nobody@example.org"] * 5:
        assert (await client.post("/api/auth/password-reset",
                                  json={"email": email})).status_code == 202
    for email in (EMAIL, "nobody@example.org"):
        waits = await client.post("/api/auth/password-reset", json={"email": email})
        assert waits.status_code == 429 and int(waits.headers["Retry-After"]) > 0
    forged = f"{links.issue(b'not our key', uuid4(), links.RESET, 0, datetime.now(UTC))}"
    uses = [await choose(client, forged) for _ in range(11)]
    assert [use.status_code for use in uses] == [422] * 10 + [429]


async def test_the_forgotten_password_page_waits_after_ten_requests_from_one_client(
    world, pool  # noqa: F811
):
    client = world.client
    form = await client.get("/password-reset")
    for email in [EMAIL, "nobody@example.org"] * 5:
        sent = await client.post("/password-reset", data={
            "email": email, "_csrf_token": csrf_of(form.text)})
        assert sent.status_code == 200
    waits = await client.post("/password-reset", data={
        "email": "nobody@example.org", "_csrf_token": csrf_of(form.text)})
    assert waits.status_code == 429 and "Zu viele Versuche" in waits.text
    assert int(waits.headers["Retry-After"]) > 0
