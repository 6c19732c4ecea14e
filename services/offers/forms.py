"""The coordinator's form of a visitor count, read into the command behind
``POST /api/sessions/{id}/attendance`` (a second count of an occurrence is a correction and
needs a reason: the decider's rule, shown at the field)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated
from uuid import UUID

import msgspec

from services.offers.decider import RecordAttendance
from services.pages.forms import FormError

MOST_VISITORS = 1_000_000


class AttendanceForm(msgspec.Struct):
    """One occurrence's form: which occurrence (as the list wrote it), the count, and a reason
    when it corrects an earlier count."""

    session_id: Annotated[str, msgspec.Meta(max_length=64)] = ""
    occurrence: Annotated[str, msgspec.Meta(max_length=64)] = ""
    visitors: Annotated[str, msgspec.Meta(max_length=32)] = ""
    reason: Annotated[str, msgspec.Meta(max_length=1000)] = ""
    request_key: Annotated[str, msgspec.Meta(max_length=64)] = ""


FIELDS = ("visitors", "reason")
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
    return RecordAttendance(session_id=session_id, occurrence_starts_at=starts_at,
                            visitors=visitors, reason=form.reason.strip() or None, now=now)
