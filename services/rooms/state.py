"""A room's stream (``room-<id>``) and its one fold.

The state keeps every active occurrence as a slot ``(starts_at, ends_at, booking_id)``, sorted.
Active slots never overlap, so they are sorted by end as well, and the slots that overlap a new
range are found by bisection instead of a scan of the room's whole calendar.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import msgspec

from events.base import Event
from events.rooms import RoomAdded, RoomBooked, RoomOccurrencesCancelled
from services.commands.decider import StreamKind

Slot = tuple[datetime, datetime, UUID]


class Booking(msgspec.Struct, frozen=True, kw_only=True):
    title: str
    session_id: UUID | None = None
    training_id: UUID | None = None
    cancelled: frozenset[datetime] = frozenset()


class RoomState(msgspec.Struct, frozen=True, kw_only=True):
    exists: bool = False
    site_id: UUID | None = None
    name: str = ""
    capacity: int = 0
    bookings: dict[UUID, Booking] = {}
    slots: tuple[Slot, ...] = ()


def evolve(state: RoomState, event: Event) -> RoomState:
    match event:
        case RoomAdded(site_id=site_id, name=name, capacity=capacity):
            return msgspec.structs.replace(
                state, exists=True, site_id=site_id, name=name, capacity=capacity
            )
        case RoomBooked(booking_id=booking_id, occurrences=occurrences):
            booking = Booking(
                title=event.title, session_id=event.session_id, training_id=event.training_id
            )
            added = [(o.starts_at, o.ends_at, booking_id) for o in occurrences]
            return msgspec.structs.replace(
                state,
                bookings={**state.bookings, booking_id: booking},
                slots=tuple(sorted((*state.slots, *added))),
            )
        case RoomOccurrencesCancelled(booking_id=booking_id, occurrence_starts_at=starts):
            gone = frozenset(starts)
            booking = state.bookings[booking_id]
            booking = msgspec.structs.replace(booking, cancelled=booking.cancelled | gone)
            return msgspec.structs.replace(
                state,
                bookings={**state.bookings, booking_id: booking},
                slots=tuple(s for s in state.slots if s[2] != booking_id or s[0] not in gone),
            )
    return state


ROOM = StreamKind("room", RoomState(), evolve, dict.fromkeys(
    (RoomAdded, RoomBooked, RoomOccurrencesCancelled), "room_id"))
