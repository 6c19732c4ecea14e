"""Idempotency-Key on every POST (API.md, "Conventions"): a repeat answers the first response
and stores nothing; the same key with a different request is a 422 naming the header."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.accounts_world import ADMIN, COORDINATOR_A, PASSWORD, VOLUNTEER_SELF
from tests.scheduling_world import (  # noqa: F401 - world is a fixture
    YEAR,
    event_count,
    world,
)

pytestmark = pytest.mark.integration


def keyed(key: str) -> dict[str, str]:
    return {"Idempotency-Key": key}


async def subject_keys(pool) -> int:
    return await pool.fetchval("SELECT count(*) FROM subject_keys")


def names_the_key(response: Any) -> bool:
    return (response.status_code == 422
            and response.headers["content-type"].startswith("application/problem+json")
            and response.json()["errors"][0]["field"] == "Idempotency-Key")


async def test_a_key_used_again_with_another_body_path_or_route_is_422_and_stores_nothing(
    world, pool
):
    site = {"name": "Dorftreff", "village": "Ahorn"}
    first = await world.call(ADMIN, "POST", "/api/sites", site, **keyed("s1"))
    assert first.status_code == 201, first.text
    shift = await world.created(ADMIN, "/api/shifts", {
        "site_id": str(world.site_a), "title": "Tresen", "starts_at": f"{YEAR}-06-03T09:00:00Z",
        "ends_at": f"{YEAR}-06-03T10:00:00Z", "capacity": 3})
    other_shift = await world.created(ADMIN, "/api/shifts", {
        "site_id": str(world.site_a), "title": "Küche", "starts_at": f"{YEAR}-06-04T09:00:00Z",
        "ends_at": f"{YEAR}-06-04T10:00:00Z", "capacity": 3})
    claim = {"volunteer_id": str(world.alice)}
    claimed = await world.call(COORDINATOR_A, "POST", f"/api/shifts/{shift['id']}/claims",
                               claim, **keyed("c1"))
    assert claimed.status_code == 201, claimed.text
    before, keys = await event_count(pool), await subject_keys(pool)

    refused = [
        await world.call(ADMIN, "POST", "/api/sites", {**site, "village": "Birke"},
                         **keyed("s1")),
        await world.call(ADMIN, "POST", "/api/offers", {
            "site_id": str(world.site_a), "title": "Kaffee", "category": "community"},
            **keyed("s1")),
        await world.call(ADMIN, "POST", "/api/volunteers",
                         {"name": "Nora", "email": "nora@example.org"}, **keyed("s1")),
        await world.call(ADMIN, "POST", "/api/accounts",
                         {"email": "nora@example.org", "password": PASSWORD, "role": "auditor"},
                         **keyed("s1")),
        await world.call(COORDINATOR_A, "POST", f"/api/shifts/{shift['id']}/claims",
                         {"volunteer_id": str(world.bernd)}, **keyed("c1")),
        await world.call(COORDINATOR_A, "POST", f"/api/shifts/{other_shift['id']}/claims",
                         claim, **keyed("c1")),
    ]

    assert all(names_the_key(answer) for answer in refused), [a.text for a in refused]
    assert (await event_count(pool), await subject_keys(pool)) == (before, keys)


async def test_a_repeat_answers_exactly_as_the_first_time_even_after_the_state_moved_on(
    world, pool
):
    shift = await world.created(ADMIN, "/api/shifts", {
        "site_id": str(world.site_a), "title": "Fahrdienst",
        "starts_at": f"{YEAR}-05-01T09:00:00+02:00", "ends_at": f"{YEAR}-05-01T12:00:00+02:00",
        "capacity": 1})
    claims = f"/api/shifts/{shift['id']}/claims"
    assert (await world.created(VOLUNTEER_SELF, claims, {}))["status"] == "claimed"
    waiting = await world.call(COORDINATOR_A, "POST", claims, {"volunteer_id": str(world.bernd)},
                               **keyed("bernd-waits"))
    assert waiting.status_code == 201 and waiting.json()["status"] == "waitlisted"
    # Alice leaves: Bernd moves up. His repeated request still gets its first answer.
    released = await world.call(VOLUNTEER_SELF, "DELETE", f"{claims}/{world.alice}")
    assert released.status_code == 200, released.text
    count = await event_count(pool)

    repeated = await world.call(COORDINATOR_A, "POST", claims, {"volunteer_id": str(world.bernd)},
                                **keyed("bernd-waits"))

    assert (repeated.status_code, repeated.json()) == (201, waiting.json())
    assert await event_count(pool) == count


async def test_the_same_instant_written_in_another_offset_is_the_same_request(world, pool):
    path = f"/api/rooms/{world.room_a}/bookings"
    booked = await world.call(COORDINATOR_A, "POST", path, {
        "title": "Chor", "starts_at": f"{YEAR}-06-02T18:00:00+02:00",
        "ends_at": f"{YEAR}-06-02T19:00:00+02:00"}, **keyed("chor"))
    assert booked.status_code == 201, booked.text
    count = await event_count(pool)
    again = await world.call(COORDINATOR_A, "POST", path, {
        "ends_at": f"{YEAR}-06-02T17:00:00Z", "title": "Chor",
        "starts_at": f"{YEAR}-06-02T16:00:00Z"}, **keyed("chor"))
    assert (again.status_code, again.json()) == (201, booked.json())
    assert await event_count(pool) == count


async def test_an_account_repeated_with_its_key_is_created_once_and_a_changed_one_refused(
    world, pool
):
    body = {"email": "kim@example.org", "password": PASSWORD, "role": "auditor"}
    first = await world.call(ADMIN, "POST", "/api/accounts", body, **keyed("kim"))
    assert first.status_code == 201, first.text
    count = await event_count(pool)

    again = await world.call(ADMIN, "POST", "/api/accounts", body, **keyed("kim"))
    other_password = await world.call(ADMIN, "POST", "/api/accounts",
                                      {**body, "password": "another-password"}, **keyed("kim"))
    other_role = await world.call(ADMIN, "POST", "/api/accounts",
                                  {**body, "role": "admin"}, **keyed("kim"))

    assert (again.status_code, again.json()) == (201, first.json())
    assert names_the_key(other_password) and names_the_key(other_role)
    assert await event_count(pool) == count


async def test_a_volunteer_sent_five_times_at_once_with_one_key_is_one_volunteer_with_one_key(
    world, pool
):
    person = {"name": "Yusuf Beispiel", "email": "yusuf@example.org"}
    events, keys = await event_count(pool), await subject_keys(pool)

    answers = await asyncio.gather(*(
        world.call(COORDINATOR_A, "POST", "/api/volunteers", person, **keyed("yusuf"))
        for _ in range(5)))

    assert [a.status_code for a in answers] == [201] * 5, [a.text for a in answers]
    assert len({a.text for a in answers}) == 1
    assert (await event_count(pool), await subject_keys(pool)) == (events + 1, keys + 1)
    volunteer = answers[0].json()["id"]
    profile = await world.call(COORDINATOR_A, "GET", f"/api/volunteers/{volunteer}")
    assert profile.json()["name"] == "Yusuf Beispiel"

    changed = await world.call(COORDINATOR_A, "POST", "/api/volunteers",
                               {**person, "name": "Yusuf Anders"}, **keyed("yusuf"))
    assert names_the_key(changed)
    assert "Yusuf" not in changed.text
    assert (await event_count(pool), await subject_keys(pool)) == (events + 1, keys + 1)


async def test_after_erasure_a_repeated_registration_answers_the_first_and_its_key_stays_gone(
    world, pool
):
    person = {"name": "Erika Beispiel", "email": "erika@example.org", "phone": "+49 30 1234"}
    first = await world.call(ADMIN, "POST", "/api/volunteers", person, **keyed("erika"))
    volunteer = first.json()["id"]
    erasure = f"/api/volunteers/{volunteer}/erasure"
    erased = await world.call(ADMIN, "POST", erasure, None, **keyed("erase-erika"))
    assert erased.status_code == 200, erased.text
    count = await event_count(pool)

    erased_again = await world.call(ADMIN, "POST", erasure, None, **keyed("erase-erika"))
    registered_again = await world.call(ADMIN, "POST", "/api/volunteers", person,
                                        **keyed("erika"))

    assert (erased_again.status_code, erased_again.json()) == (200, erased.json())
    assert (registered_again.status_code, registered_again.json()) == (201, first.json())
    assert (await world.call(ADMIN, "POST", erasure, None)).status_code == 409
    assert await event_count(pool) == count
    assert await pool.fetchval("SELECT count(*) FROM subject_keys WHERE subject_id = $1::uuid",
                               volunteer) == 0


async def test_only_keyed_requests_record_a_digest_and_a_blank_or_huge_key_is_422(world, pool):
    site = {"name": "Dorftreff", "village": "Eiche"}
    await world.created(ADMIN, "/api/sites", site)
    keyed_site = await world.call(ADMIN, "POST", "/api/sites", site, **keyed("eiche"))
    digests = await pool.fetch(
        "SELECT metadata::jsonb ->> 'request_digest' AS digest FROM events "
        "WHERE type = 'site.added' AND data::jsonb ->> 'village' = 'Eiche' ORDER BY position")
    assert digests[0]["digest"] is None and len(digests[1]["digest"]) == 64
    assert keyed_site.status_code == 201
    before = await event_count(pool)
    for key in ("", "k" * 201):
        answer = await world.call(ADMIN, "POST", "/api/sites", site, **keyed(key))
        assert names_the_key(answer), answer.text
    assert await event_count(pool) == before
