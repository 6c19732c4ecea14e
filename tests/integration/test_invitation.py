"""Inviting a volunteer over HTTP: its account is created, a link (7 days) to choose a password
arrives at a real SMTP server (aiosmtpd), works once, and the volunteer signs in with it."""

from __future__ import annotations

import pytest

from tests.accounts_world import (
    ADMIN,
    COORDINATOR_A,
    COORDINATOR_B,
    bearer,
    world,  # noqa: F401 - a fixture
)
from tests.mailbox import smtp_port, text_of  # noqa: F401 - a fixture
from tests.reset_mail import choose, delivered, link_in

pytestmark = pytest.mark.integration

GRETA = "greta.neu@example.org"


async def test_an_invited_volunteer_chooses_a_password_once_and_signs_in(
    world, pool, smtp_port  # noqa: F811
):
    client, as_a = world.client, bearer(world.tokens[COORDINATOR_A])
    created = await client.post("/api/volunteers", headers=as_a,
                                json={"name": "Greta Neu", "email": GRETA})
    greta = created.json()["id"]
    foreign = await client.post(f"/api/volunteers/{greta}/invitation",
                                headers=bearer(world.tokens[COORDINATOR_B]))
    assert foreign.status_code == 403
    invited = await client.post(f"/api/volunteers/{greta}/invitation", headers=as_a)
    assert invited.status_code == 202, invited.text
    assert invited.json()["position"] > created.json()["position"]

    message, = await delivered(pool, smtp_port)
    assert message["To"].addresses[0].addr_spec == GRETA
    assert message["Subject"].startswith("Einladung zu Treffpunkt")
    assert "gilt sieben Tage und nur einmal" in text_of(message)
    token = link_in(message)
    page = await client.get(f"/password/{token}")
    assert "Willkommen! Wählen Sie Ihr Passwort" in page.text

    assert (await choose(client, token, "gretas-passwort")).status_code == 204
    assert (await choose(client, token, "noch-eines-bitte")).status_code == 409
    signed_in = await client.post("/api/auth/token",
                                  json={"email": GRETA, "password": "gretas-passwort"})
    assert signed_in.status_code == 200 and signed_in.json()["role"] == "volunteer"
    again = await client.post(f"/api/volunteers/{greta}/invitation", headers=as_a)
    assert again.status_code == 409 and "volunteer_id" in again.text


async def test_inviting_again_before_the_link_was_used_mails_a_new_one(
    world, pool, smtp_port  # noqa: F811
):
    client, as_a = world.client, bearer(world.tokens[COORDINATOR_A])
    greta = (await client.post("/api/volunteers", headers=as_a,
                               json={"name": "Greta Neu", "email": GRETA})).json()["id"]
    for _ in range(2):
        assert (await client.post(f"/api/volunteers/{greta}/invitation",
                                  headers=as_a)).status_code == 202
    first, second = map(link_in, await delivered(pool, smtp_port))
    assert (await choose(client, second, "gretas-passwort")).status_code == 204
    assert (await choose(client, first, "gretas-passwort")).status_code == 409


async def test_an_account_created_with_a_password_is_never_invited(world, pool):  # noqa: F811
    """An admin chose this account's password: an invitation (a second way to set it, without
    the reset's limits) is refused, naming the volunteer; "forgot password" is the way."""
    admin = bearer(world.tokens[ADMIN])
    alice = world.targets["volunteer_id"]
    refused = await world.client.post(f"/api/volunteers/{alice}/invitation", headers=admin)
    assert refused.status_code == 409, refused.text
    assert "volunteer_id" in refused.text
    assert "has_password" in refused.text
    assert await pool.fetchval("SELECT count(*) FROM outbox WHERE kind = 'invitation'") == 0
