"""A shift's stream (``shift-<id>``) and its one fold: capacity, who holds it, who waits."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import msgspec

from events.base import Event
from events.shifts import (
    ShiftAttendanceConfirmed,
    ShiftCancelled,
    ShiftClaimed,
    ShiftClaimReleased,
    ShiftCreated,
    ShiftSeriesCreated,
    ShiftWaitlisted,
    ShiftWaitlistLeft,
)
from services.commands.decider import StreamKind


class ShiftState(msgspec.Struct, frozen=True, kw_only=True):
    exists: bool = False
    site_id: UUID | None = None
    title: str = ""
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    capacity: int = 0
    required: tuple[str, ...] = ()
    claimed: tuple[UUID, ...] = ()
    waitlist: tuple[UUID, ...] = ()
    attendance_confirmed: bool = False
    cancelled: bool = False
    claims_of: dict[UUID, int] = {}
    """How many times each volunteer claimed a place (a handover offers one of them)."""


def evolve(state: ShiftState, event: Event) -> ShiftState:
    match event:
        case ShiftCreated():
            return ShiftState(
                exists=True,
                site_id=event.site_id,
                title=event.title,
                starts_at=event.starts_at,
                ends_at=event.ends_at,
                capacity=event.capacity,
                required=tuple(event.required_qualifications),
            )
        case ShiftClaimed(volunteer_id=volunteer_id):
            claims = state.claims_of.get(volunteer_id, 0) + 1
            return msgspec.structs.replace(
                state,
                claimed=(*state.claimed, volunteer_id),
                waitlist=tuple(v for v in state.waitlist if v != volunteer_id),
                claims_of={**state.claims_of, volunteer_id: claims},
            )
        case ShiftWaitlisted(volunteer_id=volunteer_id):
            return msgspec.structs.replace(state, waitlist=(*state.waitlist, volunteer_id))
        case ShiftClaimReleased(volunteer_id=volunteer_id):
            return msgspec.structs.replace(
                state, claimed=tuple(v for v in state.claimed if v != volunteer_id)
            )
        case ShiftWaitlistLeft(volunteer_id=volunteer_id):
            return msgspec.structs.replace(
                state, waitlist=tuple(v for v in state.waitlist if v != volunteer_id)
            )
        case ShiftAttendanceConfirmed():
            return msgspec.structs.replace(state, attendance_confirmed=True)
        case ShiftCancelled():
            return msgspec.structs.replace(state, cancelled=True, claimed=(), waitlist=())
    return state


def served_at(event: Event, now: datetime) -> datetime:
    """Volunteers served when the shift began, whenever that is confirmed."""
    match event:
        case ShiftAttendanceConfirmed():
            return event.starts_at
    return now


class SeriesState(msgspec.Struct, frozen=True, kw_only=True):
    exists: bool = False
    site_id: UUID | None = None
    shift_ids: tuple[UUID, ...] = ()


def evolve_series(state: SeriesState, event: Event) -> SeriesState:
    match event:
        case ShiftSeriesCreated(site_id=site_id, shift_ids=shift_ids):
            return SeriesState(exists=True, site_id=site_id, shift_ids=tuple(shift_ids))
    return state


SHIFT_SERIES = StreamKind("shift_series", SeriesState(), evolve_series,
                          {ShiftSeriesCreated: "series_id"})
SHIFT = StreamKind("shift", ShiftState(), evolve, dict.fromkeys(
    (ShiftCreated, ShiftClaimed, ShiftWaitlisted, ShiftClaimReleased, ShiftWaitlistLeft,
     ShiftAttendanceConfirmed, ShiftCancelled), "shift_id"), occurred_at=served_at)
