"""The coordinator's forms of offers: a new offer (``POST /api/offers``), its title, category and
description changed (``PUT /api/offers/{id}``), its sessions, once or
weekly (``POST /api/offers/{id}/sessions``), and a visitor count
(``POST /api/sessions/{id}/attendance``: a second count of an occurrence is a correction and
needs a reason, the decider's rule, shown at the field)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated
from uuid import UUID

import msgspec

from events.base import EventMetadata
from events.offers import CATEGORIES
from services.commands.handler import entity_id
from services.offers.decider import (
    ChangeOffer,
    CreateOffer,
    RecordAttendance,
    ScheduleSession,
    SetOfferPublication,
)
from services.offers.staffing import PlanOfferShifts
from services.pages.forms import FormError, Many, many, parse_time, whole_number
from services.rooms.forms import BookingForm, booking_times

MOST_VISITORS = 1_000_000


class AttendanceForm(msgspec.Struct):
    """One occurrence's form: which occurrence (as the list wrote it), the count, and a reason
    when it corrects an earlier count."""

    session_id: Annotated[str, msgspec.Meta(max_length=64)] = ""
    occurrence: Annotated[str, msgspec.Meta(max_length=64)] = ""
    visitors: Annotated[str, msgspec.Meta(max_length=32)] = ""
    children: Annotated[str, msgspec.Meta(max_length=32)] = ""
    seniors: Annotated[str, msgspec.Meta(max_length=32)] = ""
    first_time: Annotated[str, msgspec.Meta(max_length=32)] = ""
    reason: Annotated[str, msgspec.Meta(max_length=1000)] = ""
    request_key: Annotated[str, msgspec.Meta(max_length=64)] = ""


BREAKDOWN = ("children", "seniors", "first_time")
"""The optional groups of a count the form asks for (the API takes any group names)."""
FIELDS = ("visitors", *BREAKDOWN, "reason")
"""The form's own fields; a refusal about any other is shown at the occurrence."""


def occurrence_key(session_id: UUID | str, starts_at: datetime | str) -> str:
    """What names one occurrence in the form and on the page: the session and its UTC start."""
    if isinstance(starts_at, datetime):
        starts_at = starts_at.astimezone(UTC).isoformat()
    return f"{session_id}_{starts_at}"


def attendance_command(form: AttendanceForm, now: datetime) -> RecordAttendance:
    try:
        session_id = UUID(form.session_id.strip())
        starts_at = datetime.fromisoformat(form.occurrence.strip())
    except ValueError:
        raise FormError("occurrence", "attendance.no_occurrence") from None
    if starts_at.tzinfo is None:
        raise FormError("occurrence", "attendance.no_occurrence")
    if not form.visitors.strip():
        raise FormError("visitors", "form.required")
    try:
        visitors = int(form.visitors.strip())
    except ValueError:
        raise FormError("visitors", "attendance.visitors_invalid") from None
    if not 0 <= visitors <= MOST_VISITORS:
        raise FormError("visitors", "attendance.visitors_invalid")
    breakdown = {}
    for group in BREAKDOWN:
        typed = getattr(form, group).strip()
        if typed:
            if not typed.isdigit() or int(typed) > visitors:
                raise FormError(group, "attendance.group_invalid")
            breakdown[group] = int(typed)
    return RecordAttendance(session_id=session_id, occurrence_starts_at=starts_at,
                            visitors=visitors, breakdown=breakdown or None,
                            reason=form.reason.strip() or None, now=now)


# Offers and their sessions ---------------------------------------------------------------------


class OfferForm(msgspec.Struct):
    title: Annotated[str, msgspec.Meta(max_length=500)] = ""
    category: Annotated[str, msgspec.Meta(max_length=64)] = ""
    description: Annotated[str, msgspec.Meta(max_length=6000)] = ""
    public: Annotated[str, msgspec.Meta(max_length=32)] = "1"
    """``1``: listed in the public programme (the default), ``0``: not."""
    public_description: Annotated[str, msgspec.Meta(max_length=6000)] = ""
    request_key: Annotated[str, msgspec.Meta(max_length=64)] = ""




