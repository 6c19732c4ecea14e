"""The coordinator's forms of rooms: booking a room (once or weekly) and cancelling a booking,
read into the commands behind ``POST /api/rooms/{id}/bookings`` and ``DELETE .../bookings/{id}``.
"""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Annotated
from uuid import UUID

import msgspec

from events.base import EventMetadata
from events.rooms import Recurrence
from services.commands.handler import entity_id
from services.pages.forms import FormError, form_uuid, parse_date, wall_clock_range
from services.pages.local_time import BERLIN
from services.rooms.decider import BookRoom, CancelBooking
from services.rooms.recurrence import expand, without_exdates

Short = Annotated[str, msgspec.Meta(max_length=64)]


class BookingForm(msgspec.Struct):
    """What the booking form sends: strings as typed."""

    room_id: Short = ""
    title: Annotated[str, msgspec.Meta(max_length=500)] = ""
    date: Annotated[str, msgspec.Meta(max_length=32)] = ""
    start: Annotated[str, msgspec.Meta(max_length=32)] = ""
    end: Annotated[str, msgspec.Meta(max_length=32)] = ""
    weekly: Annotated[str, msgspec.Meta(max_length=8)] = ""
    until: Annotated[str, msgspec.Meta(max_length=32)] = ""
    request_key: Short = ""
    exdates: Annotated[str, msgspec.Meta(max_length=16_000)] = ""
    """The dates left out, as UTC instants separated by spaces: sent by the button "only the
    free dates" under a refusal's conflicts, naming the series' taken occurrences."""


class CancelForm(msgspec.Struct):
    """One week entry's cancel form: the occurrence, and whether the whole series goes."""

    room_id: Short = ""
    booking_id: Short = ""
    occurrence: Short = ""
    scope: Annotated[str, msgspec.Meta(max_length=16)] = ""
    reason: Annotated[str, msgspec.Meta(max_length=1000)] = ""
    """Why: asked on the confirmation page before anything is cancelled."""
    request_key: Short = ""
    reason_public: Annotated[str, msgspec.Meta(max_length=8)] = ""
    """A checkbox: the reason may be shown in the public programme."""


FIELD_OF = {
    "title": "title", "room_id": "room_id", "starts_at": "start", "ends_at": "end",
    "recurrence": "until", "recurrence.until": "until", "recurrence.rrule": "until",
    "recurrence.count": "until", "recurrence.exdates": "until",
}
"""The form field a command's refusal is shown next to (any other: the title)."""


def booking_times(form: BookingForm) -> tuple[UUID, datetime, datetime, Recurrence | None]:
    """The room, the first ``[start, end)`` and the recurrence the form asks for: one date, or
    weekly until a last day (inclusive). A session's form asks the same."""
    room_id = form_uuid("room_id", form.room_id, "booking.no_room")
    starts_at, ends_at = wall_clock_range(form.date, form.start, form.end)
    recurrence = None
    if form.weekly:
        if not form.until.strip():
            raise FormError("until", "form.required")
        last_day = parse_date("until", form.until)
        if last_day < starts_at.astimezone(BERLIN).date():
            raise FormError("until", "booking.until_before_start")
        # RFC 5545 UNTIL is inclusive: any occurrence starting on the last day belongs to it.
        until = datetime.combine(last_day, time(23, 59, 59), tzinfo=BERLIN)
        recurrence = Recurrence(rrule="FREQ=WEEKLY", until=until)
    return room_id, starts_at, ends_at, recurrence


def booking_command(form: BookingForm, metadata: EventMetadata, now: datetime) -> BookRoom:
    """The booking the form asks for: one date, or weekly until a last day (inclusive),
    without the dates it leaves out."""
    room_id, starts_at, ends_at, recurrence = booking_times(form)
    return BookRoom(room_id=room_id, booking_id=entity_id(metadata, "booking"),
                    title=form.title.strip(), starts_at=starts_at, ends_at=ends_at,
                    recurrence=recurrence, exdates=exdates_of(form), now=now)


def exdates_of(form: BookingForm) -> list[datetime]:
    try:
        exdates = [datetime.fromisoformat(value) for value in form.exdates.split()]
    except ValueError:
        raise FormError("until", "booking.exdates_unreadable") from None
    if any(exdate.tzinfo is None for exdate in exdates):
        raise FormError("until", "booking.exdates_unreadable")
    return exdates


def free_dates_form(form: BookingForm, command: BookRoom, taken: list[datetime]
                    ) -> BookingForm | None:
    """The form of the refused series ``command`` again, leaving out also its ``taken``
    dates: what the button "only the free dates" sends; None for one date or none free."""
    if command.recurrence is None:
        return None
    asked = without_exdates(expand(command.starts_at, command.ends_at, command.recurrence,
                                   command.now), command.exdates)
    if len(asked) <= len(taken):
        return None
    left_out = sorted({*command.exdates, *taken}, key=lambda moment: moment.astimezone(UTC))
    return msgspec.structs.replace(
        form, exdates=" ".join(moment.astimezone(UTC).isoformat() for moment in left_out))


def occurrence_of(form: CancelForm) -> datetime:
    """The occurrence whose cancel form was sent (a series' cancel form names its own)."""
    try:
        starts_at = datetime.fromisoformat(form.occurrence.strip())
    except ValueError:
        raise FormError("occurrence", "cancel.unknown") from None
    if starts_at.tzinfo is None or form.scope not in ("occurrence", "series"):
        raise FormError("occurrence", "cancel.unknown")
    return starts_at


def cancel_command(form: CancelForm, now: datetime) -> CancelBooking:
    """One occurrence (``scope=occurrence``) or every one of the series still ahead, once the
    confirmation page was answered with a reason."""
    starts_at = occurrence_of(form)
    if not form.reason.strip():
        raise FormError("reason", "cancel.reason_required")
    return CancelBooking(
        room_id=form_uuid("room_id", form.room_id, "cancel.unknown"),
        booking_id=form_uuid("booking_id", form.booking_id, "cancel.unknown"),
        occurrence_starts_at=starts_at if form.scope == "occurrence" else None,
        reason=form.reason.strip() or None, reason_public=bool(form.reason_public), now=now)
