"""The funding fold: given events, then figures and the report made of them (pure, no servers)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

import pytest

from events.offers import (
    AttendanceCorrected,
    AttendanceRecorded,
    OfferCreated,
    SessionOccurrencesCancelled,
    SessionScheduled,
)
from events.rooms import Occurrence
from events.shifts import ShiftAttendanceConfirmed, ShiftCreated
from events.sites import SiteAdded
from events.trainings import TrainingCancelled, TrainingCompleted, TrainingPlanned
from projections import attendance_stats
from projections.figures import Figures, Tally
from projections.funding import FundingHistory, Touch
from projections.funding_report import LedgerHead, Period, report_of

pytestmark = pytest.mark.unit

SITE, OFFER, SESSION, SHIFT, TRAINING = (uuid4() for _ in range(5))
MONDAY = datetime(2026, 3, 2, 10, tzinfo=UTC)
WEEKS = [MONDAY + timedelta(weeks=n) for n in range(4)]
START, END, LATER = MONDAY - timedelta(days=1), MONDAY + timedelta(days=60), datetime(2026, 6, 1, tzinfo=UTC)


def history_of(*events) -> list:
    """A site with a weekly Mittagstisch over four weeks, then ``events``."""
    return [
        SiteAdded(site_id=SITE, name="Dorftreff Linden", village="Linden"),
        OfferCreated(offer_id=OFFER, site_id=SITE, title="Mittagstisch", category="community"),
        SessionScheduled(session_id=SESSION, offer_id=OFFER, site_id=SITE, room_id=uuid4(),
                         booking_id=uuid4(),
                         occurrences=[Occurrence(starts_at=w, ends_at=w + timedelta(hours=2))
                                      for w in WEEKS]),
        *events,
    ]


def given(*events) -> FundingHistory:
    history = FundingHistory()
    for event in history_of(*events):
        history.apply(event)
    return history


def figures(history: FundingHistory, now: datetime = LATER) -> Figures:
    return history.figures(START, END, now)[(SITE, OFFER)].shown()


def test_a_count_makes_an_occurrence_held_and_a_correction_replaces_the_figure():
    history = given(
        AttendanceRecorded(session_id=SESSION, occurrence_starts_at=WEEKS[0], visitors=12),
        AttendanceRecorded(session_id=SESSION, occurrence_starts_at=WEEKS[1], visitors=8),
        AttendanceCorrected(session_id=SESSION, occurrence_starts_at=WEEKS[1], visitors=10,
                            reason="Liste nachgezählt", previous_visitors=8),
    )
    result = figures(history)
    assert (result.sessions_held, result.visitors, result.sessions_unrecorded) == (2, 22, 2)


def test_cancelled_occurrences_count_as_cancelled_and_future_ones_not_at_all():
    history = given(SessionOccurrencesCancelled(session_id=SESSION,
                                                occurrence_starts_at=[WEEKS[2]]))
    result = figures(history, now=WEEKS[1] + timedelta(hours=1))
    assert (result.sessions_held, result.sessions_cancelled, result.sessions_unrecorded) == (0, 1, 2)


def test_the_latest_shift_confirmation_gives_the_volunteer_hours():
    people = [uuid4(), uuid4(), uuid4()]
    history = given(
        ShiftCreated(shift_id=SHIFT, site_id=SITE, title="Küche", starts_at=WEEKS[0],
                     ends_at=WEEKS[0] + timedelta(hours=3), capacity=3, session_id=SESSION),
        ShiftAttendanceConfirmed(shift_id=SHIFT, present=people, starts_at=WEEKS[0],
                                 ends_at=WEEKS[0] + timedelta(hours=3)),
        ShiftAttendanceConfirmed(shift_id=SHIFT, present=people[:2], starts_at=WEEKS[0],
                                 ends_at=WEEKS[0] + timedelta(hours=3), reason="einer fehlte"),
    )
    assert figures(history).volunteer_hours == 6.0


def test_a_completed_training_counts_with_its_participants_for_the_site():
    planned = TrainingPlanned(training_id=TRAINING, site_id=SITE, room_id=uuid4(),
                              booking_id=uuid4(), title="Erste Hilfe", qualification="first_aid",
                              valid_for_months=24, starts_at=WEEKS[0],
                              ends_at=WEEKS[0] + timedelta(hours=8), capacity=12)
    history = given(planned, TrainingCompleted(training_id=TRAINING, attended=[uuid4(), uuid4()],
                                               qualification="first_aid", valid_until=LATER))
    site_row = history.figures(START, END, LATER)[(SITE, None)]
    assert (site_row.trainings_held, site_row.training_participants) == (1, 2)


def test_the_period_selects_by_when_things_happened():
    history = given(AttendanceRecorded(session_id=SESSION, occurrence_starts_at=WEEKS[3],
                                       visitors=5))
    only_first_weeks = history.figures(START, WEEKS[3], LATER)[(SITE, OFFER)]
    assert only_first_weeks.visitors == 0 and only_first_weeks.sessions_unrecorded == 3


def test_an_event_names_every_fact_it_changed_with_the_figures_it_moved_there():
    history = given()
    cancelled = frozenset({"sessions_cancelled"})
    assert history.apply(SessionOccurrencesCancelled(
        session_id=SESSION, occurrence_starts_at=[WEEKS[1], WEEKS[2]])) == (
        Touch(SITE, OFFER, WEEKS[1], cancelled), Touch(SITE, OFFER, WEEKS[2], cancelled))
    created = ShiftCreated(shift_id=SHIFT, site_id=SITE, title="Küche", starts_at=WEEKS[0],
                           ends_at=WEEKS[0] + timedelta(hours=1), capacity=1,
                           session_id=SESSION)
    assert history.apply(created) == ()
    assert history.apply(ShiftAttendanceConfirmed(
        shift_id=SHIFT, present=[uuid4()], starts_at=WEEKS[0],
        ends_at=WEEKS[0] + timedelta(hours=1))) == (Touch(
            SITE, OFFER, WEEKS[0], frozenset({"volunteer_hours", "volunteer_hours_value"})),)


def test_a_count_moves_held_and_visitors_and_a_correction_only_the_visitors():
    history = given()
    assert history.apply(AttendanceRecorded(session_id=SESSION, occurrence_starts_at=WEEKS[0],
                                            visitors=12))[0].figures == {"sessions_held",
                                                                         "visitors"}
    assert history.apply(AttendanceCorrected(
        session_id=SESSION, occurrence_starts_at=WEEKS[0], visitors=13, reason="nachgezählt",
        previous_visitors=12))[0].figures == {"visitors"}


def test_a_site_total_is_its_exact_volunteer_time_rounded_not_a_sum_of_rounded_offers():
    events = []
    for _ in range(3):  # three offers, each with a shift of twenty minutes for one person
        offer, session, shift = uuid4(), uuid4(), uuid4()
        events += [
            OfferCreated(offer_id=offer, site_id=SITE, title="Café", category="community"),
            SessionScheduled(session_id=session, offer_id=offer, site_id=SITE, room_id=uuid4(),
                             booking_id=uuid4(), occurrences=[Occurrence(
                                 starts_at=MONDAY, ends_at=MONDAY + timedelta(hours=1))]),
            ShiftCreated(shift_id=shift, site_id=SITE, title="Tresen", starts_at=MONDAY,
                         ends_at=MONDAY + timedelta(minutes=20), capacity=1,
                         session_id=session),
            ShiftAttendanceConfirmed(shift_id=shift, present=[uuid4()], starts_at=MONDAY,
                                     ends_at=MONDAY + timedelta(minutes=20)),
        ]
    report = report_of(given(*events), Period(first_day=date(2026, 3, 1),
                                              last_day=date(2026, 3, 31)),
                       LATER, None, LedgerHead(seq=0, hash=None), 0)
    [site] = report.sites
    assert sorted(offer.volunteer_hours for offer in site.offers) == [0.0, 0.33, 0.33, 0.33]
    assert site.totals.volunteer_hours == report.totals.volunteer_hours == 1.0


def test_a_training_cancelled_is_not_held_even_if_it_was_completed():
    planned = TrainingPlanned(training_id=TRAINING, site_id=SITE, room_id=uuid4(),
                              booking_id=uuid4(), title="Erste Hilfe", qualification="first_aid",
                              valid_for_months=24, starts_at=WEEKS[0],
                              ends_at=WEEKS[0] + timedelta(hours=8), capacity=12)
    history = given(planned, TrainingCompleted(training_id=TRAINING, attended=[uuid4()],
                                               qualification="first_aid", valid_until=LATER),
                    TrainingCancelled(training_id=TRAINING))
    assert history.figures(START, END, LATER).get((SITE, None), Tally()).trainings_held == 0


def test_the_report_and_the_statistics_count_one_history_alike():
    people = [uuid4(), uuid4()]
    events = [
        AttendanceRecorded(session_id=SESSION, occurrence_starts_at=WEEKS[0], visitors=12),
        SessionOccurrencesCancelled(session_id=SESSION, occurrence_starts_at=[WEEKS[3]]),
        ShiftCreated(shift_id=SHIFT, site_id=SITE, title="Küche", starts_at=WEEKS[1],
                     ends_at=WEEKS[1] + timedelta(minutes=50), capacity=2, session_id=SESSION),
        ShiftAttendanceConfirmed(shift_id=SHIFT, present=people, starts_at=WEEKS[1],
                                 ends_at=WEEKS[1] + timedelta(minutes=50)),
    ]
    history = given(*events)
    rows = attendance_stats.fold_history(history_of(*events))
    now = WEEKS[2] + timedelta(hours=1)
    [group], totals = attendance_stats.figures(rows, from_=START, to=END, group_by="site",
                                               now=now)
    report = history.figures(START, END, now)[(SITE, OFFER)].shown()
    assert report == totals == Figures(**{
        name: getattr(group, name) for name in Figures.__struct_fields__})
    assert (report.sessions_held, report.sessions_unrecorded, report.sessions_cancelled,
            report.volunteer_hours) == (1, 2, 1, 1.67)
