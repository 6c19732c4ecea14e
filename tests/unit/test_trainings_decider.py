from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

import msgspec
import pytest

from events.qualifications import qualification_id
from events.rooms import Occurrence, RoomAdded, RoomBooked
from events.sites import SiteAdded
from events.trainings import (
    TrainingCancelled,
    TrainingCompleted,
    TrainingEnrolled,
    TrainingEnrollmentCancelled,
    TrainingPlanned,
    VolunteerQualified,
)
from events.volunteers import VolunteerRegistered
from services.commands.rejections import Conflict, Invalid, NotFound
from services.trainings.decider import (
    TRAININGS,
    CancelEnrollment,
    CompleteTraining,
    EnrollInTraining,
    PlanTraining,
)
from tests.catalogue import defined
from tests.deciding import streams_touched, when

pytestmark = pytest.mark.unit

NOW = datetime(2026, 10, 1, 8, tzinfo=UTC)
SITE, ROOM, TRAINING, BOOKING = uuid4(), uuid4(), uuid4(), uuid4()
START, END = datetime(2026, 10, 10, 8, tzinfo=UTC), datetime(2026, 10, 10, 16, tzinfo=UTC)
SITE_ADDED = SiteAdded(site_id=SITE, name="A", village="B")
ROOM_ADDED = RoomAdded(room_id=ROOM, site_id=SITE, name="Saal", capacity=20)
FIRST_AID = defined("first_aid", "Erste Hilfe", "First aid")
PLANNED = TrainingPlanned(
    training_id=TRAINING, site_id=SITE, room_id=ROOM, booking_id=BOOKING, title="Erste Hilfe",
    qualification="first_aid", valid_for_months=24, starts_at=START, ends_at=END, capacity=2,
)


def volunteer(volunteer_id):
    return VolunteerRegistered(volunteer_id=volunteer_id, name=b"n", email=b"e")


def enrolled(volunteer_id):
    return TrainingEnrolled(training_id=TRAINING, volunteer_id=volunteer_id)


# --- planning


def plan(**changes) -> PlanTraining:
    values = dict(training_id=TRAINING, booking_id=BOOKING, site_id=SITE, room_id=ROOM,
                  title="Erste Hilfe", qualification="first_aid", valid_for_months=24,
                  starts_at=START, ends_at=END, capacity=2, now=NOW)
    return PlanTraining(**(values | changes))


def test_planning_a_training_books_its_room():
    events = when(TRAININGS, plan(), SITE_ADDED, ROOM_ADDED, FIRST_AID)
    assert events == [
        RoomBooked(room_id=ROOM, booking_id=BOOKING, title="Erste Hilfe",
                   occurrences=[Occurrence(starts_at=START, ends_at=END)], training_id=TRAINING),
        PLANNED,
    ]


def test_a_training_in_a_taken_room_is_refused():
    taken = RoomBooked(room_id=ROOM, booking_id=uuid4(), title="Chor",
                       occurrences=[Occurrence(starts_at=START, ends_at=END)])
    with pytest.raises(Conflict) as rejected:
        when(TRAININGS, plan(), SITE_ADDED, ROOM_ADDED, FIRST_AID, taken)
    assert rejected.value.members["code"] == "room_taken"


def test_a_training_needs_an_existing_site():
    with pytest.raises(NotFound) as rejected:
        when(TRAININGS, plan(), ROOM_ADDED)
    assert rejected.value.field == "site_id"


def test_a_training_needs_an_existing_room():
    with pytest.raises(NotFound) as rejected:
        when(TRAININGS, plan(), SITE_ADDED)
    assert rejected.value.field == "room_id"


def test_a_training_needs_a_room_of_its_site():
    other = SiteAdded(site_id=uuid4(), name="C", village="D")
    with pytest.raises(Invalid) as rejected:
        when(TRAININGS, plan(site_id=other.site_id), other, ROOM_ADDED, FIRST_AID)
    assert rejected.value.field == "room_id"


