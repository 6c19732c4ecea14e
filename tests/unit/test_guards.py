"""The reusable guards on a small app of their own: roles, a coordinator's sites (from the
path, the query or the body) and a volunteer acting only for itself."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID, uuid4

import pytest
from litestar import get, post
from litestar.datastructures import State
from litestar.middleware.base import DefineMiddleware
from litestar.params import FromPath, JSONBody
from litestar.testing import create_test_client

from services.auth import tokens
from services.auth.guards import (
    AUDITOR,
    for_site,
    from_body,
    from_path,
    from_query,
    requires_roles,
    staff_or_volunteer_itself,
)
from services.auth.middleware import TokenAuthentication
from services.platform.problems import exception_handlers

pytestmark = pytest.mark.unit
KEY = b"g" * 32
SITE_A, SITE_B, ME, SOMEONE = uuid4(), uuid4(), uuid4(), uuid4()


@post("/sites/{site_id:uuid}/rooms", guards=[for_site(from_path("site_id"))], status_code=201)
async def add_room(site_id: FromPath[UUID]) -> dict:
    return {}


@get("/rooms", guards=[for_site(from_query("site_id"), also=(AUDITOR,))])
async def list_rooms() -> dict:
    return {}


@post("/offers", guards=[for_site(from_body("site_id"))], status_code=201)
async def create_offer(data: JSONBody[dict]) -> dict:
    return {"site_id": data["site_id"]}  # the handler still reads the body the guard read


@post("/claims", guards=[staff_or_volunteer_itself(from_body("volunteer_id",
                                                              default_to_self=True))],
      status_code=201)
async def claim(data: JSONBody[dict]) -> dict:
    return {}


@post("/sites", guards=[requires_roles("admin")], status_code=201)
async def create_site() -> dict:
    return {}


def token(role: str, site_ids=(), volunteer_id=None) -> dict[str, str]:
    principal = tokens.new_principal(uuid4(), role, list(site_ids), volunteer_id,
                                     datetime.now(UTC))
    return {"Authorization": f"Bearer {tokens.issue(KEY, principal)}"}


ADMIN = token("admin")
COORDINATOR_A = token("coordinator", [SITE_A])
VOLUNTEER_ME = token("volunteer", volunteer_id=ME)
AUDITOR_TOKEN = token("auditor")


async def no_account_is_closed(state, account_id) -> bool:
    return False


async def no_token_is_revoked(state, token_id) -> bool:
    return False


@pytest.fixture(scope="module")
def client():
    with create_test_client(
        [add_room, list_rooms, create_offer, claim, create_site],
        # Closed accounts and signed-out tokens need PostgreSQL: test_auth_hardening.py.
        middleware=[DefineMiddleware(TokenAuthentication, closed=no_account_is_closed,
                                     revoked=no_token_is_revoked)],
        state=State({"token_key": KEY}),
        exception_handlers=exception_handlers,
    ) as client:
        yield client


@pytest.mark.parametrize("caller, site, status", [
    (ADMIN, SITE_B, 201), (COORDINATOR_A, SITE_A, 201), (COORDINATOR_A, SITE_B, 403),
    (VOLUNTEER_ME, SITE_A, 403), (AUDITOR_TOKEN, SITE_A, 403),
])
def test_a_site_in_the_path_limits_a_coordinator_to_its_sites(client, caller, site, status):
    assert client.post(f"/sites/{site}/rooms", headers=caller).status_code == status


def test_a_site_in_the_query_limits_a_coordinator_and_lets_the_named_roles_read(client):
    assert client.get(f"/rooms?site_id={SITE_A}", headers=COORDINATOR_A).status_code == 200
    assert client.get(f"/rooms?site_id={SITE_B}", headers=COORDINATOR_A).status_code == 403
    assert client.get("/rooms", headers=COORDINATOR_A).status_code == 403
    assert client.get(f"/rooms?site_id={SITE_B}", headers=AUDITOR_TOKEN).status_code == 200
    bad = client.get("/rooms?site_id=not-a-uuid", headers=COORDINATOR_A)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "site_id"


def test_a_site_in_the_body_limits_a_coordinator_and_the_handler_still_reads_the_body(client):
    mine = client.post("/offers", json={"site_id": str(SITE_A)}, headers=COORDINATOR_A)
    assert mine.status_code == 201 and mine.json() == {"site_id": str(SITE_A)}
    assert client.post("/offers", json={"site_id": str(SITE_B)},
                       headers=COORDINATOR_A).status_code == 403
    # Bad input is bad input for a coordinator too, not a missing permission.
    assert client.post("/offers", content=b"{broken", headers={
        **COORDINATOR_A, "content-type": "application/json"}).status_code == 400
    assert client.post("/offers", json={"title": "no site"},
                       headers=COORDINATOR_A).status_code == 422
    assert client.post("/offers", json=[str(SITE_A)], headers=COORDINATOR_A).status_code == 422


def test_a_volunteer_acts_only_for_itself_and_staff_for_anyone(client):
    assert client.post("/claims", json={}, headers=VOLUNTEER_ME).status_code == 201
    assert client.post("/claims", json={"volunteer_id": str(ME)},
                       headers=VOLUNTEER_ME).status_code == 201
    assert client.post("/claims", json={"volunteer_id": str(SOMEONE)},
                       headers=VOLUNTEER_ME).status_code == 403
    assert client.post("/claims", json={"volunteer_id": str(SOMEONE)},
                       headers=COORDINATOR_A).status_code == 201
    assert client.post("/claims", json={}, headers=AUDITOR_TOKEN).status_code == 403


def test_roles_are_checked_and_missing_or_bad_tokens_are_401_with_a_challenge(client):
    assert client.post("/sites", headers=ADMIN).status_code == 201
    assert client.post("/sites", headers=COORDINATOR_A).status_code == 403
    for headers in ({}, {"Authorization": "Bearer nonsense"}, {"Authorization": "Basic eDp5"}):
        response = client.post("/sites", headers=headers)
        assert response.status_code == 401
        assert response.headers["www-authenticate"].startswith("Bearer")
        assert response.headers["content-type"].startswith("application/problem+json")


def test_an_unknown_role_in_a_guard_is_a_programming_error():
    with pytest.raises(ValueError):
        requires_roles("mayor")
