"""Shifts: capacity, claims, the waitlist, and who served.

A claim is decided on ``(shift, volunteer)``: the shift guards its capacity, the volunteer's
stream guards against overlapping shifts; a claim that takes a place is written to both. A
release is decided on ``(shift, schedules of the waitlisted)``, so the first one on the
waitlist who can still take the place gets it in the same step.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import msgspec

from events.base import Event
from events.offers import SessionShiftLinked
from events.shifts import (
    ServiceTime,
    ShiftAttendanceConfirmed,
    ShiftCancelled,
    ShiftClaimed,
    ShiftClaimReleased,
    ShiftCreated,
    ShiftWaitlisted,
    ShiftWaitlistLeft,
    VolunteerShiftClaimed,
    VolunteerShiftReleased,
)
from services.commands.checks import (
    require_aware,
    require_lines,
    require_positive,
    require_range,
    require_text,
)
from services.commands.decider import Decider, States, Stream
from services.offers.state import SESSION, SessionState
from services.commands.rejections import Conflict, Invalid, NotFound
from services.qualifications.decider import catalogue_streams, require_defined
from services.qualifications.state import QUALIFICATION
from services.rooms.recurrence import BERLIN
from services.shifts.state import SHIFT, ShiftState
from services.sites.state import SITE
from services.volunteers.state import VOLUNTEER, Volunteer


class CreateShift(msgspec.Struct, frozen=True, kw_only=True):
    shift_id: UUID
    site_id: UUID
    title: str
    starts_at: datetime
    ends_at: datetime
    capacity: int
    required_qualifications: list[str] = []
    session_id: UUID | None = None
    now: datetime


class ClaimShift(msgspec.Struct, frozen=True, kw_only=True):
    shift_id: UUID
    volunteer_id: UUID
    now: datetime


class ReleaseClaim(msgspec.Struct, frozen=True, kw_only=True):
    """Frees a held place, or takes the volunteer off the waitlist."""

    shift_id: UUID
    volunteer_id: UUID
    now: datetime


class ConfirmShiftAttendance(msgspec.Struct, frozen=True, kw_only=True):
    """Who served: ``present`` held a place, ``walk_ins`` served without one; ``times`` their
    actual times where they differ from the shift's."""

    shift_id: UUID
    present: list[UUID]
    reason: str | None = None
    walk_ins: list[UUID] = []
    times: dict[UUID, ServiceTime] = {}
    now: datetime


class CancelShift(msgspec.Struct, frozen=True, kw_only=True):
    """The shift will not take place: its holders' places are released and everyone who
    held or waited for it is told ``reason``."""

    shift_id: UUID
    reason: str
    now: datetime


SLACK = timedelta(hours=3)
"""How far actual times may reach before the shift's start or past its end."""
LONGEST_SERVICE = timedelta(hours=14)


ShiftCommand = CreateShift | ClaimShift | ReleaseClaim | ConfirmShiftAttendance | CancelShift


def streams(command: ShiftCommand, loaded: States) -> list[Stream[Any]]:
    shift = SHIFT(command.shift_id)
    match command:
        case CreateShift(session_id=None):
            return [SITE(command.site_id), shift,
                    *catalogue_streams(command.required_qualifications)]
        case CreateShift(session_id=session_id):
            return [SITE(command.site_id), shift, SESSION(session_id),
                    *catalogue_streams(command.required_qualifications)]
        case ClaimShift():
            return [shift, VOLUNTEER(command.volunteer_id)]
        case ReleaseClaim():
            # The first on the waitlist who can still take the place gets it in the same step.
            waiting = loaded[shift].waitlist
            return [shift, VOLUNTEER(command.volunteer_id), *map(VOLUNTEER, waiting)]
        case ConfirmShiftAttendance():
            # A walk-in must be a volunteer, active and free at the time.
            return [shift, *map(VOLUNTEER, dict.fromkeys(command.walk_ins))]
        case CancelShift():
            # Each holder's place is released on its own stream in the same append.
            return [shift, *map(VOLUNTEER, loaded[shift].claimed)]
    return [shift]


def decide(command: ShiftCommand, states: States) -> list[Event]:
    shift = states[SHIFT(command.shift_id)]
    match command:
        case CreateShift():
            if not states[SITE(command.site_id)].exists:
                raise NotFound("site_id", "no such site", code="site_not_found")
            session = SESSION.initial
            if command.session_id is not None:
                session = states[SESSION(command.session_id)]
                if not session.exists:
                    raise NotFound("session_id", "no such session", code="session_not_found")
            if shift.exists:
                raise Conflict("shift_id", "this shift exists already", code="exists")
            created = shift_created(command, session)
            require_defined("required_qualifications[{index}]",
                            command.required_qualifications, states)
            return [created, *_linked(created, session, command.session_id)]
    if not shift.exists:
        raise NotFound("shift_id", "no such shift", code="shift_not_found")
    if shift.cancelled:
        raise Conflict("shift_id", "the shift was cancelled", code="cancelled")
    match command:
        case CancelShift():
            return cancel(command.shift_id, shift, command.reason, command.now)
        case ClaimShift():
            return _claim(command, shift, states[VOLUNTEER(command.volunteer_id)])
        case ReleaseClaim():
            return _release(command, shift, states)
        case ConfirmShiftAttendance():
            return [_confirm(command, shift, states)]
    raise TypeError(f"unknown command {command!r}")


