"""The read model of where volunteers have been active (``projections.volunteer_sites``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import msgspec
import pytest

from events.hours import HoursCorrected, HoursRecorded
from events.shifts import (
    ShiftAttendanceConfirmed,
    ShiftClaimed,
    ShiftClaimReleased,
    ShiftCreated,
    ShiftWaitlisted,
)
from events.trainings import (
    TrainingCompleted,
    TrainingEnrolled,
    TrainingEnrollmentCancelled,
    TrainingPlanned,
)
from projections import volunteer_sites
from projections.row_changes import fold

pytestmark = pytest.mark.unit

SITE_A, SITE_B, SHIFT, TRAINING = uuid4(), uuid4(), uuid4(), uuid4()
CLAIMS, WAITS, SERVES, ENROLS, ATTENDS, IDLE = (uuid4() for _ in range(6))
START = datetime(2027, 3, 3, 9, tzinfo=UTC)


def sites_by_volunteer(events) -> dict:
    rows = fold(volunteer_sites.SCHEMA, (c for e in events for c in volunteer_sites.evolve(e)))
    site_of = {key[0]: row["site_id"] for key, row in rows[volunteer_sites.PLACES].items()}
    known: dict = {}
    for volunteer_id, place_id in rows[volunteer_sites.VISITS]:
        known.setdefault(volunteer_id, set()).add(site_of[place_id])
    return known


def test_claims_waiting_service_enrolments_and_attendance_make_a_volunteer_known_for_good():
    history = [
        ShiftCreated(shift_id=SHIFT, site_id=SITE_A, title="Tresen", starts_at=START,
                     ends_at=START + timedelta(hours=2), capacity=1),
        ShiftClaimed(shift_id=SHIFT, volunteer_id=CLAIMS),
        ShiftWaitlisted(shift_id=SHIFT, volunteer_id=WAITS),
        ShiftClaimReleased(shift_id=SHIFT, volunteer_id=CLAIMS),  # still was active there
        ShiftAttendanceConfirmed(shift_id=SHIFT, present=[SERVES], starts_at=START,
                                 ends_at=START + timedelta(hours=2)),
        TrainingPlanned(training_id=TRAINING, site_id=SITE_B, room_id=uuid4(),
                        booking_id=uuid4(), title="Erste Hilfe", qualification="first_aid",
                        valid_for_months=24, starts_at=START, ends_at=START + timedelta(hours=8),
                        capacity=10),
        TrainingEnrolled(training_id=TRAINING, volunteer_id=ENROLS),
        TrainingEnrollmentCancelled(training_id=TRAINING, volunteer_id=ENROLS),
        TrainingCompleted(training_id=TRAINING, attended=[ATTENDS, CLAIMS], qualification="first_aid",
                          valid_until=START + timedelta(days=730)),
    ]
    assert sites_by_volunteer(history) == {
        CLAIMS: {SITE_A, SITE_B}, WAITS: {SITE_A}, SERVES: {SITE_A}, ENROLS: {SITE_B},
        ATTENDS: {SITE_B},
    }
    assert IDLE not in sites_by_volunteer(history)


def test_walk_ins_and_timesheet_lines_make_a_volunteer_known_where_they_worked():
    walks_in, works, line = uuid4(), uuid4(), uuid4()
    recorded = HoursRecorded(volunteer_id=works, line_id=line, site_id=SITE_A,
                             activity="Fahrdienst", started_at=START,
                             ended_at=START + timedelta(hours=2))
    history = [
        ShiftCreated(shift_id=SHIFT, site_id=SITE_A, title="Tresen", starts_at=START,
                     ends_at=START + timedelta(hours=2), capacity=1),
        ShiftAttendanceConfirmed(shift_id=SHIFT, present=[], walk_ins=[walks_in],
                                 starts_at=START, ends_at=START + timedelta(hours=2)),
        recorded,
        # Moved to another site by a correction: known at both, as nothing is forgotten.
        HoursCorrected(**{**msgspec.structs.asdict(recorded), "site_id": SITE_B,
                          "reason": "anderer Dorftreff"}),
    ]
    assert sites_by_volunteer(history) == {walks_in: {SITE_A}, works: {SITE_A, SITE_B}}
