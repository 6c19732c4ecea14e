"""Signing out ends the session (issue 17, item 6), against real PostgreSQL and Redis: the
token (bearer or page cookie, and any copy of it) is refused in the process that signed it out
at once and in another process within a second, while the account's other tokens keep working.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from litestar.testing import AsyncTestClient

from services.platform.app import create_app
from services.auth import tokens
from services.auth.revoked_tokens import REFRESH_SECONDS
from services.platform.keys import derive_keys
from services.pages.session import SESSION_COOKIE
from tests.accounts_world import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    SECRET,
    bearer,
    settings_for,
)
from tests.pages_session import client, csrf_of, signed_in  # noqa: F401

pytestmark = pytest.mark.integration

OTHER_PROCESS_WITHIN = 1.0
"""API.md, "Second wave": refused "in every process within 1 s"."""


async def token_of(client: AsyncTestClient) -> str:
    response = await client.post("/api/auth/token",
                                 json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


async def sites(client: AsyncTestClient, token: str) -> int:
    return (await client.get("/api/sites", headers=bearer(token))).status_code


async def home(client: AsyncTestClient, cookie: str) -> int:
    response = await client.get("/", headers={"Cookie": f"{SESSION_COOKIE}={cookie}"},
                                follow_redirects=False)
    return response.status_code


async def refused_after(ask, accepted: int, refused: int, within: float) -> float:
    """Seconds until ``ask()`` answers ``refused``; it must answer ``accepted`` until then."""
    started = time.monotonic()
    while (status := await ask()) != refused:
        assert status == accepted, status
        assert time.monotonic() - started < within, f"still accepted after {within} s"
        await asyncio.sleep(0.02)
    return time.monotonic() - started


@pytest.fixture
async def other_process(client, database_url, servers, broker_namespace):  # noqa: F811
    """A second app on the same servers, as a second API process would be."""
    app = create_app(settings_for(database_url, servers.redis_url, broker_namespace))
    async with AsyncTestClient(app) as other:
        yield other


async def test_a_signed_out_token_is_refused_while_the_accounts_other_tokens_keep_working(client):  # noqa: F811
    token, other_token = await token_of(client), await token_of(client)
    assert await sites(client, token) == 200

    response = await client.post("/api/auth/sign-out", headers=bearer(token))
    assert response.status_code == 204, response.text
    assert response.content == b""

    refused = await client.get("/api/sites", headers=bearer(token))
    assert refused.status_code == 401
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert (await client.post("/api/auth/sign-out", headers=bearer(token))).status_code == 401
    assert await sites(client, other_token) == 200


async def test_signing_out_needs_a_valid_token(client):  # noqa: F811
    assert (await client.post("/api/auth/sign-out")).status_code == 401
    forged = await client.post("/api/auth/sign-out", headers=bearer("forged.token"))
    assert forged.status_code == 401


async def test_another_process_refuses_a_signed_out_bearer_token_within_a_second(
    client, other_process  # noqa: F811
):
    token = await token_of(client)
    assert await sites(other_process, token) == 200  # the other process has looked once
    assert (await client.post("/api/auth/sign-out", headers=bearer(token))).status_code == 204
    took = await refused_after(lambda: sites(other_process, token), 200, 401,
                               OTHER_PROCESS_WITHIN)
    assert took <= REFRESH_SECONDS + 0.3


async def test_the_pages_sign_out_ends_copies_of_the_cookie_in_every_process(
    client, other_process  # noqa: F811
):
    await signed_in(client)
    cookie = client.cookies.get(SESSION_COOKIE)
    assert await home(other_process, cookie) == 200
    assert await sites(other_process, cookie) == 200  # the same token works as a bearer token

    page = await client.get("/")
    signed_out = await client.post("/sign-out", data={"_csrf_token": csrf_of(page.text)},
                                   follow_redirects=False)
    assert signed_out.status_code == 303
    assert signed_out.headers["location"] == "/sign-in?signed_out=1"

    # The copied cookie: back to sign-in here at once, elsewhere within a second; as a bearer
    # token, 401 everywhere.
    assert await home(client, cookie) == 303
    await refused_after(lambda: home(other_process, cookie), 200, 303, OTHER_PROCESS_WITHIN)
    assert await sites(other_process, cookie) == 401
    assert await sites(client, cookie) == 401


async def test_a_token_issued_before_tokens_had_ids_can_be_signed_out_too(client):  # noqa: F811
    signed = await token_of(client)
    claims = tokens.read(derive_keys(SECRET).tokens, signed)
    legacy = tokens.issue(derive_keys(SECRET).tokens, tokens.Principal(
        account_id=claims.account_id, role=claims.role, expires_at=claims.expires_at))
    assert b'"jti":""' in tokens._unb64(legacy.split(".")[0])
    assert await sites(client, legacy) == 200
    assert (await client.post("/api/auth/sign-out", headers=bearer(legacy))).status_code == 204
    assert await sites(client, legacy) == 401
    assert await sites(client, signed) == 200


async def test_revocations_of_expired_tokens_are_deleted_by_a_later_sign_out(client, pool):  # noqa: F811
    await pool.execute("INSERT INTO revoked_tokens (token_id, expires_at) VALUES ($1, $2)",
                       f"old-{uuid4()}", datetime.now(UTC) - timedelta(days=1))
    token = await token_of(client)
    assert (await client.post("/api/auth/sign-out", headers=bearer(token))).status_code == 204
    assert await pool.fetchval("SELECT count(*) FROM revoked_tokens") == 1
