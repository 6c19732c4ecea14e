"""Recording the visitors of held sessions from the coordinator's pages.

The page lists the site's session occurrences that began in the last weeks and were not
cancelled: first those still without a count, then those with one. Each has its own small form;
a second count is a correction and needs a reason (the decider's rule, shown at the field).
The command is the one behind ``POST /api/sessions/{id}/attendance``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any
from uuid import UUID, uuid4

import msgspec
from litestar import Request

from events.base import EventMetadata
from projections import attendance_stats
from services.auth.tokens import Principal
from services.commands.handler import CommandResult
from services.commands.http import now
from services.offers.decider import OFFERS, RecordAttendance
from services.offers.state import SESSION
from services.pages.coordinator_time import FormError
from services.pages.local_time import local
from services.reads.routes import read_projection
from services.platform.resources import Resources

MOST_VISITORS = 1_000_000
"""The site a session belongs to (its first event names it): a form may only name sessions of
the site in its path."""

MESSAGE_OF_CODE = {
    "reason_required": "attendance.reason_required",
    "not_held_yet": "attendance.not_held_yet",
    "cancelled": "attendance.cancelled",
    "not_found": "attendance.no_occurrence",
    "negative": "attendance.visitors_invalid",
    "control_characters": "form.control_characters",
}


class AttendanceForm(msgspec.Struct):
    """One occurrence's form: which occurrence (as the list wrote it), the count, and a reason
    when it corrects an earlier count."""

    session_id: Annotated[str, msgspec.Meta(max_length=64)] = ""
    occurrence: Annotated[str, msgspec.Meta(max_length=64)] = ""
    visitors: Annotated[str, msgspec.Meta(max_length=32)] = ""
    reason: Annotated[str, msgspec.Meta(max_length=1000)] = ""
    request_key: Annotated[str, msgspec.Meta(max_length=64)] = ""


def occurrence_key(session_id: UUID | str, starts_at: datetime | str) -> str:
    """What names one occurrence in the form and on the page: the session and its UTC start."""
    if isinstance(starts_at, datetime):
        starts_at = starts_at.astimezone(UTC).isoformat()
    return f"{session_id}_{starts_at}"


def read_form(form: AttendanceForm) -> tuple[UUID, datetime, int, str | None]:
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
    return session_id, starts_at, visitors, form.reason.strip() or None


async def record(resources: Resources, request: Request[Principal, Any, Any], site_id: UUID,
                 form: AttendanceForm) -> CommandResult:
    """Records (or corrects) the count; FormError or the decider's Rejection when refused."""
    session_id, starts_at, visitors, reason = read_form(form)
    if (await resources.commands.state(SESSION(session_id))).site_id != site_id:
        raise FormError("occurrence", "attendance.no_occurrence")
    key = form.request_key.strip() or None
    metadata = EventMetadata(actor=f"account:{request.user.account_id}",
                             correlation_id=str(uuid4()),
                             idempotency_key=f"page-attendance:{key}" if key else None)
    return await resources.commands.handle(OFFERS, RecordAttendance(
        session_id=session_id, occurrence_starts_at=starts_at, visitors=visitors,
        reason=reason, now=now(),
    ), metadata)


async def held_occurrences(resources: Resources, site_id: UUID, within_days: int,
                           min_position: int | None) -> list[dict[str, Any]]:
    """The site's not cancelled occurrences that began in the last ``within_days`` days,
    newest first, each with its offer's title and its count (None while unrecorded)."""
    moment = datetime.now(UTC)
    rows, _ = await read_projection(
        resources, attendance_stats.ATTENDANCE_STATS, min_position,
        lambda connection: attendance_stats.load_rows(
            connection, from_=moment - timedelta(days=within_days), to=moment,
            site_ids=frozenset({site_id})),
    )
    offers = rows.get(attendance_stats.OFFERS, {})
    held = [
        {"key": occurrence_key(row["session_id"], row["starts_at"]),
         "session_id": row["session_id"],
         "occurrence": row["starts_at"].astimezone(UTC).isoformat(),
         "starts_at": local(row["starts_at"]), "ends_at": local(row["ends_at"]),
         "title": offers.get((row["offer_id"],), {}).get("title", ""),
         "visitors": row["visitors"], "request_key": uuid4().hex}
        for row in rows.get(attendance_stats.OCCURRENCES, {}).values()
        if not row["cancelled"]
    ]
    return sorted(held, key=lambda o: o["starts_at"], reverse=True)