def shift_created(command: CreateShift, session: SessionState) -> ShiftCreated:
    require_text("title", command.title)
    require_range(command.starts_at, command.ends_at, command.now)
    require_positive("capacity", command.capacity)
    required = [q.strip() for q in command.required_qualifications]
    for index, qualification in enumerate(required):
        require_text(f"required_qualifications[{index}]", qualification, 100)
    if command.session_id is not None and session.site_id != command.site_id:
        raise Invalid("session_id", "the session belongs to another site", code="other_site")
    return ShiftCreated(
        shift_id=command.shift_id,
        site_id=command.site_id,
        title=command.title.strip(),
        starts_at=command.starts_at.astimezone(UTC),
        ends_at=command.ends_at.astimezone(UTC),
        capacity=command.capacity,
        required_qualifications=list(dict.fromkeys(required)),
        session_id=command.session_id,
    )


def _claim(command: ClaimShift, shift: ShiftState, volunteer: Volunteer) -> list[Event]:
    if not volunteer.active:
        raise NotFound("volunteer_id", "no such volunteer", code="volunteer_not_found")
    assert shift.starts_at is not None and shift.ends_at is not None
    if command.now >= shift.starts_at:
        raise Conflict("shift_id", "the shift has started", code="shift_started")
    if command.volunteer_id in shift.claimed:
        raise Conflict("volunteer_id", "already holds this shift", code="already_claimed")
    if command.volunteer_id in shift.waitlist:
        raise Conflict("volunteer_id", "already on the waitlist", code="already_waitlisted")
    missing = volunteer.missing(shift.required, shift.starts_at)
    if missing:
        raise Invalid(
            "required_qualifications",
            f"missing or expired at the shift's start: {', '.join(missing)}",
            code="qualification_missing",
            missing=missing,
        )
    overlapping = volunteer.overlapping(shift.starts_at, shift.ends_at, besides=command.shift_id)
    if overlapping:
        raise Conflict(
            "shift_id",
            "the volunteer holds an overlapping shift",
            code="overlapping_shift",
            shifts=overlapping,
        )
    if len(shift.claimed) >= shift.capacity:
        return [ShiftWaitlisted(shift_id=command.shift_id, volunteer_id=command.volunteer_id)]
    return _taken(command.shift_id, command.volunteer_id, shift)


def _taken(
    shift_id: UUID, volunteer_id: UUID, shift: ShiftState, *, from_waitlist: bool = False
) -> list[Event]:
    assert shift.starts_at is not None and shift.ends_at is not None
    return [
        ShiftClaimed(shift_id=shift_id, volunteer_id=volunteer_id, from_waitlist=from_waitlist),
        VolunteerShiftClaimed(
            volunteer_id=volunteer_id,
            shift_id=shift_id,
            starts_at=shift.starts_at,
            ends_at=shift.ends_at,
        ),
    ]


def _release(command: ReleaseClaim, shift: ShiftState, states: States) -> list[Event]:
    assert shift.starts_at is not None and shift.ends_at is not None
    if command.volunteer_id in shift.waitlist:
        return [ShiftWaitlistLeft(shift_id=command.shift_id, volunteer_id=command.volunteer_id)]
    if command.volunteer_id not in shift.claimed:
        raise NotFound("volunteer_id", "holds no place on this shift", code="no_claim")
    if command.now >= shift.starts_at:
        raise Conflict("shift_id", "the shift has started", code="shift_started")
    events: list[Event] = [
        ShiftClaimReleased(shift_id=command.shift_id, volunteer_id=command.volunteer_id),
        VolunteerShiftReleased(volunteer_id=command.volunteer_id, shift_id=command.shift_id),
    ]
    # Someone who meanwhile took an overlapping shift (or lost a qualification) keeps their
    # place in the queue but is passed over; the place goes to the first who can take it.
    for candidate in shift.waitlist:
        schedule = states[VOLUNTEER(candidate)]
        if (
            schedule.active
            and not schedule.missing(shift.required, shift.starts_at)
            and not schedule.overlapping(shift.starts_at, shift.ends_at, besides=command.shift_id)
        ):
            events += _taken(command.shift_id, candidate, shift, from_waitlist=True)
            break
    return events


def _linked(shift: ShiftCreated, session: SessionState,
            session_id: UUID | None) -> list[SessionShiftLinked]:
    """The session hears of a shift serving one of its occurrences (the one it overlaps, else
    the one on its Berlin date), so that cancelling the occurrence cancels the shift. A shift
    far from every occurrence keeps its ``session_id`` (for the figures) unlinked."""
    if session_id is None:
        return []
    occurrence = session.occurrence_of(shift.starts_at, shift.ends_at)
    if occurrence is None:
        day = shift.starts_at.astimezone(BERLIN).date()
        occurrence = next((start for start in sorted(session.occurrences)
                           if start.astimezone(BERLIN).date() == day), None)
    if occurrence is None:
        return []
    return [SessionShiftLinked(session_id=session_id, shift_id=shift.shift_id,
                               occurrence_starts_at=occurrence)]


