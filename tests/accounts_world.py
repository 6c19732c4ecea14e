"""The accounts world for tests: the seeded accounts of every role, signing in, bearer headers
and the settings of an app under test."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest
from litestar.testing import AsyncTestClient

from events.catalog import registry
from events.store import EventStore
from services.accounts.bootstrap import ensure_admin
from services.auth import tokens
from services.commands.handler import CommandHandler
from services.platform.keys import derive_keys
from services.platform.settings import Settings
from tests.helpers import app_client


SECRET = "test-secret-key"
ADMIN_EMAIL, ADMIN_PASSWORD = "admin@example.org", "admin-password"
PASSWORD = "password-1"
ALICE = {"name": "Alice Beispiel-Unique", "email": "alice.unique@example.org",
         "phone": "+49 5131 123456"}


# --- Callers (the role matrix itself is tests/integration/test_role_matrix.py) ---------------
#
# Every role, the two coordinators scoped to different sites, the volunteer whose id is in the
# path (``volunteer_self``) and another one, plus requests without valid credentials.

ADMIN, COORDINATOR_A, COORDINATOR_B = "admin", "coordinator_a", "coordinator_b"
VOLUNTEER_SELF, VOLUNTEER_OTHER, AUDITOR = "volunteer_self", "volunteer_other", "auditor"
ROLES = (ADMIN, COORDINATOR_A, COORDINATOR_B, VOLUNTEER_SELF, VOLUNTEER_OTHER, AUDITOR)
UNAUTHENTICATED = ("no token", "expired token", "forged token", "tampered token")


@dataclass
class World:
    client: AsyncTestClient
    tokens: dict[str, str | None]
    targets: dict[str, UUID]


async def sign_in(client: AsyncTestClient, email: str, password: str) -> str:
    response = await client.post("/api/auth/token", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


def bearer(token: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"} if token else {}


def settings_for(database_url: str, redis_url: str, broker_namespace: str) -> Settings:
    return Settings(database_url=database_url, redis_url=redis_url, secret_key=SECRET,
                    broker_namespace=broker_namespace)


async def register_volunteer(client: AsyncTestClient, admin: str, person: dict) -> UUID:
    created = await client.post("/api/volunteers", json=person, headers=bearer(admin))
    assert created.status_code == 201, created.text
    return UUID(created.json()["id"])


async def add_site(client: AsyncTestClient, admin: str, name: str) -> UUID:
    created = await client.post("/api/sites", json={"name": name, "village": "Wennigsen"},
                                headers=bearer(admin))
    assert created.status_code == 201, created.text
    return UUID(created.json()["id"])


async def role_accounts(client: AsyncTestClient, admin: str, site_a: UUID, site_b: UUID,
                        alice: UUID, bernd: UUID) -> dict[str, str | None]:
    """An account for each role (a coordinator of each site, Alice and Bernd as volunteers, an
    auditor), each signed in: the role's token by its name, the admin's included."""
    accounts = {
        COORDINATOR_A: {"role": "coordinator", "site_ids": [str(site_a)]},
        COORDINATOR_B: {"role": "coordinator", "site_ids": [str(site_b)]},
        VOLUNTEER_SELF: {"role": "volunteer", "volunteer_id": str(alice)},
        VOLUNTEER_OTHER: {"role": "volunteer", "volunteer_id": str(bernd)},
        AUDITOR: {"role": "auditor"},
    }
    signed_in: dict[str, str | None] = {ADMIN: admin}
    for name, fields in accounts.items():
        email = f"{name}@example.org"
        response = await client.post(
            "/api/accounts", json={"email": email, "password": PASSWORD, **fields},
            headers=bearer(admin),
        )
        assert response.status_code == 201, response.text
        signed_in[name] = await sign_in(client, email, PASSWORD)
    return signed_in


@pytest.fixture
async def world(database_url, servers, broker_namespace, pool):
    await ensure_admin(CommandHandler(EventStore(pool, registry)), pool, derive_keys(SECRET), ADMIN_EMAIL,
                       ADMIN_PASSWORD)
    async with app_client(settings_for(database_url, servers.redis_url, broker_namespace)) as client:
        admin = await sign_in(client, ADMIN_EMAIL, ADMIN_PASSWORD)
        alice = await register_volunteer(client, admin, ALICE)
        bernd = await register_volunteer(client, admin, {"name": "Bernd",
                                                         "email": "bernd@example.org"})
        site_a, site_b = [await add_site(client, admin, name) for name in ("Treff A", "Treff B")]
        signed_in = await role_accounts(client, admin, site_a, site_b, alice, bernd)
        signed_in |= {
            "no token": None,
            "expired token": expired_token(),
            "forged token": forged_token(),
            "tampered token": tampered(signed_in[VOLUNTEER_SELF]),
        }
        yield World(client, signed_in, {"volunteer_id": alice, "site_id": site_a})


def expired_token() -> str:
    past = tokens.new_principal(uuid4(), "admin", [], None, datetime.now(UTC) - timedelta(days=2))
    return tokens.issue(derive_keys(SECRET).tokens, past)


def forged_token() -> str:
    principal = tokens.new_principal(uuid4(), "admin", [], None, datetime.now(UTC))
    return tokens.issue(b"not the service's key", principal)


def tampered(token: str) -> str:
    """The volunteer's own valid token with its claims rewritten to admin, signature kept."""
    claims, signature = token.split(".")
    payload = base64.urlsafe_b64decode(claims + "=" * (-len(claims) % 4))
    forged = payload.replace(b'"role":"volunteer"', b'"role":"admin"')
    assert forged != payload
    return f"{base64.urlsafe_b64encode(forged).rstrip(b'=').decode()}.{signature}"


async def all_table_text(pool) -> list[str]:
    """Every row of every table in the database, as text: what plain SQL can find."""
    tables = await pool.fetch(
        "SELECT table_schema, table_name FROM information_schema.tables "
        "WHERE table_schema NOT IN ('pg_catalog', 'information_schema') "
        "AND table_type = 'BASE TABLE'")
    texts = []
    for table in tables:
        texts += [row["t"] for row in await pool.fetch(
            f'SELECT t::text AS t FROM "{table["table_schema"]}"."{table["table_name"]}" t')]
    return texts
