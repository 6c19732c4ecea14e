from __future__ import annotations

from datetime import UTC, datetime
from functools import reduce
from uuid import uuid4

import msgspec
import pytest

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
from services.rejections import Conflict, Invalid, NotFound
from services.rooms import decider as rooms
from services.shifts import volunteer as schedules
from services.sites import decider as sites
from services.trainings.decider import (
    CancelEnrollment,
    CompleteTraining,
    EnrollInTraining,
    PlanTraining,
    decide,
    evolve,
    initial_state,
)

pytestmark = pytest.mark.unit

NOW = datetime(2026, 10, 1, 8, tzinfo=UTC)
SITE, ROOM, TRAINING, BOOKING = uuid4(), uuid4(), uuid4(), uuid4()
START, END = datetime(2026, 10, 10, 8, tzinfo=UTC), datetime(2026, 10, 10, 16, tzinfo=UTC)
SITE_STATE = sites.evolve(sites.initial_state, SiteAdded(site_id=SITE, name="A", village="B"))
ROOM_ADDED = RoomAdded(room_id=ROOM, site_id=SITE, name="Saal", capacity=20)
PLANNED = TrainingPlanned(
    training_id=TRAINING, site_id=SITE, room_id=ROOM, booking_id=BOOKING, title="Erste Hilfe",
    qualification="first_aid", valid_for_months=24, starts_at=START, ends_at=END, capacity=2,
)


def training(*events):
    return reduce(evolve, events, initial_state)


def room(*events):
    return reduce(rooms.evolve, events, rooms.initial_state)


def volunteer(volunteer_id):
    registered = VolunteerRegistered(volunteer_id=volunteer_id, name=b"n", email=b"e")
    return schedules.evolve(schedules.initial_state, registered)


def enrolled(volunteer_id):
    return TrainingEnrolled(training_id=TRAINING, volunteer_id=volunteer_id)


# --- planning


def plan(**changes) -> PlanTraining:
    values = dict(training_id=TRAINING, booking_id=BOOKING, site_id=SITE, room_id=ROOM,
                  title="Erste Hilfe", qualification="first_aid", valid_for_months=24,
                  starts_at=START, ends_at=END, capacity=2, now=NOW)
    return PlanTraining(**(values | changes))


def test_planning_a_training_books_its_room():
    events = decide(plan(), (SITE_STATE, room(ROOM_ADDED), training()))
    assert events == [
        RoomBooked(room_id=ROOM, booking_id=BOOKING, title="Erste Hilfe",
                   occurrences=[Occurrence(starts_at=START, ends_at=END)], training_id=TRAINING),
        PLANNED,
    ]


def test_a_training_in_a_taken_room_is_refused():
    taken = RoomBooked(room_id=ROOM, booking_id=uuid4(), title="Chor",
                       occurrences=[Occurrence(starts_at=START, ends_at=END)])
    with pytest.raises(Conflict) as rejected:
        decide(plan(), (SITE_STATE, room(ROOM_ADDED, taken), training()))
    assert rejected.value.members["code"] == "room_taken"


def test_a_training_needs_an_existing_site():
    with pytest.raises(NotFound) as rejected:
        decide(plan(), (sites.initial_state, room(ROOM_ADDED), training()))
    assert rejected.value.field == "site_id"


def test_a_training_needs_an_existing_room():
    with pytest.raises(NotFound) as rejected:
        decide(plan(), (SITE_STATE, room(), training()))
    assert rejected.value.field == "room_id"


def test_a_training_needs_a_room_of_its_site():
    with pytest.raises(Invalid) as rejected:
        decide(plan(site_id=uuid4()), (SITE_STATE, room(ROOM_ADDED), training()))
    assert rejected.value.field == "room_id"


def test_a_training_is_planned_once():
    with pytest.raises(Conflict):
        decide(plan(), (SITE_STATE, room(ROOM_ADDED), training(PLANNED)))


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
        decide(plan(**changes), (SITE_STATE, room(ROOM_ADDED), training()))
    assert rejected.value.field == field


# --- enrolling


def enroll(volunteer_id, now=NOW) -> EnrollInTraining:
    return EnrollInTraining(training_id=TRAINING, volunteer_id=volunteer_id, now=now)


def test_a_volunteer_enrolls_while_there_is_room():
    v = uuid4()
    assert decide(enroll(v), (training(PLANNED), volunteer(v))) == [enrolled(v)]


