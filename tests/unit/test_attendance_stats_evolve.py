"""The attendance statistics' pure evolve step and figures: given events, the rows and sums."""

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
from events.shifts import ShiftAttendanceConfirmed, ShiftClaimed, ShiftCreated
from events.sites import SiteAdded
from events.trainings import TrainingCompleted, TrainingPlanned
from projections.attendance_stats import (
    OCCURRENCES,
    SHIFTS,
    TRAININGS,
    evolve,
    figures,
    fold_history,
)
from projections.row_changes import Upsert

pytestmark = pytest.mark.unit

SITE, OTHER_SITE, OFFER, SESSION, SHIFT, TRAINING = (uuid4() for _ in range(6))
# 31 March 2026, 23:30 UTC is already 1 April in Berlin (summer time, +02:00).
MARCH_31 = datetime(2026, 3, 31, 21, 30, tzinfo=UTC)
LATE = datetime(2026, 3, 31, 23, 30, tzinfo=UTC)
APRIL_7 = datetime(2026, 4, 7, 21, 30, tzinfo=UTC)
NOW = datetime(2026, 6, 1, tzinfo=UTC)
VOLUNTEERS = [uuid4(), uuid4(), uuid4()]

HISTORY = [
    SiteAdded(site_id=SITE, name="Dorftreff Linden", village="Linden"),
    OfferCreated(offer_id=OFFER, site_id=SITE, title="Sitzgymnastik", category="movement"),
    SessionScheduled(
        session_id=SESSION, offer_id=OFFER, site_id=SITE, room_id=uuid4(), booking_id=uuid4(),
        occurrences=[Occurrence(starts_at=s, ends_at=s + timedelta(hours=1))
                     for s in (MARCH_31, LATE, APRIL_7)],
    ),
    AttendanceRecorded(session_id=SESSION, occurrence_starts_at=MARCH_31, visitors=12),
    AttendanceCorrected(session_id=SESSION, occurrence_starts_at=MARCH_31, visitors=14,
                        reason="miscounted", previous_visitors=12),
    SessionOccurrencesCancelled(session_id=SESSION, occurrence_starts_at=[APRIL_7]),
    ShiftCreated(shift_id=SHIFT, site_id=SITE, title="Tresen", starts_at=MARCH_31,
                 ends_at=MARCH_31 + timedelta(hours=2), capacity=3, session_id=SESSION),
    ShiftClaimed(shift_id=SHIFT, volunteer_id=VOLUNTEERS[0]),
    ShiftAttendanceConfirmed(shift_id=SHIFT, present=VOLUNTEERS, starts_at=MARCH_31,
                             ends_at=MARCH_31 + timedelta(hours=2)),
    ShiftAttendanceConfirmed(shift_id=SHIFT, present=VOLUNTEERS[:2], starts_at=MARCH_31,
                             ends_at=MARCH_31 + timedelta(hours=2), reason="one went home"),
    TrainingPlanned(training_id=TRAINING, site_id=SITE, room_id=uuid4(), booking_id=uuid4(),
                    title="Erste Hilfe", qualification="first_aid", valid_for_months=24,
                    starts_at=APRIL_7, ends_at=APRIL_7 + timedelta(hours=3), capacity=10),
    TrainingCompleted(training_id=TRAINING, attended=VOLUNTEERS, qualification="first_aid",
                      valid_until=APRIL_7 + timedelta(days=730)),
]


def test_an_attendance_correction_replaces_the_figure_of_its_occurrence():
    rows = fold_history(HISTORY)
    assert rows[OCCURRENCES][(SESSION, MARCH_31)] == {
        "session_id": SESSION, "starts_at": MARCH_31, "offer_id": OFFER, "site_id": SITE,
        "ends_at": MARCH_31 + timedelta(hours=1), "cancelled": False, "visitors": 14}


