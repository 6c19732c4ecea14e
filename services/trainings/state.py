"""A training's stream (``training-<id>``) and its one fold."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import msgspec

from events.base import Event
from events.trainings import (
    TrainingCancelled,
    TrainingCompleted,
    TrainingEnrolled,
    TrainingEnrollmentCancelled,
    TrainingPlanned,
)
from services.commands.decider import StreamKind


class TrainingState(msgspec.Struct, frozen=True, kw_only=True):
    exists: bool = False
    site_id: UUID | None = None
    starts_at: datetime | None = None
    qualification: str = ""
    valid_for_months: int = 0
    capacity: int = 0
    enrolled: tuple[UUID, ...] = ()
    cancelled: bool = False
    completed: bool = False


def evolve(state: TrainingState, event: Event) -> TrainingState:
    match event:
        case TrainingPlanned():
            return TrainingState(
                exists=True,
                site_id=event.site_id,
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


TRAINING = StreamKind("training", TrainingState(), evolve, dict.fromkeys(
    (TrainingPlanned, TrainingEnrolled, TrainingEnrollmentCancelled, TrainingCancelled,
     TrainingCompleted), "training_id"))
