"""A coordinator reads personal data only of volunteers known at its sites (issue 17, item 9):
registered there by a coordinator of the site, or active there (claims, waitlist, service,
enrolments, trainings). Against real PostgreSQL and the read model ``volunteer_sites``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest

from projections.volunteer_sites import VOLUNTEER_SITES
from services.auth import tokens
from services.platform.keys import derive_keys
from tests.accounts_world import (
    ADMIN,
    COORDINATOR_A,
    COORDINATOR_B,
    SECRET,
    bearer,
    world,  # noqa: F401 - the fixture of this module's tests
)
from tests.projecting import projecting

pytestmark = pytest.mark.integration


def site_of(token: str) -> UUID:
    return tokens.read(derive_keys(SECRET).tokens, token).site_ids[0]


async def profile_status(world, caller: str, volunteer_id: UUID, query: str = "") -> int:  # noqa: F811
    response = await world.client.get(f"/api/volunteers/{volunteer_id}{query}",
                                      headers=bearer(world.tokens[caller]))
    return response.status_code


async def test_a_volunteer_registered_by_a_coordinator_is_read_by_it_at_once_and_by_no_other(
    world  # noqa: F811
):
    created = await world.client.post(
        "/api/volunteers", json={"name": "Carla", "email": "carla@example.org",
                                 "phone": "+49 5109 1234"},
        headers=bearer(world.tokens[COORDINATOR_A]))
    assert created.status_code == 201, created.text
    carla = UUID(created.json()["id"])

    assert await profile_status(world, COORDINATOR_A, carla) == 200
    assert await profile_status(world, ADMIN, carla) == 200
    refused = await world.client.get(f"/api/volunteers/{carla}",
                                     headers=bearer(world.tokens[COORDINATOR_B]))
    assert refused.status_code == 403
    assert "carla" not in refused.text.lower()
    for path in ("training-record", "shifts", "feed-link"):
        assert (await world.client.get(f"/api/volunteers/{carla}/{path}",
                                       headers=bearer(world.tokens[COORDINATOR_B]))
                ).status_code == 403, path


async def test_an_unknown_volunteer_is_refused_to_a_coordinator_like_any_other(world):  # noqa: F811
    unknown = UUID(int=7)
    assert await profile_status(world, COORDINATOR_A, unknown) == 403
    assert await profile_status(world, ADMIN, unknown) == 404


async def test_a_volunteer_becomes_known_at_the_site_of_a_shift_it_claimed_and_stays_so(
    world, database_url  # noqa: F811
):
    alice = world.targets["volunteer_id"]  # registered by the admin: known nowhere yet
    coordinator_b = world.tokens[COORDINATOR_B]
    assert await profile_status(world, COORDINATOR_B, alice) == 403
    starts = datetime.now(UTC).replace(microsecond=0) + timedelta(days=3)
    shift = await world.client.post("/api/shifts", headers=bearer(coordinator_b), json={
        "site_id": str(site_of(coordinator_b)), "title": "Tresen", "capacity": 2,
        "starts_at": starts.isoformat(), "ends_at": (starts + timedelta(hours=2)).isoformat()})
    assert shift.status_code == 201, shift.text
    shift_id = shift.json()["id"]

    with projecting(database_url, [VOLUNTEER_SITES]):
        claimed = await world.client.post(f"/api/shifts/{shift_id}/claims",
                                          json={"volunteer_id": str(alice)},
                                          headers=bearer(coordinator_b))
        assert claimed.status_code == 201, claimed.text
        position = claimed.json()["position"]
        assert await profile_status(world, COORDINATOR_B, alice,
                                    f"?min_position={position}") == 200
        released = await world.client.delete(f"/api/shifts/{shift_id}/claims/{alice}",
                                             headers=bearer(coordinator_b))
        assert released.status_code == 200, released.text
        assert await profile_status(world, COORDINATOR_B, alice,
                                    f"?min_position={released.json()['position']}") == 200
    assert await profile_status(world, COORDINATOR_A, alice) == 403
