"""Commands under concurrency through real HTTP: the app under uvicorn on a loopback port,
against the test's own PostgreSQL database and the real Redis, called by many httpx clients at once.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from uuid import UUID

import httpx
import pytest

from events.catalog import registry
from events.store import EventStore
from services.accounts.bootstrap import ensure_admin
from services.commands.handler import CommandHandler
from services.auth import tokens
from services.platform.keys import derive_keys
from tests.dates import next_year
from tests.accounts_world import ADMIN_EMAIL, ADMIN_PASSWORD, PASSWORD, SECRET
from tests.serving import Api, served, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(90)]
YEAR = next_year()


@pytest.fixture
async def api(database_url, servers, broker_namespace, pool) -> AsyncIterator[Api]:
    await ensure_admin(CommandHandler(EventStore(pool, registry)), pool, derive_keys(SECRET), ADMIN_EMAIL,
                       ADMIN_PASSWORD)
    async with served(database_url, servers.redis_url, broker_namespace) as base_url:
        limits = httpx.Limits(max_connections=100, max_keepalive_connections=100)
        async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=60) as client:
            yield Api(client, await sign_in(client, ADMIN_EMAIL, ADMIN_PASSWORD))


async def a_shift(api: Api, capacity: int) -> tuple[str, UUID]:
    site = await api.created("/api/sites", {"name": "Dorftreff", "village": "Linden"})
    shift = await api.created("/api/shifts", {
        "site_id": site["id"], "title": "Tresen", "starts_at": f"{YEAR}-05-01T09:00:00+02:00",
        "ends_at": f"{YEAR}-05-01T12:00:00+02:00", "capacity": capacity})
    return site["id"], UUID(shift["id"])


async def a_volunteer_with_account(api: Api, number: int) -> tuple[UUID, str]:
    """A volunteer, an account of its own, and a token for that account.

    The token is issued as signing in issues it (the service's key, the account's claims):
    fifty more Argon2 verifications would only slow the test down (sign-in has tests of its
    own); the account itself is created over HTTP."""
    email = f"volunteer-{number}@example.org"
    volunteer = UUID((await api.created("/api/volunteers",
                                        {"name": f"V{number}", "email": email}))["id"])
    account = await api.created("/api/accounts", {"email": email, "password": PASSWORD,
                                                  "role": "volunteer",
                                                  "volunteer_id": str(volunteer)})
    principal = tokens.new_principal(UUID(account["id"]), "volunteer", [], volunteer,
                                     datetime.now(UTC))
    return volunteer, tokens.issue(derive_keys(SECRET).tokens, principal)


async def stored(pool, stream_id: str) -> list[tuple[str, str]]:
    rows = await pool.fetch(
        "SELECT type, data::jsonb ->> 'volunteer_id' AS volunteer FROM events "
        "WHERE stream_id = $1 ORDER BY stream_version", stream_id)
    return [(row["type"], row["volunteer"]) for row in rows]


async def test_fifty_volunteers_claiming_five_places_at_once_get_five_claims_and_45_waits(
    api, pool
):
    _, shift = await a_shift(api, capacity=5)
    people = await asyncio.gather(*(a_volunteer_with_account(api, n) for n in range(50)))

    answers = await asyncio.gather(*(
        api.post(f"/api/shifts/{shift}/claims", {}, token=token) for _, token in people))

    assert [a.status_code for a in answers] == [201] * 50, [a.text for a in answers if a.is_error]
    statuses = Counter(a.json()["status"] for a in answers)
    assert statuses == {"claimed": 5, "waitlisted": 45}
    events = await stored(pool, f"shift-{shift}")
    assert Counter(kind for kind, _ in events) == {"shift.created": 1, "shift.claimed": 5,
                                                   "shift.waitlisted": 45}
    answered_claimed = {str(volunteer) for (volunteer, _), answer in zip(people, answers)
                        if answer.json()["status"] == "claimed"}
    assert {v for kind, v in events if kind == "shift.claimed"} == answered_claimed
    for volunteer in answered_claimed:
        assert ("volunteer.shift_claimed", volunteer) in await stored(pool,
                                                                      f"volunteer-{volunteer}")


async def test_twenty_overlapping_bookings_of_one_room_at_once_leave_one_and_name_it(api, pool):
    site = await api.created("/api/sites", {"name": "Dorftreff", "village": "Buchholz"})
    room = (await api.created(f"/api/sites/{site['id']}/rooms",
                              {"name": "Saal", "capacity": 40}))["id"]

    answers = await asyncio.gather(*(
        api.post(f"/api/rooms/{room}/bookings", {
            "title": f"Kurs {minute}", "starts_at": f"{YEAR}-03-03T18:{minute:02d}:00+01:00",
            "ends_at": f"{YEAR}-03-03T19:{minute:02d}:00+01:00"})
        for minute in range(20)))

    assert sorted(a.status_code for a in answers) == [201] + [409] * 19
    [winner] = [a.json() for a in answers if a.status_code == 201]
    for refused in (a for a in answers if a.status_code == 409):
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert [c["booking_id"] for c in refused.json()["conflicts"]] == [winner["id"]]
    assert [kind for kind, _ in await stored(pool, f"room-{room}")] == [
        "room.added", "room.booked"]


async def test_one_claim_sent_ten_times_at_once_with_one_key_is_stored_once_and_answered_alike(
    api, pool
):
    _, shift = await a_shift(api, capacity=3)
    [(first, _), (second, _)] = await asyncio.gather(
        *(a_volunteer_with_account(api, n) for n in range(2)))
    key = {"Idempotency-Key": "claim-for-the-first"}
    claims = f"/api/shifts/{shift}/claims"

    answers = await asyncio.gather(*(
        api.post(claims, {"volunteer_id": str(first)}, **key) for _ in range(10)))

    assert [a.status_code for a in answers] == [201] * 10, [a.text for a in answers]
    assert len({a.text for a in answers}) == 1 and answers[0].json()["status"] == "claimed"
    assert await stored(pool, f"shift-{shift}") == [("shift.created", None),
                                                     ("shift.claimed", str(first))]

    other_body = await api.post(claims, {"volunteer_id": str(second)}, **key)
    assert other_body.status_code == 422, other_body.text
    assert other_body.headers["content-type"].startswith("application/problem+json")
    assert other_body.json()["errors"][0]["field"] == "Idempotency-Key"
    assert len(await stored(pool, f"shift-{shift}")) == 2
