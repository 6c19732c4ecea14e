"""What a volunteer changes in its profile, through HTTP (session cookie, a real worker): a new
secret calendar link (the old one refused at once), its phone number (stored encrypted as the
registration's), and its password (the current one first; other sessions end, this one stays)."""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit
from uuid import uuid4

import pytest

from events.catalog import registry
from events.store import EventStore
from tests.accounts_world import PASSWORD, VOLUNTEER_SELF, bearer
from tests.pages_session import csrf_of
from tests.volunteer_pages import signed_in_as, worker  # noqa: F401 - fixtures
from tests.scheduling_world import World, world  # noqa: F401 - a fixture

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]
ALICE_EMAIL = f"{VOLUNTEER_SELF}@example.org"


async def feed_path(world: World) -> str:
    for _ in range(100):  # the link is answered once the worker's schedule knows Alice
        link = await world.call(VOLUNTEER_SELF, "GET", f"/api/volunteers/{world.alice}/feed-link")
        if link.status_code != 404:
            break
        await asyncio.sleep(0.1)
    assert link.status_code == 200, link.text
    parts = urlsplit(link.json()["url"])
    return f"{parts.path}?{parts.query}"


async def submit(world: World, form_name: str, **fields: str):
    form = await world.client.get("/volunteer/profile")
    assert form.status_code == 200, form.text
    return await world.client.post(f"/volunteer/profile/{form_name}", data={
        "_csrf_token": csrf_of(form.text), "request_key": uuid4().hex, **fields},
        follow_redirects=False)


async def test_a_renewed_calendar_link_ends_the_old_one_at_once(world, worker):
    await signed_in_as(world, VOLUNTEER_SELF)
    old = await feed_path(world)
    assert (await world.client.get(old)).status_code == 200

    asked = await world.client.get("/volunteer/profile/feed-token/confirm")
    assert asked.status_code == 200
    assert "Wirklich einen neuen Kalender-Link erstellen?" in asked.text
    renewed = await world.client.post("/volunteer/profile/feed-token", data={
        "_csrf_token": csrf_of(asked.text), "request_key": uuid4().hex},
        follow_redirects=False)
    assert renewed.status_code == 303, renewed.text
    shown = await world.client.get(renewed.headers["location"])
    new = await feed_path(world)

    assert (await world.client.get(old)).status_code == 403
    assert new != old
    assert (await world.client.get(new)).status_code == 200
    assert "Neuer Kalender-Link erstellt. Der alte funktioniert nicht mehr." in shown.text
    assert new.split("token=")[1] in shown.text
    my_shifts = await world.client.get("/volunteer/my-shifts")
    assert new.split("token=")[1] in my_shifts.text and old.split("token=")[1] not in my_shifts.text


async def test_a_changed_phone_number_is_shown_stored_encrypted_and_can_be_removed(world, worker,
                                                                                  pool):
    await signed_in_as(world, VOLUNTEER_SELF)

    saved = await submit(world, "phone", phone="05439 12345")
    assert saved.status_code == 303, saved.text
    shown = await world.client.get(saved.headers["location"])
    api = await world.call(VOLUNTEER_SELF, "GET", f"/api/volunteers/{world.alice}")
    stored = await EventStore(pool, registry).read_stream(f"volunteer-{world.alice}")

    assert "Telefonnummer gespeichert." in shown.text
    assert 'value="05439 12345"' in shown.text
    assert api.json()["phone"] == "05439 12345"
    assert stored[-1].event.__struct_config__.tag == "volunteer.phone_changed"
    assert b"05439" not in stored[-1].event.phone

    assert (await submit(world, "phone", phone="  ")).status_code == 303
    assert (await world.call(VOLUNTEER_SELF, "GET",
                             f"/api/volunteers/{world.alice}")).json()["phone"] is None


async def test_a_phone_number_of_control_characters_is_refused_at_its_field(world, worker):
    await signed_in_as(world, VOLUNTEER_SELF)

    refused = await submit(world, "phone", phone="0543\x079")

    assert refused.status_code == 422
    assert 'id="phone-error"' in refused.text
    assert 'name="phone" autocomplete="tel"' in refused.text
    assert (await world.call(VOLUNTEER_SELF, "GET",
                             f"/api/volunteers/{world.alice}")).json()["phone"] is None


async def can_sign_in(world: World, password: str) -> bool:
    response = await world.client.post("/api/auth/token",
                                       json={"email": ALICE_EMAIL, "password": password})
    return response.status_code == 200


async def test_a_wrong_current_password_or_two_different_new_ones_change_nothing(world, worker):
    await signed_in_as(world, VOLUNTEER_SELF)

    wrong = await submit(world, "password", current_password="not-my-password",
                         new_password="new-password-2", new_password_again="new-password-2")
    differ = await submit(world, "password", current_password=PASSWORD,
                          new_password="new-password-2", new_password_again="new-password-3")
    short = await submit(world, "password", current_password=PASSWORD,
                         new_password="kurz", new_password_again="kurz")

    assert wrong.status_code == 422
    assert ('id="current_password-error">Das aktuelle Passwort stimmt nicht. '
            'Es wurde nichts geändert.<') in wrong.text
    assert differ.status_code == 422
    assert 'id="new_password_again-error">Die beiden neuen Passwörter' in differ.text
    assert short.status_code == 422
    assert 'id="new_password-error">Das Passwort ist zu kurz' in short.text
    assert await can_sign_in(world, PASSWORD)
    assert not await can_sign_in(world, "new-password-2")
    assert await feed_path(world)  # the session's API token still works


async def test_a_changed_password_ends_the_other_sessions_and_keeps_this_one(world, worker):
    await signed_in_as(world, VOLUNTEER_SELF)
    other_device = world.tokens[VOLUNTEER_SELF]

    changed = await submit(world, "password", current_password=PASSWORD,
                           new_password="new-password-2", new_password_again="new-password-2")
    assert changed.status_code == 303, changed.text
    shown = await world.client.get(changed.headers["location"], follow_redirects=False)

    assert shown.status_code == 200
    assert "Ihr Passwort ist geändert." in shown.text
    assert (await world.client.get(f"/api/volunteers/{world.alice}/feed-link",
                                   headers=bearer(other_device))).status_code == 401
    assert await can_sign_in(world, "new-password-2")
    assert not await can_sign_in(world, PASSWORD)
