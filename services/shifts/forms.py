"""The coordinator's form of a shift, read into the command behind ``POST /api/shifts``."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec

from events.base import EventMetadata
from services.commands.handler import entity_id
from services.pages.forms import FormError, wall_clock_range, whole_number
from services.shifts.decider import CreateShift, ReleaseClaim

Text = Annotated[str, msgspec.Meta(max_length=500)]
Short = Annotated[str, msgspec.Meta(max_length=64)]


class ShiftForm(msgspec.Struct):
    title: Text = ""
    date: Short = ""
    start: Short = ""
    end: Short = ""
    capacity: Short = ""
    qualifications: Text = ""
    session_id: Short = ""
    request_key: Short = ""


FIELD_OF = {
    "title": "title", "starts_at": "start", "ends_at": "end", "capacity": "capacity",
    "session_id": "session_id",
}
"""The form field a command's refusal is shown next to (any other: the title)."""


def form_field(rejection_field: str) -> str:
    if rejection_field.startswith("required_qualifications"):
        return "qualifications"
    return FIELD_OF.get(rejection_field, "title")


def shift_command(site_id: UUID, form: ShiftForm, metadata: EventMetadata,
                  now: datetime) -> CreateShift:
    starts_at, ends_at = wall_clock_range(form.date, form.start, form.end)
    capacity = whole_number("capacity", form.capacity, 10_000)
    required = [q.strip() for q in form.qualifications.split(",") if q.strip()]
    session_id = None
    if form.session_id.strip():
        try:
            session_id = UUID(form.session_id.strip())
        except ValueError:
            raise FormError("session_id", "plan.no_session") from None
    return CreateShift(shift_id=entity_id(metadata, "shift"), site_id=site_id,
                       title=form.title.strip(), starts_at=starts_at, ends_at=ends_at,
                       capacity=capacity, required_qualifications=required,
                       session_id=session_id, now=now)


class ReleaseForm(msgspec.Struct):
    """The volunteer's confirmation of cancelling a shift (or leaving its waitlist)."""

    message: Annotated[str, msgspec.Meta(max_length=2000)] = ""
    request_key: Short = ""


def release_command(shift_id: UUID, volunteer_id: UUID, form: ReleaseForm,
                    now: datetime) -> ReleaseClaim:
    return ReleaseClaim(shift_id=shift_id, volunteer_id=volunteer_id, now=now,
                        message=form.message.strip() or None)
