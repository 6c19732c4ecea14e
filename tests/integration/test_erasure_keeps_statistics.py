"""Erasing a volunteer changes no figure: the statistics and the training record read the same
before and after, only the name turns "erased", and no table holds the person's data or key."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.accounts_world import ADMIN, AUDITOR, COORDINATOR_A, all_table_text, register_volunteer
from tests.reading import held_session, projecting, read_ok, until
from tests.scheduling_world import iso, world  # noqa: F401 - the fixture

pytestmark = pytest.mark.integration

HENRIKE = {"name": "Henrike Löschbar-Einmalig", "email": "henrike.einmalig@example.org",
           "phone": "+49 5103 987654"}


async def test_statistics_and_training_record_stay_as_they_were_after_an_erasure(
    world, database_url, pool
):
    henrike = await register_volunteer(world.client, world.tokens[ADMIN], HENRIKE)
    starts = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=3)
    gym = await held_session(world, COORDINATOR_A, world.site_a, world.room_a, "movement",
                             starts - timedelta(days=1))
    await world.created(COORDINATOR_A, f"/api/sessions/{gym['session']}/attendance", {
        "occurrence_starts_at": iso(starts - timedelta(days=1)), "visitors": 9})
    shift = await world.created(COORDINATOR_A, "/api/shifts", {
        "site_id": str(world.site_a), "title": "Fahrdienst", "starts_at": iso(starts),
        "ends_at": iso(starts + timedelta(hours=3)), "capacity": 1, "session_id": gym["session"]})
    await world.created(COORDINATOR_A, f"/api/shifts/{shift['id']}/claims",
                        {"volunteer_id": str(henrike)})
    training = await world.created(COORDINATOR_A, "/api/trainings", {
        "site_id": str(world.site_a), "room_id": str(world.room_a), "title": "Erste Hilfe",
        "qualification": "first_aid", "valid_for_months": 1, "starts_at": iso(starts),
        "ends_at": iso(starts + timedelta(hours=2)), "capacity": 3})
    await world.created(COORDINATOR_A, f"/api/trainings/{training['id']}/enrollments",
                        {"volunteer_id": str(henrike)})
    await until(starts)
    await world.created(COORDINATOR_A, f"/api/shifts/{shift['id']}/attendance",
                        {"present": [str(henrike)]})
    done = await world.created(COORDINATOR_A, f"/api/trainings/{training['id']}/completion",
                               {"attended": [str(henrike)]})
    record_path = f"/api/volunteers/{henrike}/training-record"
    period = {"from": iso(starts - timedelta(days=5)), "to": iso(starts + timedelta(days=5))}

    async def figures(position: int) -> tuple:
        stats = {group_by: await read_ok(world, AUDITOR, "/api/stats/attendance", position,
                                         group_by=group_by, **period)
                 for group_by in ("month", "offer", "category", "site")}
        record = await read_ok(world, ADMIN, record_path, position)
        expiring = await read_ok(world, ADMIN, "/api/qualifications/expiring", position)
        return stats, record, expiring

    with projecting(database_url):
        stats_before, record_before, expiring_before = await figures(done["position"])
        key = await pool.fetchval("SELECT key FROM subject_keys WHERE subject_id = $1", henrike)
        erased = await world.call(ADMIN, "POST", f"/api/volunteers/{henrike}/erasure")
        assert erased.status_code == 200, erased.text
        stats_after, record_after, expiring_after = await figures(erased.json()["position"])

    assert stats_before["site"]["totals"]["volunteer_hours"] == 3.0
    assert stats_before["site"]["totals"]["trainings_held"] == 1
    assert stats_after == stats_before
    assert record_before["name"] == HENRIKE["name"] and record_after["name"] == "erased"
    assert record_after["erased"] is True
    assert [q["qualification"] for q in record_before["qualifications"]] == ["first_aid"]
    unchanged = ("id", "trainings", "qualifications")
    assert {f: record_after[f] for f in unchanged} == {f: record_before[f] for f in unchanged}
    assert [(v["id"], v["name"]) for v in expiring_after] == [(str(henrike), "erased")]
    assert expiring_after[0]["qualifications"] == expiring_before[0]["qualifications"]

    everything = "\n".join(await all_table_text(pool))
    assert key is not None
    for secret in (HENRIKE["name"], HENRIKE["email"], HENRIKE["phone"], key.hex()):
        assert secret not in everything
