"""The funding fold: given events, then figures (pure, no servers)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
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
from events.trainings import TrainingCompleted, TrainingPlanned
from projections.funding import Figures, FundingHistory

pytestmark = pytest.mark.unit

SITE, OFFER, SESSION, SHIFT, TRAINING = (uuid4() for _ in range(5))
MONDAY = datetime(2026, 3, 2, 10, tzinfo=UTC)
WEEKS = [MONDAY + timedelta(weeks=n) for n in range(4)]
START, END, LATER = MONDAY - timedelta(days=1), MONDAY + timedelta(days=60), datetime(2026, 6, 1, tzinfo=UTC)


def given(*events) -> FundingHistory:
    history = FundingHistory()
    for event in [
        SiteAdded(site_id=SITE, name="Dorftreff Linden", village="Linden"),
        OfferCreated(offer_id=OFFER, site_id=SITE, title="Mittagstisch", category="community"),
        SessionScheduled(session_id=SESSION, offer_id=OFFER, site_id=SITE, room_id=uuid4(),
                         booking_id=uuid4(),
                         occurrences=[Occurrence(starts_at=w, ends_at=w + timedelta(hours=2))
                                      for w in WEEKS]),
        *events,
    ]:
        history.apply(event)
    return history


def figures(history: FundingHistory, now: datetime = LATER) -> Figures:
    return history.figures(START, END, now)[(SITE, OFFER)]


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
