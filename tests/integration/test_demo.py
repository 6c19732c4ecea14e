"""The demo programme of ``treffpunkt serve --demo``, seeded into real PostgreSQL (and signed in
to over HTTP), read back from the store it was written to."""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from uuid import UUID

import msgspec
import pytest
from litestar.testing import AsyncTestClient

from events import ledger
from events.offers import (
    CATEGORIES,
    AttendanceCorrected,
    AttendanceRecorded,
    OfferCreated,
    SessionOccurrencesCancelled,
    SessionScheduled,
)
from events.funding import FundingSettingsChanged
from events.hours import HoursCorrected, HoursRecorded
from events.qualifications import QualificationDefined
from events.rooms import RoomAdded
from events.volunteers import VolunteerErased
from events.shifts import ShiftAttendanceConfirmed, ShiftCreated, ShiftWaitlisted
from events.sites import SiteAdded
from events.trainings import (
    TrainingCompleted,
    TrainingEnrolled,
    TrainingPlanned,
    VolunteerQualified,
)
from services.accounts.service import find_account
from services.platform.app import create_app
from services.demo.seed import seed_demo
from services.demo.programme import (
    ALL_SITES_COORDINATOR,
    AUDITOR,
    DEMO_PASSWORD,
    FOOD_HYGIENE,
    VILLAGES,
    VOLUNTEERS_WITH_ACCOUNTS,
)
from services.commands.handler import CommandHandler
from services.platform.keys import derive_keys
from services.shifts.state import SHIFT, ShiftState
from tests.demo_store import BERLIN, SECRET, Seeded, a_seeded_store
from tests.helpers import seal_everything

pytestmark = pytest.mark.integration
# ``demo``, the history seeded once per run, is a fixture of tests/conftest.py.


def shift_states(demo: Seeded) -> dict[UUID, ShiftState]:
    states: dict[UUID, ShiftState] = defaultdict(lambda: SHIFT.initial)
    for recorded in demo.events:
        if recorded.stream_id.startswith("shift-"):
            shift_id = UUID(recorded.stream_id.removeprefix("shift-"))
            states[shift_id] = SHIFT.evolve(states[shift_id], recorded.event)
    return states


def qualifications(demo: Seeded) -> dict[UUID, dict[str, datetime]]:
    held: dict[UUID, dict[str, datetime]] = defaultdict(dict)
    for qualified in demo.of(VolunteerQualified):
        latest = held[qualified.volunteer_id].get(qualified.qualification, qualified.valid_until)
        held[qualified.volunteer_id][qualified.qualification] = max(latest, qualified.valid_until)
    return held


async def test_seeding_an_empty_store_gives_four_villages_each_with_two_or_three_rooms(demo):
    sites = demo.of(SiteAdded)
    assert sorted(site.village for site in sites) == [
        "Eggermühlen", "Gehrde", "Kettenkamp", "Rieste"]
    rooms_per_site = defaultdict(int)
    for room in demo.of(RoomAdded):
        rooms_per_site[room.site_id] += 1
    assert set(rooms_per_site) == {site.site_id for site in sites}
    assert all(2 <= count <= 3 for count in rooms_per_site.values())


async def test_the_offers_cover_every_category_and_all_four_villages(demo):
    offers = demo.of(OfferCreated)
    assert {offer.category for offer in offers} == CATEGORIES
    assert {offer.site_id for offer in offers} == {site.site_id for site in demo.of(SiteAdded)}
    assert {"Mittagstisch", "Babymassage", "Zeitungscafé", "Seniorengymnastik",
            "Hospizbegleitung: offener Gesprächskreis"} <= {offer.title for offer in offers}


async def test_weekly_sessions_reach_from_a_year_back_to_six_weeks_ahead(demo):
    sessions = demo.of(SessionScheduled)
    assert len(sessions) == len(demo.of(OfferCreated))
    for session in sessions:
        assert session.recurrence is not None
        assert session.recurrence.rrule.startswith("FREQ=WEEKLY;BYDAY=")
        assert session.occurrences[0].starts_at < demo.started - timedelta(days=364)
        assert session.occurrences[-1].starts_at > demo.started + timedelta(days=35)


