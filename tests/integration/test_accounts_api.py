"""Accounts, roles and erasure through the HTTP API, against real PostgreSQL and Redis."""

from __future__ import annotations

import base64
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from litestar.testing import AsyncTestClient

from events import ledger
from events.catalog import registry
from events.store import EventStore
from services.accounts.bootstrap import ensure_admin
from services.commands.handler import CommandHandler
from services.platform.app import create_app
from services.auth import tokens
from services.platform.embedded import free_port
from services.platform.keys import derive_keys
from tests.helpers import app_client
from services.platform.settings import Settings

pytestmark = pytest.mark.integration

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
COORDINATORS = {COORDINATOR_A, COORDINATOR_B}


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


async def test_signing_in_with_a_wrong_password_or_unknown_email_says_the_same(world):
    wrong = await world.client.post("/api/auth/token",
                                    json={"email": ADMIN_EMAIL, "password": "nope-nope"})
    unknown = await world.client.post("/api/auth/token",
                                      json={"email": "nobody@example.org", "password": "nope-nope"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()


async def test_a_token_answers_with_its_role_and_expiry_and_is_accepted_until_then(world):
    response = await world.client.post("/api/auth/token",
                                       json={"email": "Auditor@Example.org ", "password": PASSWORD})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["role"] == "auditor"
    expires_at = datetime.fromisoformat(body["expires_at"])
    assert timedelta(hours=1) < expires_at - datetime.now(UTC) <= tokens.TOKEN_LIFETIME


async def test_a_tampered_or_expired_token_gets_401(world):
    for caller in ("expired token", "forged token", "tampered token"):
        response = await world.client.get(
            f"/api/volunteers/{world.targets['volunteer_id']}", headers=bearer(world.tokens[caller]))
        assert response.status_code == 401, caller
        assert response.json()["status"] == 401


async def test_repeated_failed_sign_ins_for_one_email_are_slowed_down(world):
    statuses = await failed_sign_ins(world.client, "volunteer_self@example.org", 7)
    assert statuses[:5] == [401] * 5 and statuses[5:] == [429, 429]
    locked = await world.client.post("/api/auth/token", json={
        "email": "volunteer_self@example.org", "password": PASSWORD})
    assert locked.status_code == 429 and int(locked.headers["retry-after"]) > 0
    assert locked.headers["content-type"].startswith("application/problem+json")
    # An unknown e-mail is locked the same way: a lock reveals nothing.
    assert (await failed_sign_ins(world.client, "nobody@example.org", 6))[-1] == 429
    other = await world.client.post("/api/auth/token",
                                    json={"email": "auditor@example.org", "password": PASSWORD})
    assert other.status_code == 200


async def failed_sign_ins(client: AsyncTestClient, email: str, count: int) -> list[int]:
    statuses = []
    for _ in range(count):
        response = await client.post("/api/auth/token",
                                     json={"email": email, "password": "wrong-password"})
        statuses.append(response.status_code)
    return statuses


async def test_sign_ins_are_still_slowed_down_while_redis_is_unreachable(world, database_url,
                                                                       broker_namespace):
    app = create_app(settings_for(database_url, f"redis://127.0.0.1:{free_port()}/0",
                                  broker_namespace))
    async with AsyncTestClient(app) as client:
        assert (await client.post("/api/auth/token", json={
            "email": "auditor@example.org", "password": PASSWORD})).status_code == 200
        statuses = await failed_sign_ins(client, "auditor@example.org", 6)
        assert statuses == [401] * 5 + [429]


async def test_every_event_names_the_account_that_caused_it(world, pool):
    actors = {row["actor"] for row in await pool.fetch(
        "SELECT metadata::jsonb ->> 'actor' AS actor FROM events")}
    admin_account = await pool.fetchval(
        "SELECT data::jsonb ->> 'account_id' FROM events WHERE type = 'account.registered' "
        "AND metadata::jsonb ->> 'actor' = 'system'")
    assert actors == {"system", f"account:{admin_account}"}


async def test_no_password_or_email_is_stored_in_plain_text(world, pool):
    history = "\n".join(await all_table_text(pool))
    assert PASSWORD not in history and ADMIN_PASSWORD not in history
    assert ADMIN_EMAIL not in history and "auditor@example.org" not in history
    # Not even the Argon2 hash: the history goes to auditors; it holds the hash sealed under
    # the account's own key, outside the history.
    hashes = await pool.fetch(
        "SELECT data::jsonb ->> 'password_hash' AS h FROM events WHERE type = 'account.registered'")
    assert hashes and all(row["h"].startswith("aesgcm:") for row in hashes)
    events_text = "\n".join(row["t"] for row in await pool.fetch("SELECT data::text AS t FROM events"))
    assert "$argon2" not in events_text


async def test_the_audit_export_carries_no_password_hash_and_erasure_destroys_the_accounts_key(
    world, pool
):
    auditor = bearer(world.tokens[AUDITOR])
    export = await world.client.get("/api/audit/export", headers=auditor)
    assert export.status_code == 200 and "account.registered" in export.text
    assert "$argon2" not in export.text
    alice = world.targets["volunteer_id"]
    account_id = await pool.fetchval(
        "SELECT data::jsonb ->> 'account_id' FROM events WHERE type = 'volunteer.account_linked' "
        "AND data::jsonb ->> 'volunteer_id' = $1", str(alice))
    assert await pool.fetchval("SELECT count(*) FROM subject_keys WHERE subject_id = $1::uuid",
                               account_id) == 1
    erased = await world.client.post(f"/api/volunteers/{alice}/erasure",
                                     headers=bearer(world.tokens[ADMIN]))
    assert erased.status_code == 200, erased.text
    assert await pool.fetchval("SELECT count(*) FROM subject_keys WHERE subject_id = $1::uuid",
                               account_id) == 0


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


async def test_erasure_removes_the_key_and_every_plaintext_while_history_still_verifies(world, pool):
    client, admin = world.client, bearer(world.tokens[ADMIN])
    alice = world.targets["volunteer_id"]
    profile = await client.get(f"/api/volunteers/{alice}", headers=admin)
    assert profile.json()["name"] == ALICE["name"] and profile.json()["phone"] == ALICE["phone"]
    await ledger.seal(pool)
    history_before = await pool.fetch("SELECT position, hash FROM events ORDER BY position")
    key = await pool.fetchval("SELECT key FROM subject_keys WHERE subject_id = $1", alice)
    assert key is not None

    erased = await client.post(f"/api/volunteers/{alice}/erasure", headers=admin)
    assert erased.status_code == 200 and erased.json()["position"] > 0

    # (A coordinator reads only volunteers of its sites: test_volunteer_access.py.)
    after = await client.get(f"/api/volunteers/{alice}", headers=admin)
    assert after.json() == {"id": str(alice), "name": "erased", "email": None,
                            "phone": None, "erased": True, "qualifications": []}
    # Her own token ended with her account (tests/integration/test_auth_hardening.py).
    own = await client.get(f"/api/volunteers/{alice}", headers=bearer(world.tokens[VOLUNTEER_SELF]))
    assert own.status_code == 401
    assert (await client.post(f"/api/volunteers/{alice}/erasure", headers=admin)).status_code == 409
    everything = "\n".join(await all_table_text(pool))
    for secret in (ALICE["name"], ALICE["email"], ALICE["phone"], key.hex()):
        assert secret not in everything
    assert await pool.fetchval("SELECT count(*) FROM subject_keys WHERE subject_id = $1", alice) == 0
    history_after = await pool.fetch("SELECT position, hash FROM events ORDER BY position")
    assert history_after[: len(history_before)] == history_before
    await ledger.seal(pool)
    assert (await ledger.verify(pool)).ok


async def test_an_erased_volunteer_can_no_longer_sign_in_and_the_email_is_free_again(world):
    client, admin = world.client, bearer(world.tokens[ADMIN])
    credentials = {"email": "volunteer_self@example.org", "password": PASSWORD}
    assert (await client.post("/api/auth/token", json=credentials)).status_code == 200
    await client.post(f"/api/volunteers/{world.targets['volunteer_id']}/erasure", headers=admin)

    refused = await client.post("/api/auth/token", json=credentials)
    assert refused.status_code == 401 and refused.json()["detail"] == "E-mail or password is wrong."
    again = await client.post("/api/accounts", headers=admin,
                              json={**credentials, "role": "auditor"})
    assert again.status_code == 201, again.text


async def test_a_volunteer_account_needs_an_existing_volunteer_without_an_account(world, pool):
    admin = bearer(world.tokens[ADMIN])
    before = await pool.fetchval("SELECT count(*) FROM events")
    for volunteer_id, status in ((uuid4(), 404), (world.targets["volunteer_id"], 409)):
        response = await world.client.post("/api/accounts", headers=admin, json={
            "email": f"{uuid4().hex}@example.org", "password": PASSWORD, "role": "volunteer",
            "volunteer_id": str(volunteer_id)})
        assert response.status_code == status, response.text
        assert response.json()["errors"][0]["field"] == "volunteer_id"
    assert await pool.fetchval("SELECT count(*) FROM events") == before


async def test_bad_input_is_refused_with_the_field_named_and_nothing_stored(world, pool):
    before = await pool.fetchval("SELECT count(*) FROM events")
    admin = bearer(world.tokens[ADMIN])
    for body, field in [
        ({"email": "not-an-email", "password": PASSWORD, "role": "auditor"}, "email"),
        ({"email": "a@b.org", "password": "short", "role": "auditor"}, "password"),
        ({"email": "a@b.org", "password": PASSWORD, "role": "mayor"}, "role"),
        ({"email": "a@b.org", "password": PASSWORD, "role": "coordinator"}, "site_ids"),
        ({"email": "a@b.org", "password": PASSWORD, "role": "volunteer"}, "volunteer_id"),
        ({"email": "auditor@example.org", "password": PASSWORD, "role": "auditor"}, "email"),
    ]:
        response = await world.client.post("/api/accounts", json=body, headers=admin)
        assert response.status_code in {409, 422}, response.text
        assert field in str(response.json()["errors"]), response.text
    malformed = await world.client.post("/api/volunteers", content=b"{not json",
                                        headers={**admin, "content-type": "application/json"})
    assert 400 <= malformed.status_code < 500
    assert malformed.headers["content-type"].startswith("application/problem+json")
    assert await pool.fetchval("SELECT count(*) FROM events") == before


async def test_personal_fields_appear_in_no_log_and_no_error_message(world, caplog):
    admin = bearer(world.tokens[ADMIN])
    person = {"name": "Zoe Geheimnis", "email": "zoe.geheim@example.org",
              "phone": "+49 30 999888"}
    caplog.set_level(logging.DEBUG)
    answers = [
        await world.client.post("/api/volunteers", headers=admin,
                                json={**person, "phone": "call me: +49 30 999888"}),
        await world.client.post("/api/volunteers", headers=admin,
                                json={**person, "email": "zoe.geheim at example"}),
        await world.client.post("/api/volunteers", headers=admin,
                                json={**person, "name": "", "nickname": person["name"]}),
        await world.client.post("/api/auth/token",
                                json={"email": person["email"], "password": "Geheimnis-123"}),
        await world.client.post("/api/accounts", headers=admin, json={
            "email": person["email"], "password": "Geheimnis-123", "role": "mayor"}),
    ]
    assert [a.status_code for a in answers] == [422, 422, 422, 401, 422]
    created = await world.client.post("/api/volunteers", headers=admin, json=person)
    assert created.status_code == 201
    seen = caplog.text + "".join(a.text for a in [*answers, created])
    for value in (*person.values(), "Geheimnis-123", "zoe.geheim at example"):
        assert value not in seen


async def test_erasing_again_destroys_a_key_an_interrupted_erasure_left_behind(world, pool):
    admin, alice = bearer(world.tokens[ADMIN]), world.targets["volunteer_id"]
    key = await pool.fetchval("SELECT key FROM subject_keys WHERE subject_id = $1", alice)
    assert (await world.client.post(f"/api/volunteers/{alice}/erasure", headers=admin)).status_code == 200
    # As if the process had stopped after recording the erasure but before deleting the key:
    await pool.execute("INSERT INTO subject_keys (subject_id, key) VALUES ($1, $2)", alice, key)
    again = await world.client.post(f"/api/volunteers/{alice}/erasure", headers=admin)
    assert again.status_code == 409
    assert await pool.fetchval("SELECT count(*) FROM subject_keys WHERE subject_id = $1", alice) == 0
