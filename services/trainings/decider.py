"""Trainings: planned in a booked room, enrolled up to capacity, completed with qualifications.

Planning is decided on ``(site, room, training)`` and books the room in the same append;
completion writes ``volunteer.qualified`` to each attendee's stream, valid until the training's
date plus ``valid_for_months`` (counted on the Berlin calendar).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import msgspec
from dateutil.relativedelta import relativedelta

from events.base import Event
from events.trainings import (
    TrainingCompleted,
    TrainingEnrolled,
    TrainingEnrollmentCancelled,
    TrainingPlanned,
    VolunteerQualified,
)
from services.commands.checks import require_positive, require_text
from services.commands.decider import Decider, States, Stream
from services.commands.rejections import Conflict, Invalid, NotFound
from services.qualifications.decider import catalogue_streams, require_defined
from services.qualifications.state import QUALIFICATION
from services.rooms.decider import book
from services.rooms.recurrence import BERLIN, expand
from services.rooms.state import ROOM, RoomState
from services.sites.state import SITE
from services.trainings.state import TRAINING, TrainingState
from services.volunteers.state import VOLUNTEER, Volunteer


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


def streams(command: TrainingCommand, loaded: States) -> list[Stream[Any]]:
    training = TRAINING(command.training_id)
    match command:
        case PlanTraining():
            return [SITE(command.site_id), ROOM(command.room_id), training,
                    *catalogue_streams([command.qualification])]
        case EnrollInTraining():
            return [training, VOLUNTEER(command.volunteer_id)]
        case CompleteTraining():
            # Each attendee's qualification goes to its own stream.
            return [training, *map(VOLUNTEER, dict.fromkeys(command.attended))]
    return [training]


def decide(command: TrainingCommand, states: States) -> list[Event]:
    training = states[TRAINING(command.training_id)]
    if isinstance(command, PlanTraining):
        if not states[SITE(command.site_id)].exists:
            raise NotFound("site_id", "no such site", code="site_not_found")
        room = states[ROOM(command.room_id)]
        if not room.exists:
            raise NotFound("room_id", "no such room", code="room_not_found")
        if training.exists:
            raise Conflict("training_id", "this training exists already", code="exists")
        require_text("qualification", command.qualification, 100)
        require_defined("qualification", [command.qualification], states)
        return _plan(command, room)
    if not training.exists:
        raise NotFound("training_id", "no such training", code="training_not_found")
    if training.cancelled:
        raise Conflict("training_id", "the training was cancelled", code="cancelled")
    if training.completed:
        raise Conflict("training_id", "the training is completed", code="completed")
    match command:
        case EnrollInTraining():
            return [_enroll(command, training, states[VOLUNTEER(command.volunteer_id)])]
        case CancelEnrollment():
            if command.volunteer_id not in training.enrolled:
                raise NotFound("volunteer_id", "is not enrolled", code="not_enrolled")
            return [
                TrainingEnrollmentCancelled(
                    training_id=command.training_id, volunteer_id=command.volunteer_id
                )
            ]
        case CompleteTraining():
            return _complete(command, training)
    raise TypeError(f"unknown command {command!r}")


def _plan(command: PlanTraining, room: RoomState) -> list[Event]:
    if room.site_id != command.site_id:
        raise Invalid("room_id", "the room belongs to another site", code="other_site")
    require_text("title", command.title)
    require_text("qualification", command.qualification, 100)
    require_positive("valid_for_months", command.valid_for_months)
    require_positive("capacity", command.capacity)
    occurrences = expand(command.starts_at, command.ends_at, None, command.now)
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
    command: EnrollInTraining, training: TrainingState, volunteer: Volunteer
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


TRAININGS = Decider(commands=(PlanTraining, EnrollInTraining, CancelEnrollment,
                              CompleteTraining),
                    kinds=(SITE, ROOM, TRAINING, VOLUNTEER, QUALIFICATION), streams=streams,
                    decide=decide)