async def test_every_past_occurrence_has_its_visitors_and_a_few_are_corrected_with_a_reason(demo):
    recorded = {(a.session_id, a.occurrence_starts_at) for a in demo.of(AttendanceRecorded)}
    cancelled = {(c.session_id, start) for c in demo.of(SessionOccurrencesCancelled)
                 for start in c.occurrence_starts_at}
    past = {(s.session_id, o.starts_at) for s in demo.of(SessionScheduled)
            for o in s.occurrences if o.ends_at <= demo.started}
    assert past and past - cancelled <= recorded
    assert all(a.visitors > 0 for a in demo.of(AttendanceRecorded))
    corrections = demo.of(AttendanceCorrected)
    assert 1 <= len(corrections) <= 2 * len(demo.of(SessionScheduled))
    assert all(c.reason and (c.session_id, c.occurrence_starts_at) in recorded
               for c in corrections)
    assert cancelled and not cancelled & recorded
    assert any(start < demo.started for _, start in cancelled)  # Christmas, a sick leader


async def test_a_full_shift_keeps_a_waitlist_and_no_shift_holds_more_than_its_places(demo):
    states = shift_states(demo)
    assert all(len(state.claimed) <= state.capacity for state in states.values())
    full_with_waitlist = [s for s in states.values()
                          if len(s.claimed) == s.capacity and s.waitlist]
    assert full_with_waitlist
    assert len(demo.of(ShiftWaitlisted)) == sum(len(s.waitlist) for s in states.values())


async def test_every_code_the_demo_names_is_in_its_catalogue_with_german_and_english_names(
    demo,
):
    named = {code for shift in demo.of(ShiftCreated) for code in shift.required_qualifications}
    named |= {training.qualification for training in demo.of(TrainingPlanned)}
    catalogue = {entry.code: entry.name for entry in demo.of(QualificationDefined)}
    assert named <= set(catalogue)
    assert catalogue[FOOD_HYGIENE].de == "Lebensmittelhygiene"
    assert all(name.de != code and name.en != code for code, name in catalogue.items())


async def test_mittagstisch_shifts_need_food_hygiene_and_every_holder_has_it_at_the_start(demo):
    created = {shift.shift_id: shift for shift in demo.of(ShiftCreated)}
    kitchen = [s for s in created.values() if s.title.startswith("Mittagstisch")]
    assert kitchen and all(s.required_qualifications == [FOOD_HYGIENE] for s in kitchen)
    held = qualifications(demo)
    states = shift_states(demo)
    for shift in kitchen:
        assert states[shift.shift_id].claimed
        for volunteer_id in states[shift.shift_id].claimed:
            assert held[volunteer_id][FOOD_HYGIENE] > shift.starts_at


async def test_a_year_of_shifts_is_confirmed_with_walk_ins_actual_times_and_a_correction(demo):
    confirmed = demo.of(ShiftAttendanceConfirmed)
    assert len({c.shift_id for c in confirmed}) >= 300
    assert all(c.starts_at <= datetime.now(UTC) for c in confirmed)
    assert any(c.walk_ins for c in confirmed) and any(c.times for c in confirmed)
    assert any(c.reason for c in confirmed)


async def test_timesheet_lines_record_hours_outside_shifts_and_one_is_corrected(demo):
    lines = demo.of(HoursRecorded)
    assert len(lines) >= 150
    assert {line.site_id for line in lines} == {site.site_id for site in demo.of(SiteAdded)}
    assert all(line.ended_at <= demo.started for line in lines)
    assert all(c.reason for c in demo.of(HoursCorrected))


async def test_the_rate_per_volunteer_hour_is_raised_mid_year(demo):
    first, raised = sorted(demo.of(FundingSettingsChanged), key=lambda s: s.valid_from)
    assert first.provider == "Samtgemeinde Bersenbrück, Fachdienst IV Soziales"
    assert (first.cents_per_volunteer_hour, raised.cents_per_volunteer_hour) == (1500, 1750)
    assert first.valid_from < raised.valid_from < demo.started.date()


async def test_one_volunteer_who_served_is_erased(demo):
    [erased] = demo.of(VolunteerErased)
    assert any(erased.volunteer_id in c.present or erased.volunteer_id in c.walk_ins
               for c in demo.of(ShiftAttendanceConfirmed))
    assert not await demo.pool.fetchval(
        "SELECT count(*) FROM subject_keys WHERE subject_id = $1", erased.volunteer_id)


async def test_a_training_is_held_every_month(demo):
    months = {t.starts_at.astimezone(BERLIN).strftime("%Y-%m") for t in demo.of(TrainingPlanned)
              if t.training_id in {c.training_id for c in demo.of(TrainingCompleted)}}
    assert len(months) == 12