def test_a_training_grants_only_a_code_of_the_catalogue():
    with pytest.raises(Invalid) as rejected:
        when(TRAININGS, plan(qualification="Erste Hilfe"), SITE_ADDED, ROOM_ADDED, FIRST_AID)
    assert rejected.value.field == "qualification"
    assert rejected.value.members["code"] == "unknown_qualification"


def test_a_training_is_planned_once():
    with pytest.raises(Conflict):
        when(TRAININGS, plan(), SITE_ADDED, ROOM_ADDED, FIRST_AID, PLANNED)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"capacity": 0}, "capacity"),
        ({"valid_for_months": 0}, "valid_for_months"),
        ({"qualification": ""}, "qualification"),
        ({"qualification": "first\x00aid"}, "qualification"),
        ({"qualification": "x" * 101}, "qualification"),
        ({"title": ""}, "title"),
        ({"title": "Erste\tHilfe"}, "title"),
        ({"ends_at": START}, "ends_at"),
    ],
)
def test_a_training_needs_sound_input(changes, field):
    with pytest.raises(Invalid) as rejected:
        when(TRAININGS, plan(**changes), SITE_ADDED, ROOM_ADDED, FIRST_AID)
    assert rejected.value.field == field


# --- enrolling


def enroll(volunteer_id, now=NOW) -> EnrollInTraining:
    return EnrollInTraining(training_id=TRAINING, volunteer_id=volunteer_id, now=now)


def test_a_volunteer_enrolls_while_there_is_room():
    v = uuid4()
    assert when(TRAININGS, enroll(v), PLANNED, volunteer(v)) == [enrolled(v)]


def test_a_full_training_refuses_enrollment():
    v = uuid4()
    with pytest.raises(Conflict) as rejected:
        when(TRAININGS, enroll(v), PLANNED, enrolled(uuid4()), enrolled(uuid4()), volunteer(v))
    assert rejected.value.members["code"] == "full"


def test_a_cancelled_enrollment_frees_its_place():
    v, gone = uuid4(), uuid4()
    history = (PLANNED, enrolled(uuid4()), enrolled(gone),
               TrainingEnrollmentCancelled(training_id=TRAINING, volunteer_id=gone))
    assert when(TRAININGS, enroll(v), *history, volunteer(v))


def test_a_volunteer_enrolls_once():
    v = uuid4()
    with pytest.raises(Conflict) as rejected:
        when(TRAININGS, enroll(v), PLANNED, enrolled(v), volunteer(v))
    assert rejected.value.members["code"] == "already_enrolled"


def test_enrollment_needs_a_registered_volunteer():
    with pytest.raises(NotFound) as rejected:
        when(TRAININGS, enroll(uuid4()), PLANNED)
    assert rejected.value.field == "volunteer_id"


def test_enrollment_needs_an_existing_training():
    v = uuid4()
    with pytest.raises(NotFound) as rejected:
        when(TRAININGS, enroll(v), volunteer(v))
    assert rejected.value.field == "training_id"


def test_a_cancelled_training_takes_no_enrollments():
    v = uuid4()
    with pytest.raises(Conflict) as rejected:
        cancelled = (PLANNED, TrainingCancelled(training_id=TRAINING))
        when(TRAININGS, enroll(v), *cancelled, volunteer(v))
    assert rejected.value.members["code"] == "cancelled"


def test_a_started_training_takes_no_enrollments():
    v = uuid4()
    with pytest.raises(Conflict) as rejected:
        when(TRAININGS, enroll(v, now=START), PLANNED, volunteer(v))
    assert rejected.value.members["code"] == "training_started"


def test_cancelling_an_enrollment():
    v = uuid4()
    command = CancelEnrollment(training_id=TRAINING, volunteer_id=v, now=NOW)
    assert when(TRAININGS, command, PLANNED, enrolled(v)) == [
        TrainingEnrollmentCancelled(training_id=TRAINING, volunteer_id=v)
    ]


