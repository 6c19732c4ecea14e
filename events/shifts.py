"""Events of a shift's stream (``shift-<id>``) and the shift events of a volunteer's stream.

A claim that takes a place is written to both streams at once: the shift's (capacity) and the
volunteer's (``volunteer-<id>``: no two claimed shifts of one volunteer overlap).
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import msgspec

from events.base import Event
from events.rooms import Recurrence


class ShiftCreated(Event, tag="shift.created", frozen=True, kw_only=True):
    shift_id: UUID
    site_id: UUID
    title: str
    starts_at: datetime
    ends_at: datetime
    capacity: int
    required_qualifications: list[str] = []
    session_id: UUID | None = None
    series_id: UUID | None = None
    """Set when the shift is one occurrence of a series (``shift_series-<id>``)."""


class ShiftSeriesCreated(Event, tag="shift_series.created", frozen=True, kw_only=True):
    """Shifts repeated by a rule, created in the same append (one ``shift.created`` each)."""

    series_id: UUID
    site_id: UUID
    title: str
    recurrence: Recurrence
    exdates: list[datetime] = []
    shift_ids: list[UUID]


class ShiftClaimed(Event, tag="shift.claimed", frozen=True, kw_only=True):
    shift_id: UUID
    volunteer_id: UUID
    from_waitlist: bool = False


class ShiftWaitlisted(Event, tag="shift.waitlisted", frozen=True, kw_only=True):
    shift_id: UUID
    volunteer_id: UUID


class ShiftClaimReleased(Event, tag="shift.claim_released", frozen=True, kw_only=True):
    shift_id: UUID
    volunteer_id: UUID


class ShiftWaitlistLeft(Event, tag="shift.waitlist_left", frozen=True, kw_only=True):
    shift_id: UUID
    volunteer_id: UUID


class ServiceTime(msgspec.Struct, frozen=True, kw_only=True):
    """When one volunteer actually served, ``[started_at, ended_at)``."""

    started_at: datetime
    ended_at: datetime


class ShiftAttendanceConfirmed(Event, tag="shift.attendance_confirmed", frozen=True, kw_only=True):
    """Who served; a later confirmation replaces the earlier one and carries a reason.

    ``present`` held a place; ``walk_ins`` served without one. Each served the shift's
    ``[starts_at, ends_at)`` unless ``times`` names their actual times."""

    shift_id: UUID
    present: list[UUID]
    starts_at: datetime
    ends_at: datetime
    reason: str | None = None
    walk_ins: list[UUID] = []
    times: dict[UUID, ServiceTime] = {}


class ShiftCancelled(Event, tag="shift.cancelled", frozen=True, kw_only=True):
    """The shift will not take place (cancelled on its own, or with the session it serves).

    The places its holders had are released on their streams in the same append
    (``volunteer.shift_released``); holders and waitlist are told ``reason``: ``released``
    held a place, ``waitlist`` waited (in order). ``session_id`` is set when the shift was
    cancelled with its session's occurrence."""

    shift_id: UUID
    reason: str
    released: list[UUID] = []
    waitlist: list[UUID] = []
    session_id: UUID | None = None


class VolunteerShiftClaimed(Event, tag="volunteer.shift_claimed", frozen=True, kw_only=True):
    volunteer_id: UUID
    shift_id: UUID
    starts_at: datetime
    ends_at: datetime


class VolunteerShiftReleased(Event, tag="volunteer.shift_released", frozen=True, kw_only=True):
    volunteer_id: UUID
    shift_id: UUID


ShiftEvent = (
    ShiftCreated
    | ShiftClaimed
    | ShiftWaitlisted
    | ShiftClaimReleased
    | ShiftWaitlistLeft
    | ShiftAttendanceConfirmed
    | ShiftCancelled
)
EVENTS = (
    ShiftCreated,
    ShiftSeriesCreated,
    ShiftClaimed,
    ShiftWaitlisted,
    ShiftClaimReleased,
    ShiftWaitlistLeft,
    ShiftAttendanceConfirmed,
    ShiftCancelled,
    VolunteerShiftClaimed,
    VolunteerShiftReleased,
)
