"""Rooms and their bookings. The room's stream decides double booking.

Cancelling a booking that is an offer's session or a training's tells that stream in the same
append.
"""

from __future__ import annotations

from bisect import bisect_left
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import msgspec

from events.base import Event
from events.offers import SessionOccurrencesCancelled
from events.rooms import Occurrence, Recurrence, RoomAdded, RoomBooked, RoomOccurrencesCancelled
from events.trainings import TrainingCancelled
from services.commands.checks import require_aware, require_lines, require_positive, require_text
from services.commands.decider import Decider, States, Stream
from services.offers.state import SESSION
from services.commands.rejections import Conflict, Invalid, NotFound, Rejection
from services.rooms.recurrence import expand, without_exdates
from services.rooms.state import ROOM, RoomState
from services.shifts.decider import cancel as cancel_shift
from services.shifts.state import SHIFT
from services.volunteers.state import VOLUNTEER
from services.sites.state import SITE
from services.trainings.state import TRAINING


class AddRoom(msgspec.Struct, frozen=True, kw_only=True):
    room_id: UUID
    site_id: UUID
    name: str
    capacity: int
    now: datetime


class BookRoom(msgspec.Struct, frozen=True, kw_only=True):
    room_id: UUID
    booking_id: UUID
    title: str
    starts_at: datetime
    ends_at: datetime
    recurrence: Recurrence | None = None
    exdates: list[datetime] = []
    """Starts of the series' occurrences left out (each must be one of the rule's)."""
    free_dates_only: bool = False
    """Leave out every occurrence the room is taken at, instead of refusing the series; refused
    still if none is free."""
    now: datetime


class CancelBooking(msgspec.Struct, frozen=True, kw_only=True):
    """Cancels one occurrence, or (without ``occurrence_starts_at``) every one not yet started."""

    room_id: UUID
    booking_id: UUID
    occurrence_starts_at: datetime | None = None
    reason: str | None = None
    """Why; passed on to the volunteers of the shifts linked to a cancelled session."""
    reason_public: bool = False
    """The reason may be shown in the public programme (a session's cancellation)."""
    now: datetime


RoomCommand = AddRoom | BookRoom | CancelBooking


def streams(command: RoomCommand, loaded: States) -> list[Stream[Any]]:
    room = ROOM(command.room_id)
    match command:
        case AddRoom():
            return [SITE(command.site_id), room]
        case CancelBooking():
            # The booking's owner hears of the cancellation in the same append, and so do the
            # shifts linked to a cancelled session's occurrences, and their holders.
            booking = loaded[room].bookings.get(command.booking_id)
            owners = [] if booking is None else [
                *([SESSION(booking.session_id)] if booking.session_id else []),
                *([TRAINING(booking.training_id)] if booking.training_id else []),
            ]
            return [room, *owners, *_linked_shifts(command, loaded)]
    return [room]


def _linked_shifts(command: CancelBooking, loaded: States) -> list[Stream[Any]]:
    booking = loaded[ROOM(command.room_id)].bookings.get(command.booking_id)
    if booking is None or booking.session_id is None:
        return []
    try:
        starts = _starts(command, loaded[ROOM(command.room_id)])
    except Rejection:
        return []  # decide refuses with the same words
    shifts = loaded[SESSION(booking.session_id)].linked_to(starts)
    holders = [VOLUNTEER(v) for shift in shifts for v in loaded[SHIFT(shift)].claimed]
    return [*map(SHIFT, shifts), *holders]


def decide(command: RoomCommand, states: States) -> list[Event]:
    state = states[ROOM(command.room_id)]
    match command, state:
        case AddRoom(), _ if not states[SITE(command.site_id)].exists:
            raise NotFound("site_id", "no such site", code="site_not_found")
        case AddRoom(), RoomState(exists=True):
            raise Conflict("room_id", "this room exists already", code="exists")
        case AddRoom(), _:
            require_text("name", command.name)
            require_positive("capacity", command.capacity)
            return [
                RoomAdded(
                    room_id=command.room_id,
                    site_id=command.site_id,
                    name=command.name.strip(),
                    capacity=command.capacity,
                )
            ]
        case BookRoom(), RoomState(exists=False):
            raise NotFound("room_id", "no such room", code="room_not_found")
        case BookRoom(), RoomState():
            require_text("title", command.title)
            occurrences = expand(command.starts_at, command.ends_at, command.recurrence,
                                 command.now)
            if command.exdates:
                if command.recurrence is None:
                    raise Invalid("recurrence.exdates", "only a series has exdates",
                                  code="not_a_series")
                occurrences = without_exdates(occurrences, command.exdates)
            exdates = [exdate.astimezone(UTC) for exdate in command.exdates]
            if command.free_dates_only:
                taken = set(taken_starts(state, occurrences))
                if len(taken) < len(occurrences):
                    exdates = sorted({*exdates, *taken})
                    occurrences = [o for o in occurrences if o.starts_at not in taken]
            return [
                book(
                    state,
                    room_id=command.room_id,
                    booking_id=command.booking_id,
                    title=command.title.strip(),
                    occurrences=occurrences,
                    recurrence=command.recurrence,
                    exdates=exdates,
                )
            ]
        case CancelBooking(), RoomState(exists=False):
            raise NotFound("room_id", "no such room", code="room_not_found")
        case CancelBooking(), RoomState():
            return _cancel(command, state, states)
    raise TypeError(f"unknown command {command!r}")


