"""Trainings: planned in a booked room, enrolled up to capacity, completed with qualifications.

Planning is decided on ``(site, room, training)`` and books the room in the same append;
completion writes ``volunteer.qualified`` to each attendee's stream, valid until the training's
date plus ``valid_for_months`` (counted on the Berlin calendar).
"""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

import msgspec
from dateutil.relativedelta import relativedelta

from events.base import Event
from events.trainings import (
    TrainingCancelled,
    TrainingCompleted,
    TrainingEnrolled,
    TrainingEnrollmentCancelled,
    TrainingPlanned,
    VolunteerQualified,
)
from services.checks import require_positive, require_text
from services.rejections import Conflict, Invalid, NotFound
from services.rooms.decider import RoomState, book
from services.rooms.recurrence import BERLIN, expand
from services.shifts.volunteer import VolunteerSchedule
from services.sites.decider import SiteState


class PlanTraining(msgspec.Struct, frozen=True, kw_only=True):
    training_id: UUID
    booking_id: UUID
    site_id: UUID
    room_id: UUID
    title: str
    qualification: str
    valid_for_months: int
    starts_at: datetime
    ends_at: datetime
    capacity: int
    now: datetime


class EnrollInTraining(msgspec.Struct, frozen=True, kw_only=True):
    training_id: UUID
    volunteer_id: UUID
    now: datetime


class CancelEnrollment(msgspec.Struct, frozen=True, kw_only=True):
    training_id: UUID
    volunteer_id: UUID
    now: datetime


class CompleteTraining(msgspec.Struct, frozen=True, kw_only=True):
    training_id: UUID
    attended: list[UUID]
    now: datetime


TrainingCommand = PlanTraining | EnrollInTraining | CancelEnrollment | CompleteTraining


class TrainingState(msgspec.Struct, frozen=True, kw_only=True):
    exists: bool = False
    starts_at: datetime | None = None
    qualification: str = ""
    valid_for_months: int = 0
    capacity: int = 0
    enrolled: tuple[UUID, ...] = ()
    cancelled: bool = False
    completed: bool = False


initial_state = TrainingState()


def decide(
    command: TrainingCommand,
    state: tuple[SiteState, RoomState, TrainingState]
    | tuple[TrainingState, VolunteerSchedule]
    | TrainingState,
) -> list[Event]:
    """Decided on ``(site, room, training)``, ``(training, volunteer)`` and ``training``."""
    match command, state:
        case PlanTraining(), (SiteState(exists=False), _, _):
            raise NotFound("site_id", "no such site", code="site_not_found")
        case PlanTraining(), (_, RoomState(exists=False), _):
            raise NotFound("room_id", "no such room", code="room_not_found")
        case PlanTraining(), (_, _, TrainingState(exists=True)):
            raise Conflict("training_id", "this training exists already", code="exists")
        case PlanTraining(), (_, RoomState() as room, _):
            return _plan(command, room)
        case _, (TrainingState(exists=False), _) | TrainingState(exists=False):
            raise NotFound("training_id", "no such training", code="training_not_found")
        case _, (TrainingState(cancelled=True), _) | TrainingState(cancelled=True):
            raise Conflict("training_id", "the training was cancelled", code="cancelled")
        case _, (TrainingState(completed=True), _) | TrainingState(completed=True):
            raise Conflict("training_id", "the training is completed", code="completed")
        case EnrollInTraining(), (TrainingState() as training, VolunteerSchedule() as volunteer):
            return [_enroll(command, training, volunteer)]
        case CancelEnrollment(), TrainingState():
            if command.volunteer_id not in state.enrolled:
                raise NotFound("volunteer_id", "is not enrolled", code="not_enrolled")
            return [
                TrainingEnrollmentCancelled(
                    training_id=command.training_id, volunteer_id=command.volunteer_id
                )
            ]
        case CompleteTraining(), TrainingState():
            return _complete(command, state)
    raise TypeError(f"unknown command {command!r} for {type(state).__name__}")


