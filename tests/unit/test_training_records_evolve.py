"""The training records' pure evolve step: given events, the rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from events.trainings import (
    TrainingCancelled,
    TrainingCompleted,
    TrainingEnrolled,
    TrainingEnrollmentCancelled,
    TrainingPlanned,
    VolunteerQualified,
)
from events.volunteers import VolunteerErased
from projections.training_records import (
    PARTICIPANTS,
    QUALIFICATIONS,
    TRAININGS,
    evolve,
    fold_history,
)

pytestmark = pytest.mark.unit

SITE, FIRST, SECOND, CANCELLED = uuid4(), uuid4(), uuid4(), uuid4()
ALICE, BERND = uuid4(), uuid4()
STARTS = datetime(2026, 3, 2, 17, tzinfo=UTC)


def planned(training_id, starts_at=STARTS):
    return TrainingPlanned(
        training_id=training_id, site_id=SITE, room_id=uuid4(), booking_id=uuid4(),
        title="Erste Hilfe", qualification="first_aid", valid_for_months=24,
        starts_at=starts_at, ends_at=starts_at + timedelta(hours=3), capacity=8)


def completed(training_id, attended, valid_until):
    return [
        TrainingCompleted(training_id=training_id, attended=attended, qualification="first_aid",
                          valid_until=valid_until),
        *(VolunteerQualified(volunteer_id=v, qualification="first_aid", valid_until=valid_until,
                             training_id=training_id) for v in attended),
    ]


FIRST_UNTIL = datetime(2028, 3, 2, 17, tzinfo=UTC)
SECOND_UNTIL = datetime(2029, 1, 10, 17, tzinfo=UTC)
HISTORY = [
    planned(FIRST),
    TrainingEnrolled(training_id=FIRST, volunteer_id=ALICE),
    TrainingEnrolled(training_id=FIRST, volunteer_id=BERND),
    TrainingEnrollmentCancelled(training_id=FIRST, volunteer_id=BERND),
    *completed(FIRST, [ALICE], FIRST_UNTIL),
    planned(SECOND, STARTS + timedelta(days=300)),
    TrainingEnrolled(training_id=SECOND, volunteer_id=ALICE),
    *completed(SECOND, [ALICE], SECOND_UNTIL),
    planned(CANCELLED, STARTS + timedelta(days=400)),
    TrainingCancelled(training_id=CANCELLED),
]


def test_a_training_row_holds_its_plan_status_and_attendees():
    rows = fold_history(HISTORY)
    first = rows[TRAININGS][(FIRST,)]
    assert (first["title"], first["qualification"], first["capacity"], first["status"],
            first["attendees"]) == ("Erste Hilfe", "first_aid", 8, "completed", [ALICE])
    assert rows[TRAININGS][(CANCELLED,)]["status"] == "cancelled"
    assert rows[TRAININGS][(CANCELLED,)]["attendees"] == []


def test_a_cancelled_enrollment_stays_as_a_row_no_longer_enrolled():
    participants = fold_history(HISTORY)[PARTICIPANTS]
    assert participants[(FIRST, BERND)] == {
        "training_id": FIRST, "volunteer_id": BERND, "enrolled": False, "attended": False}
    assert participants[(FIRST, ALICE)]["enrolled"] and participants[(FIRST, ALICE)]["attended"]


def test_a_regranted_qualification_is_valid_until_the_latest_grant():
    qualifications = fold_history(HISTORY)[QUALIFICATIONS]
    assert qualifications == {(ALICE, "first_aid"): {
        "volunteer_id": ALICE, "qualification": "first_aid", "valid_until": SECOND_UNTIL,
        "training_id": SECOND}}


def test_the_latest_grant_wins_even_when_it_runs_out_sooner():
    earlier = datetime(2027, 1, 1, tzinfo=UTC)
    rows = fold_history([*HISTORY, *completed(uuid4(), [ALICE], earlier)])
    assert rows[QUALIFICATIONS][(ALICE, "first_aid")]["valid_until"] == earlier


def test_an_erasure_changes_no_row():
    assert evolve(VolunteerErased(volunteer_id=ALICE)) == []
    assert fold_history([*HISTORY, VolunteerErased(volunteer_id=ALICE)]) == fold_history(HISTORY)
