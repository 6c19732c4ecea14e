"""Which stream each scheduling event belongs to, and when it happened in the world."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from events import offers, rooms, shifts, sites, trainings
from events.base import Event


def site_stream(site_id: UUID) -> str:
    return f"site-{site_id}"


def room_stream(room_id: UUID) -> str:
    return f"room-{room_id}"


def offer_stream(offer_id: UUID) -> str:
    return f"offer-{offer_id}"


def session_stream(session_id: UUID) -> str:
    return f"session-{session_id}"


def shift_stream(shift_id: UUID) -> str:
    return f"shift-{shift_id}"


def training_stream(training_id: UUID) -> str:
    return f"training-{training_id}"


def volunteer_stream(volunteer_id: UUID) -> str:
    return f"volunteer-{volunteer_id}"


# The field naming the stream each event belongs to. Later entries win: the volunteer-stream
# events of the shifts and trainings modules name their shift or training only as data.
_OWNER_FIELD: dict[type[Event], str] = {
    **dict.fromkeys(sites.EVENTS, "site_id"),
    **dict.fromkeys(rooms.EVENTS, "room_id"),
    **dict.fromkeys(offers.EVENTS, "session_id"),
    offers.OfferCreated: "offer_id",
    **dict.fromkeys(shifts.EVENTS, "shift_id"),
    **dict.fromkeys(trainings.EVENTS, "training_id"),
    shifts.VolunteerShiftClaimed: "volunteer_id",
    shifts.VolunteerShiftReleased: "volunteer_id",
    trainings.VolunteerQualified: "volunteer_id",
}

_PREFIX = {
    "site_id": "site",
    "room_id": "room",
    "offer_id": "offer",
    "session_id": "session",
    "shift_id": "shift",
    "training_id": "training",
    "volunteer_id": "volunteer",
}


def stream_for(event: Event) -> str:
    field = _OWNER_FIELD[type(event)]
    return f"{_PREFIX[field]}-{getattr(event, field)}"


def occurred_at(event: Event, now: datetime) -> datetime:
    """Attendance happened when the occurrence or shift began, whenever it is recorded."""
    match event:
        case offers.AttendanceRecorded() | offers.AttendanceCorrected():
            return event.occurrence_starts_at
        case shifts.ShiftAttendanceConfirmed():
            return event.starts_at
    return now
