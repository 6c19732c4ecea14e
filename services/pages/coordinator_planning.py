"""Planning a shift or a training from the coordinator's pages.

Both forms send strings as typed; they become the commands behind ``POST /api/shifts`` and
``POST /api/trainings`` here. A training books its room in the same step, so a taken room is
refused with its conflicts, as a booking is.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any
from uuid import UUID, uuid4

import msgspec
from litestar import Request

from events.base import EventMetadata
from projections import attendance_stats
from services.auth.tokens import Principal
from services.commands.handler import entity_id
from services.pages.coordinator_time import FormError, local_instant, parse_date, parse_time
from services.pages.local_time import local
from services.reads.routes import read_projection
from services.platform.resources import Resources
from services.commands.rejections import Rejection
from services.shifts.decider import CreateShift
from services.trainings.decider import PlanTraining

Text = Annotated[str, msgspec.Meta(max_length=500)]
Short = Annotated[str, msgspec.Meta(max_length=64)]

FORM_FIELD_OF = {
    "title": "title", "starts_at": "start", "ends_at": "end", "capacity": "capacity",
    "session_id": "session_id", "room_id": "room_id", "qualification": "qualification",
    "valid_for_months": "valid_for_months",
}
"""The form field a command's rejection is shown next to (any other: the title)."""


class ShiftForm(msgspec.Struct):
    title: Text = ""
    date: Short = ""
    start: Short = ""
    end: Short = ""
    capacity: Short = ""
    qualifications: Text = ""
    session_id: Short = ""
    request_key: Short = ""


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


def words(t: Callable[[str], str], rejection: Rejection) -> str:
    """A refusal in the page's language where it has words of its own, else the decider's."""
    if rejection.members.get("code") == "control_characters":
        return t("form.control_characters")
    return rejection.message


def form_field(rejection_field: str) -> str:
    if rejection_field.startswith("required_qualifications"):
        return "qualifications"
    return FORM_FIELD_OF.get(rejection_field, "title")


def _title(value: str) -> str:
    title = value.strip()
    if not title:
        raise FormError("title", "form.required")
    if len(title) > 200:
        raise FormError("title", "form.too_long")
    return title


def _whole_number(field: str, value: str, most: int) -> int:
    try:
        number = int(value.strip())
    except ValueError:
        raise FormError(field, "form.required" if not value.strip()
                        else "plan.number_invalid") from None
    if not 1 <= number <= most:
        raise FormError(field, "plan.number_invalid")
    return number


def _times(date_: str, start: str, end: str) -> tuple[datetime, datetime]:
    day = parse_date("date", date_)
    starts_at = local_instant("start", day, parse_time("start", start))
    ends_at = local_instant("end", day, parse_time("end", end))
    if ends_at <= starts_at:
        raise FormError("end", "booking.ends_before_start")
    return starts_at, ends_at


def metadata_of(request: Request[Principal, Any, Any], kind: str,
                request_key: str) -> EventMetadata:
    """Each rendering of a form carries a fresh key: a second click stores nothing twice."""
    key = request_key.strip() or None
    return EventMetadata(actor=f"account:{request.user.account_id}",
                         correlation_id=str(uuid4()),
                         idempotency_key=f"page-{kind}:{key}" if key else None)


def shift_command(site_id: UUID, form: ShiftForm, metadata: EventMetadata,
                  moment: datetime) -> CreateShift:
    title = _title(form.title)
    starts_at, ends_at = _times(form.date, form.start, form.end)
    capacity = _whole_number("capacity", form.capacity, 10_000)
    required = [q.strip() for q in form.qualifications.split(",") if q.strip()]
    if any(len(q) > 100 for q in required):
        raise FormError("qualifications", "plan.qualification_too_long")
    session_id = None
    if form.session_id.strip():
        try:
            session_id = UUID(form.session_id.strip())
        except ValueError:
            raise FormError("session_id", "plan.no_session") from None
    return CreateShift(shift_id=entity_id(metadata, "shift"), site_id=site_id, title=title,
                       starts_at=starts_at, ends_at=ends_at, capacity=capacity,
                       required_qualifications=required, session_id=session_id, now=moment)


def training_command(site_id: UUID, form: TrainingForm, metadata: EventMetadata,
                     moment: datetime) -> PlanTraining:
    try:
        room_id = UUID(form.room_id.strip())
    except ValueError:
        raise FormError("room_id", "booking.no_room") from None
    title = _title(form.title)
    qualification = form.qualification.strip()
    if not qualification:
        raise FormError("qualification", "form.required")
    if len(qualification) > 100:
        raise FormError("qualification", "plan.qualification_too_long")
    valid_for_months = _whole_number("valid_for_months", form.valid_for_months, 240)
    starts_at, ends_at = _times(form.date, form.start, form.end)
    capacity = _whole_number("capacity", form.capacity, 10_000)
    return PlanTraining(training_id=entity_id(metadata, "training"),
                        booking_id=entity_id(metadata, "booking"), site_id=site_id,
                        room_id=room_id, title=title, qualification=qualification,
                        valid_for_months=valid_for_months, starts_at=starts_at,
                        ends_at=ends_at, capacity=capacity, now=moment)


async def coming_sessions(resources: Resources, site_id: UUID,
                          min_position: int | None) -> list[dict[str, Any]]:
    """The site's sessions with an occurrence in the coming year, for the shift's optional
    session: the offer's title and the next date."""
    moment = datetime.now(UTC)
    rows, _ = await read_projection(
        resources, attendance_stats.ATTENDANCE_STATS, min_position,
        lambda connection: attendance_stats.load_rows(
            connection, from_=moment, to=moment + timedelta(days=366),
            site_ids=frozenset({site_id})),
    )
    offers = rows.get(attendance_stats.OFFERS, {})
    next_of: dict[UUID, dict[str, Any]] = {}
    for row in rows.get(attendance_stats.OCCURRENCES, {}).values():
        if row["cancelled"]:
            continue
        known = next_of.get(row["session_id"])
        if known is None or row["starts_at"] < known["starts_at"]:
            next_of[row["session_id"]] = row
    return sorted(
        ({"id": session_id, "next": local(row["starts_at"]),
          "title": offers.get((row["offer_id"],), {}).get("title", "")}
         for session_id, row in next_of.items()),
        key=lambda s: s["next"],
    )