def test_cancelling_an_enrollment_that_does_not_exist_is_refused():
    command = CancelEnrollment(training_id=TRAINING, volunteer_id=uuid4(), now=NOW)
    with pytest.raises(NotFound) as rejected:
        when(TRAININGS, command, PLANNED)
    assert rejected.value.members["code"] == "not_enrolled"


# --- completing


def complete(*attended, now=END) -> CompleteTraining:
    return CompleteTraining(training_id=TRAINING, attended=list(attended), now=now)


def test_completion_grants_the_qualification_until_the_date_plus_its_months():
    a, b = uuid4(), uuid4()
    until = datetime(2028, 10, 10, 8, tzinfo=UTC)
    assert when(TRAININGS, complete(a), PLANNED, enrolled(a), enrolled(b)) == [
        TrainingCompleted(training_id=TRAINING, attended=[a], qualification="first_aid",
                          valid_until=until),
        VolunteerQualified(volunteer_id=a, qualification="first_aid", valid_until=until,
                           training_id=TRAINING),
    ]


def test_validity_is_counted_on_the_berlin_calendar():
    # 10:00 CEST on 31 March; a month later is 30 April, 10:00 CEST.
    march = msgspec.structs.replace(
        PLANNED, valid_for_months=1, starts_at=datetime(2026, 3, 31, 8, tzinfo=UTC),
        ends_at=datetime(2026, 3, 31, 9, tzinfo=UTC),
    )
    v = uuid4()
    events = when(TRAININGS, complete(v), march, enrolled(v))
    assert events[0].valid_until == datetime(2026, 4, 30, 8, tzinfo=UTC)


def test_only_enrolled_volunteers_can_have_attended():
    stranger = uuid4()
    with pytest.raises(Invalid) as rejected:
        when(TRAININGS, complete(stranger), PLANNED)
    assert rejected.value.field == "attended"


def test_a_training_is_completed_once():
    a = uuid4()
    done = TrainingCompleted(training_id=TRAINING, attended=[a], qualification="first_aid",
                             valid_until=END)
    with pytest.raises(Conflict) as rejected:
        when(TRAININGS, complete(a), PLANNED, enrolled(a), done)
    assert rejected.value.members["code"] == "completed"


def test_a_training_is_completed_after_it_began():
    with pytest.raises(Conflict) as rejected:
        when(TRAININGS, complete(now=NOW), PLANNED)
    assert rejected.value.members["code"] == "not_held_yet"


def test_a_cancelled_training_cannot_be_completed():
    with pytest.raises(Conflict):
        when(TRAININGS, complete(), PLANNED, TrainingCancelled(training_id=TRAINING))


def test_completing_an_unknown_training_is_refused():
    with pytest.raises(NotFound):
        when(TRAININGS, complete())


# --- the streams each command touches


def test_planning_a_training_touches_its_site_its_room_itself_and_its_code():
    assert streams_touched(TRAININGS, plan()) == [
        f"site-{SITE}", f"room-{ROOM}", f"training-{TRAINING}",
        f"qualification-{qualification_id('first_aid')}",
    ]


def test_enrolling_touches_the_training_and_the_volunteer():
    v = uuid4()
    assert streams_touched(TRAININGS, enroll(v), PLANNED) == [
        f"training-{TRAINING}", f"volunteer-{v}"
    ]


def test_cancelling_an_enrollment_touches_the_training_only():
    v = uuid4()
    command = CancelEnrollment(training_id=TRAINING, volunteer_id=v, now=NOW)
    assert streams_touched(TRAININGS, command, PLANNED, enrolled(v)) == [f"training-{TRAINING}"]


def test_completion_touches_every_attendees_stream_once():
    a, b = uuid4(), uuid4()
    assert streams_touched(TRAININGS, complete(a, b, a), PLANNED, enrolled(a), enrolled(b)) == [
        f"training-{TRAINING}", f"volunteer-{a}", f"volunteer-{b}"
    ]
