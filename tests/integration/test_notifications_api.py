"""The notification routes over HTTP (API.md, "Second wave"): settings read and changed, bad
settings refused naming the field, and the outbox's record without bodies."""

from __future__ import annotations

import asyncio

import pytest

from projections.notifier import NOTIFIER
from tests import accounts_world as accounts
from tests.accounts_world import world  # noqa: F401 - this module's fixture
from tests.projecting import projecting

pytestmark = pytest.mark.integration


async def test_a_volunteer_chooses_language_reminder_and_kinds_and_reads_them_back(
    world, database_url  # noqa: F811
):
    client, alice = world.client, world.targets["volunteer_id"]
    path = f"/api/volunteers/{alice}/notification-settings"
    own = accounts.bearer(world.tokens[accounts.VOLUNTEER_SELF])
    with projecting(database_url, [NOTIFIER]):
        first = await client.get(path, headers=own)
        assert first.status_code in (200, 404)  # 404 until the notifier has seen her
        changed = await client.put(path, headers=own, json={
            "language": "en", "reminder_hours_before": 24, "off": ["waitlisted"]})
        assert changed.status_code == 200, changed.text
        position = changed.json()["position"]
        for _ in range(100):
            read = await client.get(path, headers=accounts.bearer(world.tokens[accounts.ADMIN]))
            if read.status_code == 200 and read.json()["language"] == "en":
                break
            await asyncio.sleep(0.05)
        assert read.json() == {"language": "en", "reminder_hours_before": 24,
                               "off": ["waitlisted"]}, position

    refused = await client.put(path, headers=own, json={
        "language": "fr", "reminder_hours_before": 48, "off": []})
    assert refused.status_code == 422 and "language" in refused.text
    unknown_kind = await client.put(path, headers=own, json={
        "language": "de", "reminder_hours_before": 48, "off": ["newsletter"]})
    assert unknown_kind.status_code == 422 and "off" in unknown_kind.text
    as_coordinator = accounts.bearer(world.tokens[accounts.COORDINATOR_A])
    coordinator = await client.put(path, headers=as_coordinator, json={
        "language": "de", "reminder_hours_before": 48, "off": []})
    assert coordinator.status_code == 403


async def test_the_record_of_notifications_holds_no_body_and_each_volunteer_reads_only_its_own(
    world, pool  # noqa: F811
):
    client, alice = world.client, world.targets["volunteer_id"]
    await pool.execute(
        """INSERT INTO outbox (key, kind, volunteer_id, state, detail, params)
           VALUES ('1:claim_confirmed:a', 'claim_confirmed', $1, 'sent', '250 OK', '{}')""",
        alice)
    as_alice = accounts.bearer(world.tokens[accounts.VOLUNTEER_SELF])
    own = await client.get("/api/notifications", headers=as_alice)
    assert own.status_code == 200
    row, = own.json()["notifications"]
    assert set(row) == {"id", "kind", "volunteer_id", "shift_id", "state", "attempts", "detail",
                        "queued_at", "finished_at"}
    assert (row["kind"], row["state"], row["volunteer_id"]) == (
        "claim_confirmed", "sent", str(alice))
    as_bernd = accounts.bearer(world.tokens[accounts.VOLUNTEER_OTHER])
    other = await client.get("/api/notifications", headers=as_bernd)
    assert other.json()["notifications"] == []
    peek = await client.get(f"/api/notifications?volunteer_id={alice}",
                            headers=accounts.bearer(world.tokens[accounts.VOLUNTEER_OTHER]))
    assert peek.status_code == 403
    later = await client.get("/api/notifications?after=2999-01-01T00:00:00Z",
                             headers=accounts.bearer(world.tokens[accounts.ADMIN]))
    assert later.json()["notifications"] == []
    naive = await client.get("/api/notifications?after=2026-01-01T00:00:00",
                             headers=accounts.bearer(world.tokens[accounts.ADMIN]))
    assert naive.status_code in (400, 422)
