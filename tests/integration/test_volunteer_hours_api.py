"""Volunteer hours over HTTP (API.md, "Second wave"): who served a shift with walk-ins and actual
times, timesheet lines and their corrections, the funding settings, the timesheet annex in
three formats ("gelöscht" once erased), and checking a ledger head."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from pypdf import PdfReader

from tests.accounts_world import (
    ADMIN,
    ALICE,
    AUDITOR,
    COORDINATOR_A,
    COORDINATOR_B,
    bearer,
    register_volunteer,
)
from tests.accounts_world import world  # noqa: F401 - fixture
from tests.helpers import seal_everything

pytestmark = pytest.mark.integration


async def call(world, method, path, body=None, caller=ADMIN, **params):  # noqa: F811
    return await world.client.request(method, path, json=body, params=params or None,
                                      headers=bearer(world.tokens[caller]))


async def ok(world, method, path, body=None, caller=ADMIN, **params):  # noqa: F811
    response = await call(world, method, path, body, caller, **params)
    assert response.status_code in (200, 201), f"{path}: {response.text}"
    return response


def refused(response, status: int, field: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert field in [error["field"] for error in response.json().get("errors", [])] or (
        field in response.text), response.text


@pytest.fixture
async def served(world):  # noqa: F811
    """A shift at site A held by Alice that has begun; Bernd walks in."""
    site = str(world.targets["site_id"])
    alice = str(world.targets["volunteer_id"])
    bernd = await register_volunteer(world.client, world.tokens[ADMIN],
                                     {"name": "Bernd Wessels", "email": f"{uuid4()}@example.org"})
    soon = datetime.now(UTC) + timedelta(seconds=1)
    shift = (await ok(world, "POST", "/api/shifts", {
        "site_id": site, "title": "Küchendienst", "starts_at": soon.isoformat(),
        "ends_at": (soon + timedelta(hours=3)).isoformat(), "capacity": 2})).json()["id"]
    await ok(world, "POST", f"/api/shifts/{shift}/claims", {"volunteer_id": alice})
    await asyncio.sleep(max(0.0, (soon - datetime.now(UTC)).total_seconds()) + 0.05)
    return {"site": site, "shift": shift, "alice": alice, "bernd": str(bernd), "start": soon}


async def test_attendance_takes_walk_ins_and_actual_times_and_refuses_what_cannot_be(
    world, served,  # noqa: F811
):
    start, path = served["start"], f"/api/shifts/{served['shift']}/attendance"
    early = {"started_at": start.isoformat(),
             "ended_at": (start + timedelta(milliseconds=10)).isoformat()}
    for body, status, field in [
        ({"present": [], "walk_ins": [str(uuid4())]}, 422, "walk_ins[0]"),
        ({"present": [], "walk_ins": [served["alice"]]}, 422, "walk_ins[0]"),
        ({"present": [served["alice"]], "times": {served["bernd"]: early}}, 422,
         f"times.{served['bernd']}"),
        ({"present": [served["alice"]], "times": {served["alice"]: {
            "started_at": "2026-10-10T09:00:00", "ended_at": early["ended_at"]}}}, 422,
         "started_at"),
    ]:
        refused(await call(world, "POST", path, body), status, field)
    created = await call(world, "POST", path, {
        "present": [served["alice"]], "walk_ins": [served["bernd"]],
        "times": {served["alice"]: early}}, caller=COORDINATOR_A)
    assert created.status_code == 201, created.text
    assert created.json()["position"] > 0
    again = await call(world, "POST", path, {"present": [served["alice"]]})
    refused(again, 422, "reason")


async def test_a_timesheet_line_is_recorded_corrected_and_guarded_by_site(world, served):  # noqa: F811
    alice, site = served["alice"], served["site"]
    path = f"/api/volunteers/{alice}/hours"
    yesterday = datetime.now(UTC).replace(microsecond=0) - timedelta(days=1)
    line = {"site_id": site, "activity": "Fahrdienst zum Arzt",
            "started_at": yesterday.isoformat(),
            "ended_at": (yesterday + timedelta(hours=2)).isoformat()}
    refused(await call(world, "POST", path, line, caller=COORDINATOR_B), 403, "")
    created = await call(world, "POST", path, line, caller=COORDINATOR_A)
    assert created.status_code == 201, created.text
    line_id = created.json()["id"]
    for body, field in [
        ({**line, "ended_at": (datetime.now(UTC) + timedelta(hours=1)).isoformat()}, "ended_at"),
        ({**line, "ended_at": (yesterday + timedelta(hours=15)).isoformat()}, "ended_at"),
        ({**line, "activity": ""}, "activity"),
        ({**line, "offer_id": str(uuid4())}, "offer_id"),
    ]:
        refused(await call(world, "POST", path, body), 422 if field != "offer_id" else 404,
                field)
    overlapping = await call(world, "POST", path, line)
    assert overlapping.status_code == 409, overlapping.text
    correction = f"{path}/{line_id}/correction"
    refused(await call(world, "POST", correction, line), 422, "reason")
    corrected = await call(world, "POST", correction, {
        **line, "ended_at": (yesterday + timedelta(hours=1)).isoformat(),
        "reason": "Rückfahrt fiel aus"}, caller=COORDINATOR_A)
    assert corrected.status_code == 201, corrected.text
    refused(await call(world, "POST", f"{path}/{uuid4()}/correction",
                       {**line, "reason": "x"}), 404, "line_id")
    # A line of another site is not the coordinator's to move to its own.
    elsewhere = (await ok(world, "POST", "/api/sites", {"name": "Treff C",
                                                        "village": "Rieste"})).json()["id"]
    theirs = (await ok(world, "POST", path, {
        **line, "site_id": elsewhere, "started_at": (yesterday - timedelta(hours=5)).isoformat(),
        "ended_at": (yesterday - timedelta(hours=4)).isoformat()})).json()["id"]
    moved = await call(world, "POST", f"{path}/{theirs}/correction",
                       {**line, "reason": "gehört zu uns"}, caller=COORDINATOR_A)
    assert moved.status_code == 403, moved.text


async def test_funding_settings_are_the_admins_and_name_a_bad_field(world):  # noqa: F811
    settings = {"provider": "Samtgemeinde Bersenbrück", "programme": "Dorftreffs",
                "funding_reference": "SG-1", "eur_per_volunteer_hour": 15,
                "valid_from": "2026-01-01"}
    refused(await call(world, "PUT", "/api/funding/settings", settings, caller=COORDINATOR_A),
            403, "")
    for field, value in (("eur_per_volunteer_hour", 15.001), ("eur_per_volunteer_hour", -1),
                         ("valid_from", "01.01.2026"), ("provider", "")):
        refused(await call(world, "PUT", "/api/funding/settings", {**settings, field: value}),
                422, field)
    changed = await call(world, "PUT", "/api/funding/settings", settings)
    assert changed.status_code == 200 and changed.json()["position"] > 0


async def test_the_timesheet_comes_in_three_formats_and_says_gelöscht_once_erased(
    world, served, pool,  # noqa: F811
):
    await ok(world, "PUT", "/api/funding/settings", {
        "provider": "Samtgemeinde Bersenbrück", "programme": "Dorftreffs",
        "funding_reference": "SG-1", "eur_per_volunteer_hour": 15, "valid_from": "2020-01-01"})
    await ok(world, "POST", f"/api/shifts/{served['shift']}/attendance",
             {"present": [served["alice"]], "walk_ins": [served["bernd"]]})
    period = {"from": (served["start"] - timedelta(days=1)).date().isoformat(),
              "to": (served["start"] + timedelta(days=1)).date().isoformat(),
              "site_id": served["site"]}
    sheet = (await ok(world, "GET", "/api/reports/funding/timesheet", caller=AUDITOR,
                      **period)).json()
    names = {person["name"]: person for person in sheet["people"]}
    assert set(names) == {ALICE["name"], "Bernd Wessels"}
    assert sheet["hours"] == 6.0 and sheet["value"] == 90.0
    report = (await ok(world, "GET", "/api/reports/funding", caller=AUDITOR, **period)).json()
    assert (report["totals"]["volunteer_hours"], report["totals"]["volunteer_hours_value"]) == (
        6.0, 90.0)

    await ok(world, "POST", f"/api/volunteers/{served['bernd']}/erasure")
    after = (await ok(world, "GET", "/api/reports/funding/timesheet", caller=COORDINATOR_A,
                      **period)).json()
    assert {(p["name"], p["erased"]) for p in after["people"]} == {
        (ALICE["name"], False), ("gelöscht", True)}
    spreadsheet = await ok(world, "GET", "/api/reports/funding/timesheet", caller=AUDITOR,
                           format="csv", **period)
    rows = list(csv.reader(io.StringIO(spreadsheet.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["Stundennachweis Ehrenamt"] and ["Förderkennzeichen", "SG-1"] in rows
    assert any(row[:1] == ["gelöscht"] and row[4:5] == ["3,00"] for row in rows)
    assert spreadsheet.headers["content-disposition"].startswith(
        'attachment; filename="Stundennachweis_')
    document = await ok(world, "GET", "/api/reports/funding/timesheet", caller=AUDITOR,
                        format="pdf", **period)
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(document.content)).pages)
    assert "gelöscht" in text and ALICE["name"] in text and "Bernd" not in text
    other = await call(world, "GET", "/api/reports/funding/timesheet", caller=COORDINATOR_B,
                       **period)
    assert other.status_code == 403


async def test_text_a_spreadsheet_takes_for_a_formula_reaches_the_timesheet_csv_neutralised(
    world,  # noqa: F811
):
    """Issue 17, item 3: the timesheet's CSV neutralises names, sites, activities and the
    funding fields as the funding report's does (a leading ``'``), and numbers stay numbers."""
    site = (await ok(world, "POST", "/api/sites", {"name": "@Treff", "village": "Rieste"})
            ).json()["id"]
    volunteer = await register_volunteer(world.client, world.tokens[ADMIN], {
        "name": "=HYPERLINK(\"http://evil.example\")", "email": f"{uuid4()}@example.org"})
    await ok(world, "PUT", "/api/funding/settings", {
        "provider": "+49 5461 0", "programme": "-Ehrenamt", "funding_reference": "@SG-1",
        "eur_per_volunteer_hour": 15.0, "valid_from": "2026-01-01"})
    started = datetime.now(UTC).replace(microsecond=0) - timedelta(days=1)
    await ok(world, "POST", f"/api/volunteers/{volunteer}/hours", {
        "site_id": site, "activity": "-1+1", "started_at": started.isoformat(),
        "ended_at": (started + timedelta(hours=2)).isoformat()})
    day = started.date()
    spreadsheet = await ok(world, "GET", "/api/reports/funding/timesheet", caller=AUDITOR,
                           format="csv", site_id=site, **{
                               "from": (day - timedelta(days=1)).isoformat(),
                               "to": (day + timedelta(days=1)).isoformat()})
    rows = list(csv.reader(io.StringIO(spreadsheet.content.decode("utf-8-sig")), delimiter=";"))
    assert ["Träger", "'+49 5461 0"] in rows and ["Förderprogramm", "'-Ehrenamt"] in rows
    assert ["Förderkennzeichen", "'@SG-1"] in rows and ["Standorte", "'@Treff"] in rows
    [line] = [row for row in rows if row[2:3] == ["'@Treff"]]
    assert line[0] == "'=HYPERLINK(\"http://evil.example\")" and line[3] == "'-1+1"
    assert line[4:] == ["2,00", "30,00"]  # numbers stay numbers
    cells = [cell for row in rows for cell in row]
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells), cells


async def test_a_head_check_finds_a_real_head_and_refuses_a_made_up_one(world, pool):  # noqa: F811
    await seal_everything(pool)
    report = await ok(world, "GET", "/api/reports/funding", caller=AUDITOR)
    seq, head = report.headers["x-ledger-head"].split(":")
    known = (await ok(world, "GET", f"/api/audit/heads/{head}", caller=AUDITOR)).json()
    assert known["known"] and known["seq"] == int(seq) and known["sealed_at"]
    assert (await ok(world, "GET", f"/api/audit/heads/{'0' * 64}", caller=AUDITOR)).json() == {
        "known": False, "seq": None, "sealed_at": None, "hash": "0" * 64}
    refused(await call(world, "GET", "/api/audit/heads/kein-hash", caller=AUDITOR), 422, "hash")
    assert (await call(world, "GET", f"/api/audit/heads/{head}",
                       caller=COORDINATOR_A)).status_code == 403
