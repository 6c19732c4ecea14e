"""The pages' session: sign-in form with CSRF, an HTTP-only cookie that only pages accept."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import msgspec
import pytest

from services.auth import tokens
from services.platform.keys import derive_keys
from services.pages.session import SESSION_COOKIE
from tests.accounts_world import ADMIN_EMAIL, ADMIN_PASSWORD, SECRET
from tests.pages_session import client, csrf_of, sign_in_form, signed_in

pytestmark = pytest.mark.integration


async def test_a_page_without_a_session_sends_the_browser_to_sign_in(client):
    response = await client.get("/", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/sign-in?next=/"


async def test_signing_in_sets_an_http_only_session_cookie_and_returns_to_the_page(client):
    token = await sign_in_form(client, "/")
    response = await client.post("/sign-in", data={
        "email": ADMIN_EMAIL, "password": ADMIN_PASSWORD, "next": "/", "_csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/"
    cookie = next(h for h in response.headers.get_list("set-cookie")
                  if h.startswith(SESSION_COOKIE + "="))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie.replace("Lax", "lax")
    home = await client.get("/")
    assert home.status_code == 200
    assert "Verwaltung" in home.text  # the admin's role, in German first


async def test_a_form_post_without_the_csrf_token_is_refused(client):
    await sign_in_form(client)
    response = await client.post("/sign-in", data={"email": ADMIN_EMAIL,
                                                   "password": ADMIN_PASSWORD, "next": "/"})
    assert response.status_code == 403
    assert SESSION_COOKIE not in response.cookies


async def test_a_forged_csrf_token_is_refused(client):
    token = await sign_in_form(client)
    response = await client.post("/sign-in", data={
        "email": ADMIN_EMAIL, "password": ADMIN_PASSWORD, "next": "/",
        "_csrf_token": token[:-4] + "AAAA"})
    assert response.status_code == 403


async def test_wrong_credentials_show_the_form_again_without_saying_which_was_wrong(client):
    for email in (ADMIN_EMAIL, f"{uuid4().hex}@example.org"):
        token = await sign_in_form(client)
        response = await client.post("/sign-in", data={
            "email": email, "password": "not-the-password", "next": "/", "_csrf_token": token})
        assert response.status_code == 401
        assert "E-Mail oder Passwort ist falsch." in response.text
        assert SESSION_COOKIE not in response.cookies


async def test_the_session_cookie_is_not_accepted_by_the_api(client):
    await signed_in(client)
    assert client.cookies.get(SESSION_COOKIE)
    response = await client.post("/api/sites", json={"name": "X", "village": "Y"})
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_a_forged_or_expired_session_cookie_leads_to_sign_in_and_is_dropped(client):
    keys = derive_keys(SECRET)
    expired = tokens.Principal(account_id=uuid4(), role="admin",
                               expires_at=datetime.now(UTC) - timedelta(minutes=1))
    valid_elsewhere = msgspec.structs.replace(expired, expires_at=datetime.now(UTC) + timedelta(hours=1))
    for value in ("not-a-token", tokens.issue(keys.tokens, expired),
                  tokens.issue(b"another service's key", valid_elsewhere)):
        client.cookies.set(SESSION_COOKIE, value)
        response = await client.get("/", follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/sign-in")
        assert any(h.startswith(SESSION_COOKIE + "=") and "Max-Age=0" in h
                   for h in response.headers.get_list("set-cookie"))


async def test_signing_out_clears_the_session(client):
    await signed_in(client)
    home = await client.get("/")
    response = await client.post("/sign-out", data={"_csrf_token": csrf_of(home.text)},
                                 follow_redirects=False)
    assert response.status_code == 303
    client.cookies.delete(SESSION_COOKIE)  # what the browser does with Max-Age=0
    assert (await client.get("/", follow_redirects=False)).status_code == 303


async def test_sign_in_never_redirects_to_another_site(client):
    token = await sign_in_form(client)
    response = await client.post("/sign-in", data={
        "email": ADMIN_EMAIL, "password": ADMIN_PASSWORD, "next": "//evil.example/x",
        "_csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/"


async def test_english_can_be_chosen_and_is_kept(client):
    response = await client.get("/sign-in", params={"lang": "en"})
    assert '<html lang="en">' in response.text and "Password" in response.text
    again = await client.get("/sign-in")
    assert '<html lang="en">' in again.text


async def test_cookies_are_secure_when_the_deployment_says_it_runs_behind_tls(
    client, monkeypatch
):
    monkeypatch.setenv("TREFFPUNKT_SECURE_COOKIES", "1")
    token = await sign_in_form(client)
    response = await client.post("/sign-in", data={
        "email": ADMIN_EMAIL, "password": ADMIN_PASSWORD, "next": "/", "_csrf_token": token},
        follow_redirects=False)
    session = next(h for h in response.headers.get_list("set-cookie")
                   if h.startswith(SESSION_COOKIE + "="))
    assert "Secure" in session
