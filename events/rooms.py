"""Events of a room's stream (``room-<id>``): the room and every booking of it.

The room stream is the unit of consistency for double booking: a booking is decided against
all bookings of the room and appended with the room's expected version. A booking stores its
expanded occurrences (in UTC), so the history never depends on a later time-zone database.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import msgspec

from events.base import Event


class Occurrence(msgspec.Struct, frozen=True, kw_only=True):
    """One half-open time range ``[starts_at, ends_at)`` in UTC."""

    starts_at: datetime
    ends_at: datetime


class Recurrence(msgspec.Struct, frozen=True, kw_only=True):
    """An RFC 5545 RRULE, expanded in Europe/Berlin local time, bounded by until or count."""

    rrule: str
    until: datetime | None = None
    count: int | None = None


class RoomAdded(Event, tag="room.added", frozen=True, kw_only=True):
    room_id: UUID
    site_id: UUID
    name: str
    capacity: int


class RoomBooked(Event, tag="room.booked", frozen=True, kw_only=True):
    room_id: UUID
    booking_id: UUID
    title: str
    occurrences: list[Occurrence]
    recurrence: Recurrence | None = None
    session_id: UUID | None = None
    """Set when the booking is an offer's session (its stream ``session-<id>``)."""
    training_id: UUID | None = None
    """Set when the booking is a training's (its stream ``training-<id>``)."""
    exdates: list[datetime] = []
    """Starts (UTC) of the series' occurrences left out: asked for, or taken when only the
    free dates were booked; ``occurrences`` lists the others."""


class RoomOccurrencesCancelled(Event, tag="room.occurrences_cancelled", frozen=True, kw_only=True):
    """Cancels the listed occurrences of a booking (one, or every one not yet started)."""

    room_id: UUID
    booking_id: UUID
    occurrence_starts_at: list[datetime]


RoomEvent = RoomAdded | RoomBooked | RoomOccurrencesCancelled
EVENTS = (RoomAdded, RoomBooked, RoomOccurrencesCancelled)
