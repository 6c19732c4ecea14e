"""The coordinator's forms of trainings, read into the commands behind ``POST /api/trainings``
(which books its room in the same step: a taken room is refused with its conflicts), its
enrolments (``POST``/``DELETE .../enrollments``) and ``POST .../completion``."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec

from events.base import EventMetadata
from services.commands.handler import entity_id
from services.pages.forms import (
    Many,
    VolunteerForm,
    form_uuid,
    many,
    wall_clock_range,
    whole_number,
)
from services.trainings.decider import (
    CancelEnrollment,
    CompleteTraining,
    EnrollInTraining,
    PlanTraining,
)

Text = Annotated[str, msgspec.Meta(max_length=500)]
Short = Annotated[str, msgspec.Meta(max_length=64)]


class TrainingForm(msgspec.Struct):
    room_id: Short = ""
    title: Text = ""
    qualification: Text = ""
    valid_for_months: Short = ""
    date: Short = ""
    start: Short = ""
    end: Short = ""
    capacity: Short = ""
    request_key: Short = ""


FIELD_OF = {
    "title": "title", "starts_at": "start", "ends_at": "end", "capacity": "capacity",
    "room_id": "room_id", "qualification": "qualification",
    "valid_for_months": "valid_for_months",
}
"""The form field a command's refusal is shown next to (any other: the title)."""


def form_field(rejection_field: str) -> str:
    return FIELD_OF.get(rejection_field, "title")


def training_command(site_id: UUID, form: TrainingForm, metadata: EventMetadata,
                     now: datetime) -> PlanTraining:
    room_id = form_uuid("room_id", form.room_id, "booking.no_room")
    valid_for_months = whole_number("valid_for_months", form.valid_for_months, 240)
    starts_at, ends_at = wall_clock_range(form.date, form.start, form.end)
    capacity = whole_number("capacity", form.capacity, 10_000)
    return PlanTraining(training_id=entity_id(metadata, "training"),
                        booking_id=entity_id(metadata, "booking"), site_id=site_id,
                        room_id=room_id, title=form.title.strip(),
                        qualification=form.qualification.strip(),
                        valid_for_months=valid_for_months, starts_at=starts_at,
                        ends_at=ends_at, capacity=capacity, now=now)


# Enrolments and completion ---------------------------------------------------------------------


class CompletionForm(msgspec.Struct):
    """Who attended: the ticked enrolled volunteers (``attended``, once or repeatedly)."""

    attended: Many = []
    request_key: Short = ""


def enrol_command(training_id: UUID, form: VolunteerForm, now: datetime) -> EnrollInTraining:
    volunteer_id = form_uuid("volunteer_id", form.volunteer_id, "roster.choose_volunteer")
    return EnrollInTraining(training_id=training_id, volunteer_id=volunteer_id, now=now)


def unenrol_command(training_id: UUID, form: VolunteerForm, now: datetime) -> CancelEnrollment:
    volunteer_id = form_uuid("volunteer_id", form.volunteer_id, "roster.choose_volunteer")
    return CancelEnrollment(training_id=training_id, volunteer_id=volunteer_id, now=now)


def completion_command(training_id: UUID, form: CompletionForm,
                       now: datetime) -> CompleteTraining:
    attended = [form_uuid("attended", value) for value in many(form.attended)]
    return CompleteTraining(training_id=training_id, attended=attended, now=now)
