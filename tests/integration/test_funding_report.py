"""The funding report through HTTP: figures, the two timelines (as_of vs. from/to), changes with
their causes, CSV for a German spreadsheet, and a PDF that agrees with the JSON."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from uuid import uuid4
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader

from tests.accounts_world import AUDITOR, COORDINATOR_B, bearer
from tests.accounts_world import world  # noqa: F401 - fixture
from tests.funding_programme import get, period, post, programme, recorded_instant, table_of

pytestmark = pytest.mark.integration
BERLIN = ZoneInfo("Europe/Berlin")


async def test_the_report_counts_held_sessions_visitors_and_gaps(world, programme):
    report = (await get(world, "/api/reports/funding", **period(programme))).json()
    [site] = report["sites"]
    [offer] = site["offers"]
    assert offer["offer_id"] == str(programme["offer"])
    assert offer["category"] == "community"
    assert (offer["sessions_held"], offer["visitors"], offer["sessions_unrecorded"]) == (3, 36, 1)
    assert offer["visitors_per_session"] == 12.0
    assert report["totals"]["visitors"] == 36 and report["ledger_head"]["hash"]
    assert sum(month["visitors"] for month in report["months"]) == 36


async def test_as_of_sees_only_what_was_recorded_by_then_whenever_it_happened(
    world, programme, pool,  # noqa: F811
):
    before_count = await recorded_instant(pool)
    # The fourth occurrence happened weeks ago; its count arrives only now.
    await post(world, f"/api/sessions/{programme['session']}/attendance",
               {"occurrence_starts_at": programme["starts"][3], "visitors": 20})
    then = (await get(world, "/api/reports/funding", as_of=before_count.isoformat(),
                      **period(programme))).json()
    now = (await get(world, "/api/reports/funding", **period(programme))).json()
    assert then["totals"]["visitors"] == 36 and then["totals"]["sessions_held"] == 3
    assert now["totals"]["visitors"] == 56 and now["totals"]["sessions_held"] == 4
    # The period selects by when things happened: a period before the programme has nothing.
    empty = (await get(world, "/api/reports/funding", **{"from": "2020-01-01", "to": "2020-12-31"})).json()
    assert empty["totals"]["visitors"] == 0


async def test_changes_between_two_instants_name_the_events_that_caused_them(
    world, programme, pool,  # noqa: F811
):
    since = await recorded_instant(pool)
    corrected = await post(world, f"/api/sessions/{programme['session']}/attendance", {
        "occurrence_starts_at": programme["starts"][1], "visitors": 17,
        "reason": "Nachzählung der Liste"})
    await post(world, f"/api/shifts/{programme['shift']}/attendance",
               {"present": [str(world.targets["volunteer_id"])]})
    changes = (await get(world, "/api/reports/funding/changes", since=since.isoformat(),
                         **period(programme))).json()["changes"]
    by_figure = {change["figure"]: change for change in changes}
    assert set(by_figure) == {"visitors", "volunteer_hours"}
    visitors = by_figure["visitors"]
    assert (visitors["before"], visitors["after"]) == (36, 38)
    [cause] = [e for e in visitors["events"] if e["type"] == "session.attendance_corrected"]
    assert cause["position"] == corrected["position"]
    assert cause["reason"] == "Nachzählung der Liste"
    assert cause["actor"].startswith("account:")
    assert by_figure["volunteer_hours"]["after"] == 3.0


async def test_the_csv_opens_in_a_german_spreadsheet_and_names_its_context(world, programme):
    response = await get(world, "/api/reports/funding", format="csv", site_id=programme["site"],
                         **period(programme))
    assert response.headers["content-type"].startswith("text/csv")
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    seq, head = response.headers["x-ledger-head"].split(":")
    context = {row[0]: row[1:] for row in rows[:12] if row}
    first, last = (datetime.fromisoformat(day).strftime("%d.%m.%Y")
                   for day in period(programme).values())
    assert context["Zeitraum"] == [first, last]
    assert context["Ledger-Kopf"] == [seq, head]
    assert context["Standorte"] == ["Treff A"]
    assert context["Stand der Historie (Europe/Berlin)"][0].endswith(" Uhr")
    table = table_of(response.content)
    assert table[0][:3] == ["Standort", "Angebot", "Kategorie"]
    lunch = next(row for row in table if row[1] == "Mittagstisch")
    assert lunch[3] == "3" and lunch[6] == "36" and lunch[7] == "12,00"
    assert table[-1][0] == "Summe"
    today = datetime.now(BERLIN).date().isoformat()
    assert response.headers["content-disposition"] == (
        f'attachment; filename="Verwendungsnachweis_{period(programme)["from"]}_'
        f'{period(programme)["to"]}_Wennigsen_stand-{today}.csv"')


async def test_changes_carry_labels_actors_dates_and_a_site_filter(world, programme, pool):  # noqa: F811
    since = await recorded_instant(pool)
    await post(world, f"/api/sessions/{programme['session']}/attendance", {
        "occurrence_starts_at": programme["starts"][2], "visitors": 10, "reason": "Liste"})
    found = (await get(world, "/api/reports/funding/changes", since=since.isoformat(),
                       site_id=programme["site"], **period(programme))).json()
    [change] = found["changes"]
    assert (change["site"], change["offer"], change["figure"]) == ("Treff A", "Mittagstisch",
                                                                   "visitors")
    [cause] = change["events"]
    assert cause["label"] == "Besucherzahl korrigiert" and cause["actor_name"] == "Verwaltung"
    assert cause["happened_at"] == programme["starts"][2].replace("+00:00", "Z")
    elsewhere = (await get(world, "/api/reports/funding/changes", since=since.isoformat(),
                           site_id=str(uuid4()), **period(programme))).json()
    assert elsewhere["changes"] == []


async def test_a_pdf_made_before_a_correction_agrees_with_the_as_of_json_of_that_instant(
    world, programme, pool,  # noqa: F811
):
    pdf = await get(world, "/api/reports/funding", format="pdf", **period(programme))
    made = await recorded_instant(pool)
    await post(world, f"/api/sessions/{programme['session']}/attendance", {
        "occurrence_starts_at": programme["starts"][0], "visitors": 30, "reason": "Tippfehler"})
    assert pdf.headers["content-type"] == "application/pdf"
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    as_of = (await get(world, "/api/reports/funding", as_of=made.isoformat(),
                       **period(programme))).json()
    seq, head_hash = pdf.headers["x-ledger-head"].split(":")
    assert head_hash in text.replace("\n", "").replace(" ", "")
    assert bytes.fromhex(head_hash) == await pool.fetchval(
        "SELECT chain_hash FROM ledger WHERE seq = $1", int(seq))
    [offer] = as_of["sites"][0]["offers"]
    row = " ".join(["Mittagstisch", "Gemeinwesenarbeit, Nachbarschaft",
                    str(offer["sessions_held"]), str(offer["sessions_cancelled"]),
                    str(offer["visitors"])])
    assert row in " ".join(text.split()), text
    now = (await get(world, "/api/reports/funding", **period(programme))).json()
    assert now["totals"]["visitors"] == as_of["totals"]["visitors"] + 18


async def test_a_coordinator_sees_only_its_own_sites_and_bad_parameters_name_the_field(
    world, programme,  # noqa: F811
):
    other = await world.client.get("/api/reports/funding", headers=bearer(world.tokens[COORDINATOR_B]),
                                   params={"site_id": str(programme["site"])})
    assert other.status_code == 403
    own = (await get(world, "/api/reports/funding", caller=COORDINATOR_B, **period(programme))).json()
    assert own["sites"] == []
    for params, field in [({"as_of": "2026-05-01T12:00:00"}, "as_of"), ({"from": "gestern"}, "from"),
                          ({"from": "2026-05-02", "to": "2026-05-01"}, "to"),
                          ({"format": "docx"}, "format")]:
        response = await world.client.get("/api/reports/funding", params=params,
                                          headers=bearer(world.tokens[AUDITOR]))
        assert response.status_code == 422, response.text
        assert response.json()["errors"][0]["field"] == field


async def test_titles_that_a_spreadsheet_takes_for_formulas_reach_the_csv_neutralised(
    world, programme  # noqa: F811
):
    site, room = programme["site"], programme["room"]
    offer = await post(world, "/api/offers", {"site_id": str(site), "title": "=HYPERLINK(\"x\")",
                                               "category": "movement"})
    held = programme["first"] + timedelta(days=1)
    await post(world, f"/api/offers/{offer['id']}/sessions", {
        "room_id": room, "starts_at": held.isoformat(),
        "ends_at": (held + timedelta(hours=1)).isoformat()})
    response = await get(world, "/api/reports/funding", format="csv", **period(programme))
    titles = [row[1] for row in table_of(response.content)]
    assert "'=HYPERLINK(\"x\")" in titles and "=HYPERLINK(\"x\")" not in titles
    lunch = next(row for row in table_of(response.content) if row[1] == "Mittagstisch")
    assert lunch[6] == "36"  # numbers stay numbers