def _plan(command: PlanTraining, room: RoomState) -> list[Event]:
    if room.site_id != command.site_id:
        raise Invalid("room_id", "the room belongs to another site", code="other_site")
    require_text("title", command.title)
    require_text("qualification", command.qualification, 100)
    require_positive("valid_for_months", command.valid_for_months)
    require_positive("capacity", command.capacity)
    occurrences = expand(command.starts_at, command.ends_at, None)
    booked = book(
        room,
        room_id=command.room_id,
        booking_id=command.booking_id,
        title=command.title.strip(),
        occurrences=occurrences,
        training_id=command.training_id,
    )
    planned = TrainingPlanned(
        training_id=command.training_id,
        site_id=command.site_id,
        room_id=command.room_id,
        booking_id=command.booking_id,
        title=command.title.strip(),
        qualification=command.qualification.strip(),
        valid_for_months=command.valid_for_months,
        starts_at=occurrences[0].starts_at,
        ends_at=occurrences[0].ends_at,
        capacity=command.capacity,
    )
    return [booked, planned]


def _enroll(
    command: EnrollInTraining, training: TrainingState, volunteer: VolunteerSchedule
) -> TrainingEnrolled:
    assert training.starts_at is not None
    if not volunteer.active:
        raise NotFound("volunteer_id", "no such volunteer", code="volunteer_not_found")
    if command.now >= training.starts_at:
        raise Conflict("training_id", "the training has started", code="training_started")
    if command.volunteer_id in training.enrolled:
        raise Conflict("volunteer_id", "is enrolled already", code="already_enrolled")
    if len(training.enrolled) >= training.capacity:
        raise Conflict("training_id", "the training is full", code="full")
    return TrainingEnrolled(training_id=command.training_id, volunteer_id=command.volunteer_id)


def _complete(command: CompleteTraining, training: TrainingState) -> list[Event]:
    assert training.starts_at is not None
    if command.now < training.starts_at:
        raise Conflict("training_id", "the training has not begun", code="not_held_yet")
    attended = list(dict.fromkeys(command.attended))
    strangers = [v for v in attended if v not in training.enrolled]
    if strangers:
        raise Invalid("attended", "were not enrolled", code="not_enrolled", volunteers=strangers)
    valid_until = qualification_valid_until(training.starts_at, training.valid_for_months)
    events: list[Event] = [
        TrainingCompleted(
            training_id=command.training_id,
            attended=attended,
            qualification=training.qualification,
            valid_until=valid_until,
        )
    ]
    events += [
        VolunteerQualified(
            volunteer_id=volunteer_id,
            qualification=training.qualification,
            valid_until=valid_until,
            training_id=command.training_id,
        )
        for volunteer_id in attended
    ]
    return events


def qualification_valid_until(training_starts_at: datetime, months: int) -> datetime:
    local = training_starts_at.astimezone(BERLIN)
    return (local + relativedelta(months=months)).astimezone(UTC)


def evolve(state: TrainingState, event: Event) -> TrainingState:
    match event:
        case TrainingPlanned():
            return TrainingState(
                exists=True,
                starts_at=event.starts_at,
                qualification=event.qualification,
                valid_for_months=event.valid_for_months,
                capacity=event.capacity,
            )
        case TrainingEnrolled(volunteer_id=volunteer_id):
            return msgspec.structs.replace(state, enrolled=(*state.enrolled, volunteer_id))
        case TrainingEnrollmentCancelled(volunteer_id=volunteer_id):
            return msgspec.structs.replace(
                state, enrolled=tuple(v for v in state.enrolled if v != volunteer_id)
            )
        case TrainingCancelled():
            return msgspec.structs.replace(state, cancelled=True)
        case TrainingCompleted():
            return msgspec.structs.replace(state, completed=True)
    return state