def test_a_cancelled_occurrence_is_marked_and_one_without_count_has_no_visitors():
    rows = fold_history(HISTORY)
    assert rows[OCCURRENCES][(SESSION, APRIL_7)]["cancelled"] is True
    assert rows[OCCURRENCES][(SESSION, LATE)]["visitors"] is None


def test_a_later_shift_confirmation_replaces_the_earlier_one():
    shift = fold_history(HISTORY)[SHIFTS][(SHIFT,)]
    assert (shift["present"], shift["volunteer_seconds"]) == (2, 2 * 2 * 3600)
    assert shift["session_id"] == SESSION and shift["site_id"] == SITE


def test_a_completed_training_is_held_with_its_participants():
    training = fold_history(HISTORY)[TRAININGS][(TRAINING,)]
    assert (training["held"], training["participants"], training["cancelled"]) == (True, 3, False)


def test_the_step_names_rows_by_key_and_events_it_ignores_change_nothing():
    assert evolve(HISTORY[4]) == [Upsert(OCCURRENCES, {"session_id": SESSION,
                                                        "starts_at": MARCH_31},
                                         {"visitors": 14})]
    assert evolve(ShiftClaimed(shift_id=SHIFT, volunteer_id=uuid4())) == []


def test_figures_group_by_berlin_month():
    groups, totals = figures(fold_history(HISTORY), from_=MARCH_31 - timedelta(days=1),
                             to=NOW, group_by="month", now=NOW)
    by_key = {group.key: group for group in groups}
    assert set(by_key) == {"2026-03", "2026-04"}
    assert (by_key["2026-03"].sessions_held, by_key["2026-03"].visitors) == (1, 14)
    assert by_key["2026-03"].volunteer_hours == 4.0
    # 23:30 UTC on 31 March is April in Berlin; past and not counted: unrecorded, not held.
    assert (by_key["2026-04"].sessions_held, by_key["2026-04"].sessions_unrecorded,
            by_key["2026-04"].sessions_cancelled) == (0, 1, 1)
    assert (by_key["2026-04"].trainings_held, by_key["2026-04"].training_participants) == (1, 3)
    assert (totals.sessions_held, totals.visitors, totals.volunteer_hours,
            totals.sessions_cancelled, totals.trainings_held) == (1, 14, 4.0, 1, 1)


def test_figures_group_by_offer_category_and_site():
    rows = fold_history(HISTORY)
    span = {"from_": MARCH_31 - timedelta(days=1), "to": NOW, "now": NOW}
    offers, _ = figures(rows, group_by="offer", **span)
    assert [(g.key, g.label, g.sessions_held, g.volunteer_hours, g.trainings_held)
            for g in offers] == [(str(OFFER), "Sitzgymnastik", 1, 4.0, 0), (None, None, 0, 0, 1)]
    categories, _ = figures(rows, group_by="category", **span)
    assert [(g.key, g.visitors) for g in categories] == [("movement", 14), (None, 0)]
    sites, _ = figures(rows, group_by="site", **span)
    assert [(g.key, g.label, g.visitors, g.trainings_held) for g in sites] == [
        (str(SITE), "Dorftreff Linden", 14, 1)]


def test_figures_keep_to_the_period_and_the_sites_asked_for():
    rows = fold_history(HISTORY)
    _, before = figures(rows, from_=MARCH_31 - timedelta(days=9), to=MARCH_31, group_by="site",
                        now=NOW)
    assert before.sessions_held == before.visitors == 0 and before.volunteer_hours == 0
    groups, elsewhere = figures(rows, from_=MARCH_31, to=NOW, group_by="site", now=NOW,
                                site_ids=frozenset({OTHER_SITE}))
    assert groups == [] and elsewhere.visitors == 0


def test_an_occurrence_still_ahead_is_neither_held_nor_unrecorded():
    groups, totals = figures(fold_history(HISTORY), from_=LATE, to=NOW, group_by="month",
                             now=LATE - timedelta(minutes=1))
    assert (totals.sessions_held, totals.sessions_unrecorded, totals.sessions_cancelled) == (
        0, 0, 1)