async def test_some_qualifications_expire_soon_and_a_refresher_is_planned_with_them_enrolled(
    demo,
):
    soon = demo.started + timedelta(days=60)
    expiring = {q.volunteer_id for q in demo.of(VolunteerQualified) if q.valid_until <= soon}
    lasting = {q.volunteer_id for q in demo.of(VolunteerQualified) if q.valid_until > soon}
    assert expiring and lasting
    completed = {t.training_id for t in demo.of(TrainingCompleted)}
    upcoming = [t for t in demo.of(TrainingPlanned) if t.training_id not in completed]
    assert all(t.starts_at > demo.started + timedelta(days=7) for t in upcoming)
    assert len(upcoming) == 1 and upcoming[0].qualification == FOOD_HYGIENE
    enrolled = {e.volunteer_id for e in demo.of(TrainingEnrolled)
                if e.training_id == upcoming[0].training_id}
    assert expiring <= enrolled


async def test_the_demo_accounts_sign_in_over_http_with_the_demo_password(demo):
    staff = {village.coordinator_email: "coordinator" for village in VILLAGES}
    staff |= {ALL_SITES_COORDINATOR: "coordinator", AUDITOR: "auditor",
              demo.settings.admin_email: "admin"}
    passwords = {demo.settings.admin_email: demo.settings.admin_password}
    async with AsyncTestClient(create_app(demo.settings)) as client:
        for email, role in staff.items():
            response = await client.post("/api/auth/token", json={
                "email": email, "password": passwords.get(email, DEMO_PASSWORD)})
            assert response.status_code == 200, (email, response.text)
            assert response.json()["role"] == role
        for person in VOLUNTEERS_WITH_ACCOUNTS:
            response = await client.post("/api/auth/token", json={
                "email": person.email, "password": DEMO_PASSWORD})
            assert response.status_code == 200, (person.email, response.text)
            token = response.json()["access_token"]
            account = await find_account(CommandHandler(demo.store),
                                         derive_keys(SECRET).email_digest(person.email))
            assert account is not None and account.volunteer_id is not None
            profile = await client.get(f"/api/volunteers/{account.volunteer_id}",
                                       headers={"Authorization": f"Bearer {token}"})
            assert profile.status_code == 200, profile.text
            assert profile.json()["name"] == person.name


async def test_no_name_or_e_mail_of_a_volunteer_is_stored_in_the_history(demo):
    for person in VOLUNTEERS_WITH_ACCOUNTS:
        for secret in (person.name, person.email, person.last):
            assert not await demo.pool.fetchval(
                "SELECT count(*) FROM events WHERE data::text ILIKE '%' || $1 || '%'"
                " OR metadata::text ILIKE '%' || $1 || '%'", secret)


async def test_a_second_start_seeds_nothing_and_says_so(demo, caplog):
    before = await demo.pool.fetchval("SELECT count(*) FROM events")
    with caplog.at_level(logging.INFO, logger="services.demo.seed"):
        assert not await seed_demo(demo.pool, demo.store, demo.settings)
    assert await demo.pool.fetchval("SELECT count(*) FROM events") == before
    assert "nothing seeded" in caplog.text


async def test_the_ledger_verifies_the_seeded_history(demo):
    await seal_everything(demo.pool)
    result = await ledger.verify(demo.pool)
    assert result.ok, result
    assert result.events_checked == len(demo.events)


async def test_seeding_a_year_takes_well_under_half_a_minute(demo):
    assert len(demo.events) > 3000 and demo.seconds < 30


async def test_two_empty_stores_get_the_same_programme(demo, servers, template_database):
    settled = demo.started - timedelta(days=1)

    def programme(seeded: Seeded) -> list[bytes]:
        # Attendance of the last day is left out: an occurrence may end between two seeds.
        return sorted(
            msgspec.json.encode(event) for event in (r.event for r in seeded.events)
            if isinstance(event, (SiteAdded, RoomAdded, OfferCreated, SessionScheduled))
            or isinstance(event, AttendanceRecorded) and event.occurrence_starts_at < settled
        )

    # Seeded as if begun at the same instant: a seed later on (past Berlin's midnight, say)
    # would name another day "today" and lay the series out from it.
    async with a_seeded_store(servers, template_database, demo.started) as again:
        assert programme(again) == programme(demo)