def cancel(shift_id: UUID, shift: ShiftState, reason: str, now: datetime, *,
           session_id: UUID | None = None) -> list[Event]:
    """Cancel a shift not yet begun: the shift's event names who held and who waited (for
    whoever tells them), and each holder's place is released on the volunteer's stream."""
    assert shift.starts_at is not None
    require_lines("reason", reason, 1000)
    if not reason.strip() and session_id is None:
        raise Invalid("reason", "say why the shift is cancelled", code="reason_required")
    if now >= shift.starts_at:
        raise Conflict("shift_id", "the shift has started", code="shift_started")
    return [
        ShiftCancelled(shift_id=shift_id, reason=reason.strip(), released=list(shift.claimed),
                       waitlist=list(shift.waitlist), session_id=session_id),
        *(VolunteerShiftReleased(volunteer_id=volunteer_id, shift_id=shift_id)
          for volunteer_id in shift.claimed),
    ]


def _confirm(
    command: ConfirmShiftAttendance, shift: ShiftState, states: States
) -> ShiftAttendanceConfirmed:
    assert shift.starts_at is not None and shift.ends_at is not None
    if shift.cancelled:
        raise Conflict("shift_id", "the shift was cancelled", code="cancelled")
    if command.now < shift.starts_at:
        raise Conflict("shift_id", "the shift has not begun", code="not_held_yet")
    present = list(dict.fromkeys(command.present))
    strangers = [v for v in present if v not in shift.claimed]
    if strangers:
        raise Invalid(
            "present", "did not hold this shift", code="not_claimed", volunteers=strangers
        )
    walk_ins = list(dict.fromkeys(command.walk_ins))
    _check_walk_ins(walk_ins, present, shift, command.shift_id, states)
    times = _check_times(command, shift, {*present, *walk_ins})
    if command.reason is not None:
        require_lines("reason", command.reason, 1000)
    reason = command.reason.strip() if command.reason else None
    if shift.attendance_confirmed and not reason:
        raise Invalid("reason", "a correction needs a reason", code="reason_required")
    return ShiftAttendanceConfirmed(
        shift_id=command.shift_id,
        present=present,
        starts_at=shift.starts_at,
        ends_at=shift.ends_at,
        reason=reason,
        walk_ins=walk_ins,
        times=times,
    )


def _check_walk_ins(walk_ins: list[UUID], present: list[UUID], shift: ShiftState,
                    shift_id: UUID, states: States) -> None:
    assert shift.starts_at is not None and shift.ends_at is not None
    for index, volunteer_id in enumerate(walk_ins):
        field = f"walk_ins[{index}]"
        if volunteer_id in shift.claimed or volunteer_id in present:
            raise Invalid(field, "held a place on this shift: name it under present",
                          code="claimed")
        volunteer = states[VOLUNTEER(volunteer_id)]
        if not volunteer.active:
            raise Invalid(field, "is no active volunteer", code="volunteer_not_found")
        overlapping = volunteer.overlapping(shift.starts_at, shift.ends_at, besides=shift_id)
        if overlapping:
            raise Conflict(field, "the volunteer held an overlapping shift",
                           code="overlapping_shift", shifts=overlapping)


def _check_times(command: ConfirmShiftAttendance, shift: ShiftState,
                 served: set[UUID]) -> dict[UUID, ServiceTime]:
    """Actual times: of someone who served, within ``SLACK`` of the shift, past, not too long."""
    assert shift.starts_at is not None and shift.ends_at is not None
    times = {}
    for volunteer_id, span in command.times.items():
        field = f"times.{volunteer_id}"
        if volunteer_id not in served:
            raise Invalid(field, "names no one present or walked in", code="not_serving")
        require_aware(f"{field}.started_at", span.started_at)
        require_aware(f"{field}.ended_at", span.ended_at)
        if span.ended_at <= span.started_at:
            raise Invalid(f"{field}.ended_at", "must be after started_at",
                          code="ends_before_start")
        if span.started_at < shift.starts_at - SLACK or span.ended_at > shift.ends_at + SLACK:
            raise Invalid(field, "must lie within three hours of the shift's times",
                          code="out_of_window")
        if span.ended_at - span.started_at > LONGEST_SERVICE:
            raise Invalid(f"{field}.ended_at", "may lie at most 14 hours after started_at",
                          code="too_long")
        if span.ended_at > command.now:
            raise Invalid(f"{field}.ended_at", "must not lie in the future",
                          code="in_the_future")
        times[volunteer_id] = ServiceTime(started_at=span.started_at.astimezone(UTC),
                                          ended_at=span.ended_at.astimezone(UTC))
    return times


SHIFTS = Decider(commands=(CreateShift, ClaimShift, ReleaseClaim, ConfirmShiftAttendance,
                           CancelShift),
                 kinds=(SITE, SESSION, SHIFT, VOLUNTEER, QUALIFICATION), streams=streams,
                 decide=decide)
