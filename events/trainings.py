"""Events of a training's stream (``training-<id>``) and the qualifications it grants.

Completing a training writes ``training.completed`` and, in the same append, one
``volunteer.qualified`` to the stream of each attendee (``volunteer-<id>``).
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from events.base import Event


class TrainingPlanned(Event, tag="training.planned", frozen=True, kw_only=True):
    training_id: UUID
    site_id: UUID
    room_id: UUID
    booking_id: UUID
    title: str
    qualification: str
    valid_for_months: int
    starts_at: datetime
    ends_at: datetime
    capacity: int


class TrainingEnrolled(Event, tag="training.enrolled", frozen=True, kw_only=True):
    training_id: UUID
    volunteer_id: UUID


class TrainingEnrollmentCancelled(
    Event, tag="training.enrollment_cancelled", frozen=True, kw_only=True
):
    training_id: UUID
    volunteer_id: UUID


class TrainingCancelled(Event, tag="training.cancelled", frozen=True, kw_only=True):
    """The training's room booking was cancelled."""

    training_id: UUID


class TrainingCompleted(Event, tag="training.completed", frozen=True, kw_only=True):
    training_id: UUID
    attended: list[UUID]
    qualification: str
    valid_until: datetime


class VolunteerQualified(Event, tag="volunteer.qualified", frozen=True, kw_only=True):
    volunteer_id: UUID
    qualification: str
    valid_until: datetime
    training_id: UUID


TrainingEvent = (
    TrainingPlanned
    | TrainingEnrolled
    | TrainingEnrollmentCancelled
    | TrainingCancelled
    | TrainingCompleted
)
EVENTS = (
    TrainingPlanned,
    TrainingEnrolled,
    TrainingEnrollmentCancelled,
    TrainingCancelled,
    TrainingCompleted,
    VolunteerQualified,
)
