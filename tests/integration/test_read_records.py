"""Training records, expiring qualifications and attendance statistics through real HTTP, with
the projections kept up to date by the runner while the test writes (as a worker would)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import pytest
from dateutil.relativedelta import relativedelta

from projections.runner import ensure_projection
from services.reads.read_models import MAX_WAIT_SECONDS
from tests.accounts_world import (
    ADMIN,
    AUDITOR,
    COORDINATOR_A,
    COORDINATOR_B,
    VOLUNTEER_OTHER,
    VOLUNTEER_SELF,
)
from tests.reading import READ_PROJECTIONS, held_session, projecting, read, read_ok, until
from tests.scheduling_world import iso, world

pytestmark = pytest.mark.integration
BERLIN = ZoneInfo("Europe/Berlin")


def month_of(moment: datetime) -> str:
    return moment.astimezone(BERLIN).strftime("%Y-%m")


def figures_of(group: dict[str, Any]) -> tuple:
    return (group["sessions_held"], group["visitors"], group["volunteer_hours"],
            group["sessions_unrecorded"], group["sessions_cancelled"])


async def test_statistics_count_corrected_visitors_and_reconfirmed_volunteer_hours(world, database_url):
    now = datetime.now(UTC).replace(microsecond=0)
    two_days_ago = now - timedelta(days=2)
    room_b = (await world.created(ADMIN, f"/api/sites/{world.site_b}/rooms",
                                  {"name": "Stube", "capacity": 10}))["id"]
    gym = await held_session(world, COORDINATOR_A, world.site_a, world.room_a, "movement",
                             two_days_ago, count=2)
    cafe = await held_session(world, COORDINATOR_B, world.site_b, UUID(room_b), "community",
                              now - timedelta(days=1))
    attendance = f"/api/sessions/{gym['session']}/attendance"
    await world.created(COORDINATOR_A, attendance, {
        "occurrence_starts_at": iso(two_days_ago.astimezone(BERLIN)), "visitors": 12})
    await world.created(COORDINATOR_A, attendance, {
        "occurrence_starts_at": iso(two_days_ago), "visitors": 13, "reason": "miscounted"})
    await world.created(COORDINATOR_B, f"/api/sessions/{cafe['session']}/attendance", {
        "occurrence_starts_at": iso(now - timedelta(days=1)), "visitors": 5})
    # The gym's second day (yesterday) has no count: unrecorded, not held.

    shift_starts = now + timedelta(seconds=3)
    shift = await world.created(COORDINATOR_A, "/api/shifts", {
        "site_id": str(world.site_a), "title": "Tresen", "starts_at": iso(shift_starts),
        "ends_at": iso(shift_starts + timedelta(hours=2)), "capacity": 2,
        "session_id": gym["session"]})
    for volunteer in (world.alice, world.bernd):
        await world.created(COORDINATOR_A, f"/api/shifts/{shift['id']}/claims",
                            {"volunteer_id": str(volunteer)})
    await until(shift_starts)
    confirm = f"/api/shifts/{shift['id']}/attendance"
    await world.created(COORDINATOR_A, confirm, {"present": [str(world.alice), str(world.bernd)]})
    last = await world.created(COORDINATOR_A, confirm, {"present": [str(world.alice)],
                                                        "reason": "Bernd was ill"})

    period = {"from": iso(now - timedelta(days=10)), "to": iso(now + timedelta(days=1))}
    with projecting(database_url):
        by_site = await read_ok(world, ADMIN, "/api/stats/attendance", last["position"],
                                group_by="site", **period)
        by_offer = await read_ok(world, AUDITOR, "/api/stats/attendance", last["position"],
                                 group_by="offer", **period)
        by_category = await read_ok(world, ADMIN, "/api/stats/attendance", last["position"],
                                    group_by="category", **period)
        by_month = await read_ok(world, ADMIN, "/api/stats/attendance", last["position"],
                                 group_by="month", **period)
        own_site = await read_ok(world, COORDINATOR_A, "/api/stats/attendance", last["position"],
                                 group_by="offer", site_id=str(world.site_a), **period)

    assert {g["key"]: figures_of(g) for g in by_site["groups"]} == {
        str(world.site_a): (1, 13, 2.0, 1, 0), str(world.site_b): (1, 5, 0.0, 0, 0)}
    assert {g["key"]: g["label"] for g in by_site["groups"]} == {
        str(world.site_a): "Dorftreff Linden", str(world.site_b): "Dorftreff Buchholz"}
    assert {g["key"]: figures_of(g) for g in by_offer["groups"]} == {
        gym["offer"]: (1, 13, 2.0, 1, 0), cafe["offer"]: (1, 5, 0.0, 0, 0)}
    assert {g["key"]: figures_of(g) for g in by_category["groups"]} == {
        "movement": (1, 13, 2.0, 1, 0), "community": (1, 5, 0.0, 0, 0)}
    # The shift's volunteer hours make its month a group too (on the 1st, today's month).
    months: dict[str, list[int]] = {month_of(shift_starts): [0, 0]}
    for moment, held, visitors in ((two_days_ago, 1, 13), (now - timedelta(days=1), 1, 5)):
        months.setdefault(month_of(moment), [0, 0])
        months[month_of(moment)][0] += held
        months[month_of(moment)][1] += visitors
    assert {g["key"]: [g["sessions_held"], g["visitors"]] for g in by_month["groups"]} == months
    assert by_month["totals"]["volunteer_hours"] == 2.0
    assert by_site["totals"] == by_month["totals"] == by_offer["totals"]
    assert by_site["totals"]["visitors"] == 18 and by_site["totals"]["sessions_held"] == 2
    assert [g["key"] for g in own_site["groups"]] == [gym["offer"]]
    assert own_site["site_id"] == str(world.site_a) and own_site["group_by"] == "offer"


async def test_the_statistics_route_lets_only_staff_of_the_site_and_auditors_read(world, database_url):
    period = {"from": "2026-01-01T00:00:00+01:00", "to": "2027-01-01T00:00:00+01:00"}
    site_a = {"site_id": str(world.site_a)}
    with projecting(database_url):
        allowed = [(ADMIN, {}), (AUDITOR, {}), (AUDITOR, site_a), (COORDINATOR_A, site_a)]
        for caller, scope in allowed:
            response = await read(world, caller, "/api/stats/attendance", **period, **scope)
            assert response.status_code == 200, f"{caller}: {response.text}"
            assert "x-projection-position" in response.headers
        refused = [(COORDINATOR_B, site_a), (COORDINATOR_A, {}), (VOLUNTEER_SELF, {}),
                   (VOLUNTEER_SELF, site_a)]
        for caller, scope in refused:
            response = await read(world, caller, "/api/stats/attendance", **period, **scope)
            assert response.status_code == 403, f"{caller}: {response.text}"
        anonymous = await world.client.get("/api/stats/attendance")
        assert anonymous.status_code == 401


@pytest.mark.parametrize(("query", "field"), [
    ({"to": "2027-01-01T00:00:00Z"}, "from"),
    ({"from": "2026-01-01T00:00:00Z"}, "to"),
    ({"from": "2026-01-01T00:00:00", "to": "2027-01-01T00:00:00Z"}, "from"),
    ({"from": "2027-01-01T00:00:00Z", "to": "2026-01-01T00:00:00Z"}, "to"),
    ({"from": "2026-01-01T00:00:00Z", "to": "2027-01-01T00:00:00Z", "group_by": "weekday"},
     "group_by"),
    ({"from": "2026-01-01T00:00:00Z", "to": "2027-01-01T00:00:00Z", "site_id": "nine"},
     "site_id"),
])
async def test_a_bad_statistics_query_is_refused_naming_the_field(world, query, field):
    response = await read(world, ADMIN, "/api/stats/attendance", **query)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert field in [error["field"] for error in response.json()["errors"]], response.text


async def test_a_completed_training_shows_in_the_record_and_among_the_expiring(world, database_url):
    starts = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=3)
    training = await world.created(COORDINATOR_A, "/api/trainings", {
        "site_id": str(world.site_a), "room_id": str(world.room_a), "title": "Erste Hilfe",
        "qualification": "first_aid", "valid_for_months": 1, "starts_at": iso(starts),
        "ends_at": iso(starts + timedelta(hours=3)), "capacity": 5})
    enrollments = f"/api/trainings/{training['id']}/enrollments"
    await world.created(VOLUNTEER_SELF, enrollments, {})
    await world.created(VOLUNTEER_OTHER, enrollments, {})
    await until(starts)
    done = await world.created(COORDINATOR_A, f"/api/trainings/{training['id']}/completion",
                               {"attended": [str(world.alice)]})
    valid_until = (starts.astimezone(BERLIN) + relativedelta(months=1)).astimezone(UTC)
    record_path = f"/api/volunteers/{world.alice}/training-record"
    # Alice was trained at site A but serves at site B: her refresher is site B's concern.
    serving = starts + timedelta(days=2)
    shift_b = await world.created(ADMIN, "/api/shifts", {
        "site_id": str(world.site_b), "title": "Fahrdienst", "starts_at": iso(serving),
        "ends_at": iso(serving + timedelta(hours=2)), "capacity": 2})
    await world.created(COORDINATOR_B, f"/api/shifts/{shift_b['id']}/claims",
                        {"volunteer_id": str(world.alice)})
    # Site B plans a refresher, Alice enrols in it; a later one is planned too.
    room_b = await world.created(ADMIN, f"/api/sites/{world.site_b}/rooms",
                                 {"name": "Stube", "capacity": 10})
    refreshers = [await world.created(COORDINATOR_B, "/api/trainings", {
        "site_id": str(world.site_b), "room_id": room_b["id"], "title": "Auffrischung",
        "qualification": "first_aid", "valid_for_months": 24,
        "starts_at": iso(starts + timedelta(days=days)),
        "ends_at": iso(starts + timedelta(days=days, hours=2)), "capacity": 5})
        for days in (5, 9)]
    done = await world.created(COORDINATOR_B, f"/api/trainings/{refreshers[1]['id']}/enrollments",
                               {"volunteer_id": str(world.alice)})

    with projecting(database_url):
        records = [await read_ok(world, caller, record_path, done["position"])
                   for caller in (VOLUNTEER_SELF, COORDINATOR_A, AUDITOR, ADMIN)]
        bernds = await read_ok(world, ADMIN, f"/api/volunteers/{world.bernd}/training-record",
                               done["position"])
        expiring = await read_ok(world, COORDINATOR_B, "/api/qualifications/expiring",
                                 done["position"], site_id=str(world.site_b))
        everywhere = await read_ok(world, ADMIN, "/api/qualifications/expiring",
                                   done["position"], within_days=60)
        soon = await read_ok(world, ADMIN, "/api/qualifications/expiring", done["position"],
                             within_days=10)
        trained_only = await read_ok(world, COORDINATOR_A, "/api/qualifications/expiring",
                                     done["position"], site_id=str(world.site_a))
        refused = [
            (VOLUNTEER_OTHER, record_path, {}),
            # Bernd is known at site A only
            (COORDINATOR_B, f"/api/volunteers/{world.bernd}/training-record", {}),
            (COORDINATOR_A, "/api/qualifications/expiring", {"site_id": str(world.site_b)}),
            (COORDINATOR_A, "/api/qualifications/expiring", {}),
            (AUDITOR, "/api/qualifications/expiring", {}),
            (VOLUNTEER_SELF, "/api/qualifications/expiring", {"site_id": str(world.site_a)}),
        ]
        for caller, path, query in refused:
            response = await read(world, caller, path, **query)
            assert response.status_code == 403, f"{caller} {path}: {response.text}"
        too_wide = await read(world, ADMIN, "/api/qualifications/expiring", within_days=0)
        assert too_wide.status_code == 422
        assert too_wide.json()["errors"][0]["field"] == "within_days"

    record = records[0]
    assert all(other == record for other in records)
    assert (record["id"], record["name"], record["erased"]) == (str(world.alice), "Alice", False)
    attended = next(t for t in record["trainings"] if t["id"] == training["id"])
    assert (attended["id"], attended["title"], attended["status"], attended["attended"]) == (
        training["id"], "Erste Hilfe", "completed", True)
    [qualification] = record["qualifications"]
    assert qualification["qualification"] == "first_aid" and qualification["valid"] is True
    assert datetime.fromisoformat(qualification["valid_until"]) == valid_until
    assert qualification["site_id"] == str(world.site_a)
    # Bernd was enrolled, cancelled nothing, but did not attend: no qualification.
    assert [(t["enrolled"], t["attended"]) for t in bernds["trainings"]] == [(True, False)]
    assert bernds["qualifications"] == []

    assert [(v["id"], v["name"], [q["qualification"] for q in v["qualifications"]])
            for v in expiring] == [(str(world.alice), "Alice", ["first_aid"])]
    [first_aid] = expiring[0]["qualifications"]
    assert first_aid["expired"] is False and first_aid["site_id"] == str(world.site_a)
    assert first_aid["name"] == {"de": "Erste Hilfe", "en": "First aid"}
    assert first_aid["refresher_training_id"] == refreshers[1]["id"]
    assert first_aid["next_training_id"] == refreshers[0]["id"]
    assert [q["next_training_id"] for v in everywhere for q in v["qualifications"]] == [
        refreshers[0]["id"]]
    assert soon == [] and trained_only == []


async def test_a_read_with_min_position_sees_the_write_just_made(world, database_url):
    held = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=3)
    gym = await held_session(world, COORDINATOR_A, world.site_a, world.room_a, "movement", held)
    period = {"from": iso(held - timedelta(days=1)), "to": iso(held + timedelta(days=1)),
              "site_id": str(world.site_a), "group_by": "site"}
    with projecting(database_url):
        for visitors in (7, 9, 11):
            body = {"occurrence_starts_at": iso(held), "visitors": visitors}
            if visitors != 7:
                body["reason"] = "recounted"
            written = await world.created(COORDINATOR_A,
                                          f"/api/sessions/{gym['session']}/attendance", body)
            stats = await read_ok(world, COORDINATOR_A, "/api/stats/attendance",
                                  written["position"], **period)
            assert stats["totals"]["visitors"] == visitors


async def test_a_read_waiting_for_a_position_never_applied_answers_503(world, pool, store):
    head = await store.head_position()
    for projection in READ_PROJECTIONS:
        await ensure_projection(pool, projection)
    started = time.monotonic()
    response = await read(world, ADMIN, f"/api/volunteers/{world.alice}/training-record",
                          min_position=head + 1000)
    assert response.status_code == 503, response.text
    # A position the store never gave out is not waited for (the wait holds a request slot).
    assert time.monotonic() - started < MAX_WAIT_SECONDS / 2
    assert response.headers["retry-after"]
    assert response.headers["content-type"].startswith("application/problem+json")
