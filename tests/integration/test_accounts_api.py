"""Accounts, roles and erasure through the HTTP API, against real PostgreSQL and Redis."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest
from litestar.testing import AsyncTestClient

from events import ledger
from services.platform.app import create_app
from services.auth import tokens
from services.platform.embedded import free_port
from tests.accounts_world import (
    ADMIN,
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    ALICE,
    AUDITOR,
    COORDINATOR_A,
    COORDINATOR_B,
    PASSWORD,
    VOLUNTEER_SELF,
    all_table_text,
    bearer,
    settings_for,
    world,
)

pytestmark = pytest.mark.integration


COORDINATORS = {COORDINATOR_A, COORDINATOR_B}


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