def book(
    state: RoomState,
    *,
    room_id: UUID,
    booking_id: UUID,
    title: str,
    occurrences: list[Occurrence],
    recurrence: Recurrence | None = None,
    session_id: UUID | None = None,
    training_id: UUID | None = None,
    exdates: list[datetime] | None = None,
) -> RoomBooked:
    """The booking event, or Conflict ``room_taken`` listing every active occurrence in the way
    (``conflicts``) and the starts of the asked occurrences they take (``taken``: a series'
    exdates to book its free dates only)."""
    if booking_id in state.bookings:
        raise Conflict("booking_id", "this booking exists already", code="exists")
    conflicts = conflicts_with(state, occurrences)
    if conflicts:
        raise Conflict(
            "starts_at",
            f"the room is booked at {len(conflicts)} overlapping time(s)",
            code="room_taken",
            conflicts=conflicts,
            taken=taken_starts(state, occurrences),
        )
    return RoomBooked(
        room_id=room_id,
        booking_id=booking_id,
        title=title,
        occurrences=occurrences,
        recurrence=recurrence,
        session_id=session_id,
        training_id=training_id,
        exdates=exdates or [],
    )


def conflicts_with(state: RoomState, occurrences: list[Occurrence]) -> list[dict[str, Any]]:
    """Each active occurrence overlapping any of ``occurrences``, once, in time order."""
    found: dict[tuple[datetime, UUID], dict[str, Any]] = {}
    slots = state.slots
    for occurrence in occurrences:
        index = bisect_left(slots, occurrence.ends_at, key=lambda slot: slot[0])
        while index > 0 and slots[index - 1][1] > occurrence.starts_at:
            index -= 1
            starts_at, ends_at, booking_id = slots[index]
            found[(starts_at, booking_id)] = {
                "booking_id": booking_id,
                "title": state.bookings[booking_id].title,
                "starts_at": starts_at,
                "ends_at": ends_at,
            }
    return [found[key] for key in sorted(found)]


def taken_starts(state: RoomState, occurrences: list[Occurrence]) -> list[datetime]:
    """The starts of those of ``occurrences`` that overlap an active occurrence, in order."""
    return [occurrence.starts_at for occurrence in occurrences
            if _overlapping(state.slots, occurrence)]


def _overlapping(slots: tuple[tuple[datetime, datetime, UUID], ...], occurrence: Occurrence
                 ) -> bool:
    # Active slots never overlap: the last one starting before the end ends latest.
    index = bisect_left(slots, occurrence.ends_at, key=lambda slot: slot[0])
    return index > 0 and slots[index - 1][1] > occurrence.starts_at


def _cancel(command: CancelBooking, state: RoomState, states: States) -> list[Event]:
    starts = _starts(command, state)
    booking = state.bookings[command.booking_id]
    if command.reason is not None:
        require_lines("reason", command.reason, 1000)
    reason = command.reason.strip() if command.reason and command.reason.strip() else None
    if command.reason_public and reason is None:
        raise Invalid("reason", "a public reason needs words", code="public_reason_required")
    events: list[Event] = [
        RoomOccurrencesCancelled(
            room_id=command.room_id, booking_id=command.booking_id, occurrence_starts_at=starts
        )
    ]
    if booking.session_id is not None:
        events.append(SessionOccurrencesCancelled(
            session_id=booking.session_id, occurrence_starts_at=starts, reason=reason,
            reason_public=command.reason_public))
        for shift_id in states[SESSION(booking.session_id)].linked_to(starts):
            shift = states[SHIFT(shift_id)]
            assert shift.starts_at is not None
            if shift.exists and not shift.cancelled and shift.starts_at > command.now:
                events += cancel_shift(shift_id, shift, reason or "", command.now,
                                       session_id=booking.session_id)
    if booking.training_id is not None:
        events.append(TrainingCancelled(training_id=booking.training_id))
    return events


def _starts(command: CancelBooking, state: RoomState) -> list[datetime]:
    """The starts of the occurrences the command cancels; refused if there is none to."""
    booking = state.bookings.get(command.booking_id)
    if booking is None:
        raise NotFound("booking_id", "no such booking in this room", code="not_found")
    active = [slot[0] for slot in state.slots if slot[2] == command.booking_id]
    if command.occurrence_starts_at is None:
        starts = [start for start in active if start > command.now]
        if not starts:
            raise Conflict(
                "booking_id", "no occurrence of it is still ahead", code="nothing_to_cancel"
            )
    else:
        require_aware("occurrence", command.occurrence_starts_at)
        wanted = command.occurrence_starts_at.astimezone(UTC)
        if wanted in booking.cancelled:
            raise Conflict("occurrence", "is cancelled already", code="already_cancelled")
        if wanted not in active:
            raise NotFound("occurrence", "the booking has no occurrence then", code="not_found")
        if wanted <= command.now:
            raise Conflict("occurrence", "has started already", code="already_started")
        starts = [wanted]
    return starts


ROOMS = Decider(commands=(AddRoom, BookRoom, CancelBooking),
                kinds=(SITE, ROOM, SESSION, TRAINING, SHIFT, VOLUNTEER), streams=streams,
                decide=decide)
