"""Offers, their sessions (a series or one date in a room) and the visitors counted.

Scheduling a session is decided on ``(offer, room, session)``: it books the room (the room's
own rules, ``rooms.decider.book``) and schedules the session, both in one append.
"""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

import msgspec

from events.base import Event
from events.offers import (
    CATEGORIES,
    AttendanceCorrected,
    AttendanceRecorded,
    OfferCreated,
    SessionOccurrencesCancelled,
    SessionScheduled,
)
from events.rooms import Recurrence
from services.checks import require_aware, require_line, require_lines, require_text
from services.rejections import Conflict, Invalid, NotFound
from services.rooms.decider import RoomState, book
from services.rooms.recurrence import expand
from services.sites.decider import SiteState


class CreateOffer(msgspec.Struct, frozen=True, kw_only=True):
    offer_id: UUID
    site_id: UUID
    title: str
    category: str
    description: str | None = None
    now: datetime


class ScheduleSession(msgspec.Struct, frozen=True, kw_only=True):
    session_id: UUID
    booking_id: UUID
    offer_id: UUID
    room_id: UUID
    starts_at: datetime
    ends_at: datetime
    recurrence: Recurrence | None = None
    now: datetime


class RecordAttendance(msgspec.Struct, frozen=True, kw_only=True):
    """The visitors of one held occurrence; again for the same occurrence, a correction."""

    session_id: UUID
    occurrence_starts_at: datetime
    visitors: int
    breakdown: dict[str, int] | None = None
    reason: str | None = None
    now: datetime


class OfferState(msgspec.Struct, frozen=True, kw_only=True):
    exists: bool = False
    site_id: UUID | None = None
    title: str = ""
    category: str = ""


class SessionState(msgspec.Struct, frozen=True, kw_only=True):
    exists: bool = False
    offer_id: UUID | None = None
    site_id: UUID | None = None
    occurrences: dict[datetime, datetime] = {}
    """Start -> end of every occurrence not cancelled."""
    cancelled: frozenset[datetime] = frozenset()
    visitors: dict[datetime, int] = {}
    """The figure standing now for each occurrence counted."""


initial_offer = OfferState()
initial_session = SessionState()


def decide(
    command: CreateOffer | ScheduleSession | RecordAttendance,
    state: tuple[SiteState, OfferState]
    | tuple[OfferState, RoomState, SessionState]
    | SessionState,
) -> list[Event]:
    """Decided on ``(site, offer)``, ``(offer, room, session)`` and ``session`` respectively."""
    match command, state:
        case CreateOffer(), (SiteState(exists=False), _):
            raise NotFound("site_id", "no such site", code="site_not_found")
        case CreateOffer(), (_, OfferState(exists=True)):
            raise Conflict("offer_id", "this offer exists already", code="exists")
        case CreateOffer(), _:
            require_text("title", command.title)
            if command.description is not None:
                require_lines("description", command.description, 5000)
            if command.category not in CATEGORIES:
                raise Invalid(
                    "category",
                    f"must be one of {', '.join(sorted(CATEGORIES))}",
                    code="unknown_category",
                )
            return [
                OfferCreated(
                    offer_id=command.offer_id,
                    site_id=command.site_id,
                    title=command.title.strip(),
                    category=command.category,
                    description=command.description,
                )
            ]
        case ScheduleSession(), (OfferState(exists=False), _, _):
            raise NotFound("offer_id", "no such offer", code="offer_not_found")
        case ScheduleSession(), (_, RoomState(exists=False), _):
            raise NotFound("room_id", "no such room", code="room_not_found")
        case ScheduleSession(), (_, _, SessionState(exists=True)):
            raise Conflict("session_id", "this session exists already", code="exists")
        case ScheduleSession(), (OfferState() as offer, RoomState() as room, _):
            return _schedule(command, offer, room)
        case RecordAttendance(), SessionState(exists=False):
            raise NotFound("session_id", "no such session", code="session_not_found")
        case RecordAttendance(), SessionState():
            return [_attendance(command, state)]
    raise TypeError(f"unknown command {command!r}")


def _schedule(command: ScheduleSession, offer: OfferState, room: RoomState) -> list[Event]:
    if room.site_id != offer.site_id:
        raise Invalid("room_id", "the room belongs to another site", code="other_site")
    occurrences = expand(command.starts_at, command.ends_at, command.recurrence)
    booked = book(
        room,
        room_id=command.room_id,
        booking_id=command.booking_id,
        title=offer.title,
        occurrences=occurrences,
        recurrence=command.recurrence,
        session_id=command.session_id,
    )
    scheduled = SessionScheduled(
        session_id=command.session_id,
        offer_id=command.offer_id,
        site_id=room.site_id,
        room_id=command.room_id,
        booking_id=command.booking_id,
        occurrences=occurrences,
        recurrence=command.recurrence,
    )
    return [booked, scheduled]


def _attendance(command: RecordAttendance, session: SessionState) -> Event:
    require_aware("occurrence_starts_at", command.occurrence_starts_at)
    started = command.occurrence_starts_at.astimezone(UTC)
    if started in session.cancelled:
        raise Conflict("occurrence_starts_at", "this occurrence was cancelled", code="cancelled")
    if started not in session.occurrences:
        raise NotFound("occurrence_starts_at", "no occurrence then", code="not_found")
    if started > command.now:
        raise Conflict("occurrence_starts_at", "this occurrence has not begun", code="not_held_yet")
    if command.visitors < 0:
        raise Invalid("visitors", "must not be negative", code="negative")
    for group, count in (command.breakdown or {}).items():
        require_line("breakdown", group, 100)
        if count < 0:
            raise Invalid(f"breakdown.{group}", "must not be negative", code="negative")
    if command.reason is not None:
        require_lines("reason", command.reason, 1000)
    previous = session.visitors.get(started)
    if previous is None:
        return AttendanceRecorded(
            session_id=command.session_id,
            occurrence_starts_at=started,
            visitors=command.visitors,
            breakdown=command.breakdown,
        )
    if not command.reason or not command.reason.strip():
        raise Invalid("reason", "a correction needs a reason", code="reason_required")
    return AttendanceCorrected(
        session_id=command.session_id,
        occurrence_starts_at=started,
        visitors=command.visitors,
        breakdown=command.breakdown,
        reason=command.reason.strip(),
        previous_visitors=previous,
    )


def evolve_offer(state: OfferState, event: Event) -> OfferState:
    match event:
        case OfferCreated(site_id=site_id, title=title, category=category):
            return OfferState(exists=True, site_id=site_id, title=title, category=category)
    return state


def evolve_session(state: SessionState, event: Event) -> SessionState:
    match event:
        case SessionScheduled(offer_id=offer_id, site_id=site_id, occurrences=occurrences):
            return SessionState(
                exists=True,
                offer_id=offer_id,
                site_id=site_id,
                occurrences={o.starts_at: o.ends_at for o in occurrences},
            )
        case SessionOccurrencesCancelled(occurrence_starts_at=starts):
            gone = frozenset(starts)
            return msgspec.structs.replace(
                state,
                occurrences={s: e for s, e in state.occurrences.items() if s not in gone},
                cancelled=state.cancelled | gone,
            )
        case AttendanceRecorded() | AttendanceCorrected():
            return msgspec.structs.replace(
                state, visitors={**state.visitors, event.occurrence_starts_at: event.visitors}
            )
    return state