def test_a_full_training_refuses_enrollment():
    v = uuid4()
    with pytest.raises(Conflict) as rejected:
        decide(enroll(v), (training(PLANNED, enrolled(uuid4()), enrolled(uuid4())), volunteer(v)))
    assert rejected.value.members["code"] == "full"


def test_a_cancelled_enrollment_frees_its_place():
    v, gone = uuid4(), uuid4()
    state = training(PLANNED, enrolled(uuid4()), enrolled(gone),
                     TrainingEnrollmentCancelled(training_id=TRAINING, volunteer_id=gone))
    assert decide(enroll(v), (state, volunteer(v)))


def test_a_volunteer_enrolls_once():
    v = uuid4()
    with pytest.raises(Conflict) as rejected:
        decide(enroll(v), (training(PLANNED, enrolled(v)), volunteer(v)))
    assert rejected.value.members["code"] == "already_enrolled"


def test_enrollment_needs_a_registered_volunteer():
    with pytest.raises(NotFound) as rejected:
        decide(enroll(uuid4()), (training(PLANNED), schedules.initial_state))
    assert rejected.value.field == "volunteer_id"


def test_enrollment_needs_an_existing_training():
    v = uuid4()
    with pytest.raises(NotFound) as rejected:
        decide(enroll(v), (training(), volunteer(v)))
    assert rejected.value.field == "training_id"


def test_a_cancelled_training_takes_no_enrollments():
    v = uuid4()
    with pytest.raises(Conflict) as rejected:
        cancelled = training(PLANNED, TrainingCancelled(training_id=TRAINING))
        decide(enroll(v), (cancelled, volunteer(v)))
    assert rejected.value.members["code"] == "cancelled"


def test_a_started_training_takes_no_enrollments():
    v = uuid4()
    with pytest.raises(Conflict) as rejected:
        decide(enroll(v, now=START), (training(PLANNED), volunteer(v)))
    assert rejected.value.members["code"] == "training_started"


def test_cancelling_an_enrollment():
    v = uuid4()
    command = CancelEnrollment(training_id=TRAINING, volunteer_id=v, now=NOW)
    assert decide(command, training(PLANNED, enrolled(v))) == [
        TrainingEnrollmentCancelled(training_id=TRAINING, volunteer_id=v)
    ]


def test_cancelling_an_enrollment_that_does_not_exist_is_refused():
    command = CancelEnrollment(training_id=TRAINING, volunteer_id=uuid4(), now=NOW)
    with pytest.raises(NotFound) as rejected:
        decide(command, training(PLANNED))
    assert rejected.value.members["code"] == "not_enrolled"


# --- completing


def complete(*attended, now=END) -> CompleteTraining:
    return CompleteTraining(training_id=TRAINING, attended=list(attended), now=now)


def test_completion_grants_the_qualification_until_the_date_plus_its_months():
    a, b = uuid4(), uuid4()
    until = datetime(2028, 10, 10, 8, tzinfo=UTC)
    assert decide(complete(a), training(PLANNED, enrolled(a), enrolled(b))) == [
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
    events = decide(complete(v), training(march, enrolled(v)))
    assert events[0].valid_until == datetime(2026, 4, 30, 8, tzinfo=UTC)


def test_only_enrolled_volunteers_can_have_attended():
    stranger = uuid4()
    with pytest.raises(Invalid) as rejected:
        decide(complete(stranger), training(PLANNED))
    assert rejected.value.field == "attended"


def test_a_training_is_completed_once():
    a = uuid4()
    done = TrainingCompleted(training_id=TRAINING, attended=[a], qualification="first_aid",
                             valid_until=END)
    with pytest.raises(Conflict) as rejected:
        decide(complete(a), training(PLANNED, enrolled(a), done))
    assert rejected.value.members["code"] == "completed"


def test_a_training_is_completed_after_it_began():
    with pytest.raises(Conflict) as rejected:
        decide(complete(now=NOW), training(PLANNED))
    assert rejected.value.members["code"] == "not_held_yet"


def test_a_cancelled_training_cannot_be_completed():
    with pytest.raises(Conflict):
        decide(complete(), training(PLANNED, TrainingCancelled(training_id=TRAINING)))


def test_completing_an_unknown_training_is_refused():
    with pytest.raises(NotFound):
        decide(complete(), training())
