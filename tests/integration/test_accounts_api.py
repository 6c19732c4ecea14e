"""Accounts, roles and erasure through the HTTP API, against real PostgreSQL and Redis."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest
from litestar.testing import AsyncTestClient

from events import ledger
from services.app import create_app
from services.auth import tokens
from services.settings import Settings

pytestmark = pytest.mark.integration

SECRET = "test-secret-key"
ADMIN_EMAIL, ADMIN_PASSWORD = "admin@example.org", "admin-password"
ALICE = {"name": "Alice Beispiel-Unique", "email": "alice.unique@example.org",
         "phone": "+49 5131 123456"}


@dataclass
class World:
    client: AsyncTestClient
    tokens: dict[str, str]
    volunteer_id: UUID
    other_volunteer_id: UUID
    site_a: UUID


async def sign_in(client, email: str, password: str) -> str:
    response = await client.post("/api/auth/token", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


def bearer(token: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"} if token else {}


@pytest.fixture
async def world(database_url, servers, broker_namespace, pool):
    from services.accounts.bootstrap import ensure_admin
    from services.keys import derive_keys
    from events.catalog import registry
    from events.store import EventStore

    await ensure_admin(EventStore(pool, registry), derive_keys(SECRET), ADMIN_EMAIL, ADMIN_PASSWORD)
    settings = Settings(database_url=database_url, redis_url=servers.redis_url,
                        secret_key=SECRET, broker_namespace=broker_namespace)
    async with AsyncTestClient(create_app(settings)) as client:
        admin = await sign_in(client, ADMIN_EMAIL, ADMIN_PASSWORD)
        volunteers = []
        for person in (ALICE, {"name": "Bernd", "email": "bernd@example.org"}):
            created = await client.post("/api/volunteers", json=person, headers=bearer(admin))
            assert created.status_code == 201, created.text
            volunteers.append(UUID(created.json()["id"]))
        site_a, site_b = uuid4(), uuid4()
        accounts = {
            "coordinator_a": {"role": "coordinator", "site_ids": [str(site_a)]},
            "coordinator_b": {"role": "coordinator", "site_ids": [str(site_b)]},
            "volunteer_self": {"role": "volunteer", "volunteer_id": str(volunteers[0])},
            "volunteer_other": {"role": "volunteer", "volunteer_id": str(volunteers[1])},
            "auditor": {"role": "auditor"},
        }
        signed_in = {"admin": admin}
        for name, fields in accounts.items():
            email = f"{name}@example.org"
            response = await client.post(
                "/api/accounts", json={"email": email, "password": "password-1", **fields},
                headers=bearer(admin),
            )
            assert response.status_code == 201, response.text
            signed_in[name] = await sign_in(client, email, "password-1")
        yield World(client, signed_in, volunteers[0], volunteers[1], site_a)


def expired_token() -> str:
    from services.keys import derive_keys

    past = tokens.new_principal(uuid4(), "admin", [], None, datetime.now(UTC) - timedelta(days=2))
    return tokens.issue(derive_keys(SECRET).tokens, past)


def forged_token() -> str:
    principal = tokens.new_principal(uuid4(), "admin", [], None, datetime.now(UTC))
    return tokens.issue(b"not the service's key", principal)


EVERYONE = {"admin", "coordinator_a", "coordinator_b", "volunteer_self", "volunteer_other",
            "auditor"}

# The allowed set of every API route, written once (API.md). {volunteer} is the
# volunteer_self's id. Each route: (method, path, body, roles allowed).
ROUTES = [
    ("POST", "/api/accounts", lambda w: {"email": f"{uuid4().hex}@example.org",
                                          "password": "password-1", "role": "auditor"},
     {"admin"}),
    ("POST", "/api/volunteers", lambda w: {"name": "N", "email": f"{uuid4().hex}@example.org"},
     {"admin", "coordinator_a", "coordinator_b"}),
    ("GET", "/api/volunteers/{volunteer}", None,
     {"admin", "coordinator_a", "coordinator_b", "volunteer_self"}),
    ("POST", "/api/volunteers/{volunteer}/erasure", None, {"admin"}),
]
CALLERS = [*sorted(EVERYONE), "no token", "expired token", "forged token"]


@pytest.mark.parametrize("method, path, body, allowed", ROUTES, ids=[f"{r[0]} {r[1]}" for r in ROUTES])
async def test_every_route_answers_each_role_as_the_contract_says(world, method, path, body, allowed):
    for caller in CALLERS:
        token = {
            "no token": None, "expired token": expired_token(), "forged token": forged_token()
        }.get(caller, world.tokens.get(caller))
        url = path.format(volunteer=world.volunteer_id)
        if "erasure" in url and caller in allowed:
            # Erasure is allowed once per volunteer; give each allowed caller a fresh one.
            fresh = await world.client.post("/api/volunteers", json={"name": "E", "email": "e@x.org"},
                                            headers=bearer(world.tokens["admin"]))
            url = path.format(volunteer=fresh.json()["id"])
        response = await world.client.request(
            method, url, json=body(world) if body else None, headers=bearer(token)
        )
        if caller in {"no token", "expired token", "forged token"}:
            expected = {401}
        elif caller in allowed:
            expected = {200, 201}
        else:
            expected = {403}
        assert response.status_code in expected, f"{caller}: {response.status_code} {response.text}"
        if response.status_code >= 400:
            assert response.headers["content-type"].startswith("application/problem+json")


async def test_signing_in_with_a_wrong_password_or_unknown_email_says_the_same(world):
    wrong = await world.client.post("/api/auth/token",
                                    json={"email": ADMIN_EMAIL, "password": "nope-nope"})
    unknown = await world.client.post("/api/auth/token",
                                      json={"email": "nobody@example.org", "password": "nope-nope"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["detail"] == unknown.json()["detail"]


async def test_repeated_failed_sign_ins_for_one_email_are_slowed_down(world):
    email = "volunteer_self@example.org"
    statuses = []
    for _ in range(7):
        response = await world.client.post("/api/auth/token",
                                           json={"email": email, "password": "wrong-password"})
        statuses.append(response.status_code)
    assert statuses[:5] == [401] * 5 and statuses[5:] == [429, 429]
    locked = await world.client.post("/api/auth/token", json={"email": email, "password": "password-1"})
    assert locked.status_code == 429 and int(locked.headers["retry-after"]) > 0
    other = await world.client.post("/api/auth/token",
                                    json={"email": "auditor@example.org", "password": "password-1"})
    assert other.status_code == 200


async def test_every_event_names_the_account_that_caused_it(world, pool):
    actors = {row["actor"] for row in await pool.fetch(
        "SELECT metadata::jsonb ->> 'actor' AS actor FROM events")}
    assert "system" in actors and all(a == "system" or a.startswith("account:") for a in actors)


async def test_no_password_or_email_is_stored_in_plain_text(world, pool):
    history = "\n".join(await all_table_text(pool))
    assert "password-1" not in history and ADMIN_PASSWORD not in history
    assert ADMIN_EMAIL not in history and "auditor@example.org" not in history


async def all_table_text(pool) -> list[str]:
    tables = [row["table_name"] for row in await pool.fetch(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")]
    texts = []
    for table in tables:
        texts += [row["t"] for row in await pool.fetch(f'SELECT t::text AS t FROM "{table}" t')]
    return texts


async def test_erasure_removes_the_key_and_every_plaintext_while_history_still_verifies(world, pool):
    client, admin = world.client, bearer(world.tokens["admin"])
    profile = await client.get(f"/api/volunteers/{world.volunteer_id}", headers=admin)
    assert profile.json()["name"] == ALICE["name"] and profile.json()["phone"] == ALICE["phone"]
    await ledger.seal(pool)
    history_before = await pool.fetch("SELECT position, hash FROM events ORDER BY position")
    key = await pool.fetchval("SELECT key FROM subject_keys WHERE subject_id = $1",
                              world.volunteer_id)
    assert key is not None

    erased = await client.post(f"/api/volunteers/{world.volunteer_id}/erasure", headers=admin)
    assert erased.status_code == 200 and erased.json()["position"] > 0

    after = await client.get(f"/api/volunteers/{world.volunteer_id}", headers=admin)
    assert after.json() | {"id": None} == {"id": None, "name": "erased", "email": None,
                                           "phone": None, "erased": True, "qualifications": []}
    assert (await client.post(f"/api/volunteers/{world.volunteer_id}/erasure",
                              headers=admin)).status_code == 409
    everything = "\n".join(await all_table_text(pool))
    for secret in (ALICE["name"], ALICE["email"], ALICE["phone"], key.hex()):
        assert secret not in everything
    assert await pool.fetchval("SELECT count(*) FROM subject_keys WHERE subject_id = $1",
                               world.volunteer_id) == 0
    history_after = await pool.fetch("SELECT position, hash FROM events ORDER BY position")
    assert history_after[: len(history_before)] == history_before
    await ledger.seal(pool)
    assert (await ledger.verify(pool)).ok


async def test_bad_input_is_refused_with_the_field_named_and_nothing_stored(world, pool):
    before = await pool.fetchval("SELECT count(*) FROM events")
    admin = bearer(world.tokens["admin"])
    for body, field in [
        ({"email": "not-an-email", "password": "password-1", "role": "auditor"}, "email"),
        ({"email": "a@b.org", "password": "short", "role": "auditor"}, "password"),
        ({"email": "a@b.org", "password": "password-1", "role": "mayor"}, "role"),
        ({"email": "auditor@example.org", "password": "password-1", "role": "auditor"}, "email"),
    ]:
        response = await world.client.post("/api/accounts", json=body, headers=admin)
        assert response.status_code in {409, 422}, response.text
        assert field in str(response.json()["errors"]), response.text
    malformed = await world.client.post("/api/volunteers", content=b"{not json",
                                        headers={**admin, "content-type": "application/json"})
    assert 400 <= malformed.status_code < 500
    assert await pool.fetchval("SELECT count(*) FROM events") == before
