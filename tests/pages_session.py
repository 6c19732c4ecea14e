"""The pages under test: a client of the app, signed in as the admin through the sign-in form,
and the CSRF token of a page's form."""

from __future__ import annotations

import re

import pytest
from litestar.testing import AsyncTestClient

from events.catalog import registry
from events.store import EventStore
from services.accounts.bootstrap import ensure_admin
from services.commands.handler import CommandHandler
from services.platform.keys import derive_keys
from tests.accounts_world import ADMIN_EMAIL, ADMIN_PASSWORD, SECRET, settings_for
from tests.helpers import app_client


@pytest.fixture
async def client(database_url, servers, broker_namespace, pool):
    await ensure_admin(CommandHandler(EventStore(pool, registry)), pool, derive_keys(SECRET), ADMIN_EMAIL,
                       ADMIN_PASSWORD)
    async with app_client(settings_for(database_url, servers.redis_url, broker_namespace)) as client:
        yield client


def csrf_of(html: str) -> str:
    match = re.search(r'name="_csrf_token" value="([^"]+)"', html)
    assert match, "the form carries no CSRF token"
    return match.group(1)


async def sign_in_form(client: AsyncTestClient, next_path: str = "/") -> str:
    response = await client.get("/sign-in", params={"next": next_path})
    assert response.status_code == 200
    assert "text/html" in response.headers["content-type"]
    return csrf_of(response.text)


async def signed_in(client: AsyncTestClient) -> None:
    token = await sign_in_form(client)
    response = await client.post("/sign-in", data={
        "email": ADMIN_EMAIL, "password": ADMIN_PASSWORD, "next": "/", "_csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303, response.text
