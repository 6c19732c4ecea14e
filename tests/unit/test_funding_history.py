"""The funding report, its changes and its timesheet over a history written through the real
commands, against the in-memory store: hours valued by the rate of their day, changes with
labels, actors, dates and only their true causes, a timesheet that adds up to the report."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from uuid import UUID, uuid4

import pytest

from events.accounts import AccountRegistered
from events.base import EventMetadata
from events.catalog import registry
from events.interface import PendingEvent, StreamWrite
from events.memory import InMemoryEventStore
from events.shifts import ServiceTime
from projections.funding_report import Period, funding_changes, funding_report
from projections.timesheet import funding_timesheet
from services.commands.handler import CommandHandler
from services.funding.decider import ChangeFundingSettings
from services.hours.decider import RecordHours
from services.offers.decider import ChangeOffer, CreateOffer, RecordAttendance, ScheduleSession
from services.rooms.decider import CancelBooking
from services.shifts.decider import ClaimShift, ConfirmShiftAttendance
from events.rooms import Recurrence
from tests.scenarios import a_shift, a_site_with_a_room, run, volunteers

pytestmark = pytest.mark.unit

YEAR = Period(first_day=date(2026, 1, 1), last_day=date(2026, 12, 31))
COORDINATOR_ID = uuid4()
CLERK = EventMetadata(actor=f"account:{COORDINATOR_ID}")
PLANNED = datetime(2026, 1, 2, 8, tzinfo=UTC)
TUESDAYS = datetime(2026, 6, 2, 10, tzinfo=UTC)


@pytest.fixture
async def world():
    store = InMemoryEventStore(registry)
    handler = CommandHandler(store)
    site, room = await a_site_with_a_room(handler)
    await store.append(StreamWrite(f"account-{COORDINATOR_ID}", 0, [PendingEvent(
        event=AccountRegistered(account_id=COORDINATOR_ID, email_digest="-", password_hash="-",
                                role="coordinator", site_ids=[site]),
        occurred_at=PLANNED)]), metadata=CLERK)
    offers = {}
    for title in ("Mittagstisch", "Zeitungscafé"):
        offer, session = uuid4(), uuid4()
        await run(handler, CreateOffer(offer_id=offer, site_id=site, title=title,
                                       category="community", now=PLANNED), CLERK)
        start = TUESDAYS + timedelta(hours=3 * len(offers))
        await run(handler, ScheduleSession(
            session_id=session, booking_id=uuid4(), offer_id=offer, room_id=room,
            starts_at=start, ends_at=start + timedelta(hours=2),
            recurrence=Recurrence(rrule="FREQ=WEEKLY", count=30), now=PLANNED), CLERK)
        offers[title] = (offer, session, start)
    return store, handler, site, room, offers


def instant() -> datetime:
    return datetime.now(UTC)


async def between() -> datetime:
    await asyncio.sleep(0.002)
    moment = instant()
    await asyncio.sleep(0.002)
    return moment


async def test_a_rate_changed_mid_year_values_each_hour_at_the_rate_of_its_day(world):
    store, handler, site, _, _ = world
    [volunteer] = await volunteers(store, 1)
    for valid_from, rate in ((date(2026, 1, 1), 15.0), (date(2026, 7, 1), 17.5)):
        await run(handler, ChangeFundingSettings(
            provider="Samtgemeinde Bersenbrück", programme="Dorftreffs",
            funding_reference="SG-1", eur_per_volunteer_hour=rate, valid_from=valid_from,
            now=PLANNED), CLERK)
    for day in (date(2026, 6, 30), date(2026, 7, 1)):  # two hours on each day
        starts_at = datetime(day.year, day.month, day.day, 8, tzinfo=UTC)
        await run(handler, RecordHours(
            line_id=uuid4(), volunteer_id=volunteer, site_id=site, activity="Fahrdienst",
            started_at=starts_at, ended_at=starts_at + timedelta(hours=2),
            now=starts_at + timedelta(hours=3)), CLERK)
    report = await funding_report(store, YEAR, None, None)
    assert (report.totals.volunteer_hours, report.totals.volunteer_hours_value) == (4.0, 65.0)
    assert report.eur_per_volunteer_hour == 17.5 and report.funding.funding_reference == "SG-1"
    assert [(r.valid_from, r.eur_per_volunteer_hour) for r in report.rates] == [
        (date(2026, 1, 1), 15.0), (date(2026, 7, 1), 17.5)]
    first_half = await funding_report(
        store, Period(first_day=date(2026, 1, 1), last_day=date(2026, 6, 30)), None, None)
    assert (first_half.totals.volunteer_hours_value, first_half.eur_per_volunteer_hour) == (
        30.0, 15.0)


async def test_a_report_as_of_an_instant_uses_the_settings_recorded_by_then(world):
    store, handler, site, _, _ = world
    [volunteer] = await volunteers(store, 1)
    starts_at = datetime(2026, 8, 3, 8, tzinfo=UTC)
    await run(handler, RecordHours(
        line_id=uuid4(), volunteer_id=volunteer, site_id=site, activity="Fahrdienst",
        started_at=starts_at, ended_at=starts_at + timedelta(hours=4),
        now=starts_at + timedelta(hours=5)), CLERK)
    before_any_rate = await between()
    await run(handler, ChangeFundingSettings(
        provider="Samtgemeinde", programme="Dorftreffs", funding_reference="SG-1",
        eur_per_volunteer_hour=15.0, valid_from=date(2026, 1, 1), now=PLANNED), CLERK)
    then = await funding_report(store, YEAR, before_any_rate, None)
    now = await funding_report(store, YEAR, None, None)
    assert (then.totals.volunteer_hours_value, then.eur_per_volunteer_hour) == (0.0, None)
    assert now.totals.volunteer_hours_value == 60.0


async def test_changes_name_only_their_true_causes_with_label_actor_and_date(world):
    store, handler, site, room, offers = world
    lunch, lunch_session, lunch_start = offers["Mittagstisch"]
    _, cafe_session, cafe_start = offers["Zeitungscafé"]
    for week in range(3):
        for session, start in ((lunch_session, lunch_start), (cafe_session, cafe_start)):
            held = start + timedelta(weeks=week)
            await run(handler, RecordAttendance(session_id=session, occurrence_starts_at=held,
                                                visitors=10, now=held + timedelta(hours=3)),
                      CLERK)
    since = await between()
    scheduled = (await store.read_stream(f"session-{lunch_session}"))[0].event
    booking, christmas_lunch = scheduled.booking_id, scheduled.occurrences[29].starts_at
    await run(handler, CancelBooking(room_id=room, booking_id=booking,
                                     occurrence_starts_at=christmas_lunch, now=PLANNED), CLERK)
    for session, start, visitors in ((lunch_session, lunch_start, 11),
                                     (cafe_session, cafe_start, 9)):
        await run(handler, RecordAttendance(session_id=session, occurrence_starts_at=start,
                                            visitors=visitors, reason="nachgezählt",
                                            now=start + timedelta(days=1)), CLERK)
    changes = (await funding_changes(store, YEAR, since, instant())).changes
    by_figure = {(change.offer, change.figure): change for change in changes}
    assert set(by_figure) == {("Mittagstisch", "sessions_cancelled"),
                              ("Mittagstisch", "visitors"), ("Zeitungscafé", "visitors")}
    # The Christmas cancellation moved the lunch's cancelled sessions, not its visitors.
    [cancellation] = by_figure["Mittagstisch", "sessions_cancelled"].events
    [correction] = by_figure["Mittagstisch", "visitors"].events
    assert (cancellation.label, cancellation.happened_at) == ("Termin abgesagt",
                                                              christmas_lunch)
    assert (correction.label, correction.reason, correction.happened_at) == (
        "Besucherzahl korrigiert", "nachgezählt", lunch_start)
    assert correction.actor_name == "Koordination Dorftreff"
    visitors = by_figure["Mittagstisch", "visitors"]
    assert (visitors.before, visitors.after, visitors.site) == (30, 31, "Dorftreff")
    assert [e.happened_at for e in by_figure["Zeitungscafé", "visitors"].events] == [
        cafe_start]
    other_site = (await funding_changes(store, YEAR, since, instant(),
                                        site_ids=frozenset({uuid4()}))).changes
    assert other_site == []


async def test_the_timesheet_splits_each_shift_per_person_and_adds_up_to_the_report(world):
    store, handler, site, _, offers = world
    present, left_early, walk_in, driver = await volunteers(store, 4)
    start = datetime(2026, 10, 10, 9, tzinfo=UTC)
    shift = await a_shift(handler, site, 2, start=start)
    for volunteer in (present, left_early):
        await run(handler, ClaimShift(shift_id=shift, volunteer_id=volunteer,
                                      now=start - timedelta(days=1)), CLERK)
    await run(handler, ConfirmShiftAttendance(
        shift_id=shift, present=[present, left_early], walk_ins=[walk_in],
        times={left_early: ServiceTime(started_at=start, ended_at=start + timedelta(hours=1))},
        now=start + timedelta(hours=5)), CLERK)
    await run(handler, RecordHours(
        line_id=uuid4(), volunteer_id=driver, site_id=site, activity="Fahrdienst",
        started_at=start, ended_at=start + timedelta(minutes=90),
        now=start + timedelta(hours=3)), CLERK)
    report = await funding_report(store, YEAR, None, None)
    sheet = await funding_timesheet(store, YEAR, instant(), None)
    hours_of: dict[UUID, float] = {person.volunteer_id: person.hours for person in sheet.people}
    assert hours_of == {present: 4.0, left_early: 1.0, walk_in: 4.0, driver: 1.5}
    assert sheet.hours == report.totals.volunteer_hours == 10.5
    assert {line.activity for line in sheet.lines} == {"Küche", "Fahrdienst"}
    assert all(line.day == date(2026, 10, 10) for line in sheet.lines)


async def test_a_report_as_of_before_a_renaming_names_the_offer_as_it_was_then(world):
    store, handler, site, _, offers = world
    lunch, _, _ = offers["Mittagstisch"]
    before = await between()
    await run(handler, ChangeOffer(offer_id=lunch, title="Mittagstisch im Saal",
                                   category="participation", now=PLANNED), CLERK)

    def named(report) -> dict:
        return {offer.offer_id: (offer.title, offer.category)
                for site_figures in report.sites for offer in site_figures.offers}

    then = await funding_report(store, YEAR, before, None)
    now = await funding_report(store, YEAR, None, None)
    assert named(then)[lunch] == ("Mittagstisch", "community")
    assert named(now)[lunch] == ("Mittagstisch im Saal", "participation")
    assert (await funding_changes(store, YEAR, before, instant())).changes == []