class PublicationForm(msgspec.Struct):
    """Whether an offer is in the public programme, and its words there
    (``PUT /api/offers/{id}/publication``)."""

    public: Annotated[str, msgspec.Meta(max_length=32)] = ""
    public_description: Annotated[str, msgspec.Meta(max_length=6000)] = ""
    request_key: Annotated[str, msgspec.Meta(max_length=64)] = ""


PUBLICATION_FIELDS = ("public", "public_description")


def public_choice(value: str) -> bool:
    if value.strip() not in ("0", "1"):
        raise FormError("public", "offers.choose_public")
    return value.strip() == "1"


def publication_command(offer_id: UUID, form: PublicationForm,
                        now: datetime) -> SetOfferPublication:
    return SetOfferPublication(offer_id=offer_id, public=public_choice(form.public),
                               public_description=form.public_description.strip() or None,
                               now=now)


class DetailsForm(msgspec.Struct):
    """An offer's title, category and staff description, changed (``PUT /api/offers/{id}``)."""

    title: Annotated[str, msgspec.Meta(max_length=500)] = ""
    category: Annotated[str, msgspec.Meta(max_length=64)] = ""
    description: Annotated[str, msgspec.Meta(max_length=6000)] = ""
    request_key: Annotated[str, msgspec.Meta(max_length=64)] = ""


DETAILS_FIELDS = ("title", "category", "description")
OFFER_FIELDS = (*DETAILS_FIELDS, *PUBLICATION_FIELDS)


def _category(value: str) -> str:
    if value not in CATEGORIES:
        raise FormError("category", "offers.choose_category")
    return value


def details_command(offer_id: UUID, form: DetailsForm, now: datetime) -> ChangeOffer:
    return ChangeOffer(offer_id=offer_id, title=form.title.strip(),
                       category=_category(form.category),
                       description=form.description.strip() or None, now=now)


def offer_command(site_id: UUID, form: OfferForm, metadata: EventMetadata,
                  now: datetime) -> CreateOffer:
    _category(form.category)
    return CreateOffer(offer_id=entity_id(metadata, "offer"), site_id=site_id,
                       title=form.title.strip(), category=form.category,
                       description=form.description.strip() or None,
                       public=public_choice(form.public),
                       public_description=form.public_description.strip() or None, now=now)


def session_command(offer_id: UUID, form: BookingForm, metadata: EventMetadata,
                    now: datetime) -> ScheduleSession:
    """The session(s) the form asks for: the room, one date or weekly until a last day; the
    room is booked in the same step (a taken room is refused with its conflicts)."""
    room_id, starts_at, ends_at, recurrence = booking_times(form)
    return ScheduleSession(session_id=entity_id(metadata, "session"),
                           booking_id=entity_id(metadata, "booking"), offer_id=offer_id,
                           room_id=room_id, starts_at=starts_at, ends_at=ends_at,
                           recurrence=recurrence, now=now)


class ShiftPlanForm(msgspec.Struct):
    """Every session of the offer needs a shift: its task, wall-clock times, places and the
    qualifications ticked from the catalogue."""

    title: Annotated[str, msgspec.Meta(max_length=500)] = ""
    start: Annotated[str, msgspec.Meta(max_length=32)] = ""
    end: Annotated[str, msgspec.Meta(max_length=32)] = ""
    capacity: Annotated[str, msgspec.Meta(max_length=32)] = ""
    qualifications: Many = []
    request_key: Annotated[str, msgspec.Meta(max_length=64)] = ""


PLAN_FIELD_OF = {"title": "title", "starts_at_time": "start", "ends_at_time": "end",
                 "capacity": "capacity"}
"""The form field a refusal of a shift plan is shown next to (any other: the title)."""


def shift_plan_command(offer_id: UUID, form: ShiftPlanForm, metadata: EventMetadata,
                       now: datetime) -> PlanOfferShifts:
    parse_time("start", form.start)
    parse_time("end", form.end)
    return PlanOfferShifts(offer_id=offer_id, plan_id=entity_id(metadata, "shift-plan"),
                           title=form.title.strip(), starts_at_time=form.start.strip(),
                           ends_at_time=form.end.strip(),
                           capacity=whole_number("capacity", form.capacity, 10_000),
                           required_qualifications=[q.strip() for q in many(form.qualifications)
                                                    if q.strip()], now=now)
