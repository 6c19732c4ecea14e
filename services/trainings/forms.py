"""The coordinator's form of a training, read into the command behind ``POST /api/trainings``
(which books its room in the same step: a taken room is refused with its conflicts)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec

from events.base import EventMetadata
from services.commands.handler import entity_id
from services.pages.forms import form_uuid, wall_clock_range, whole_number
from services.trainings.decider import PlanTraining

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
