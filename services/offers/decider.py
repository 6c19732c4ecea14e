"""Offers, their sessions (a series or one date in a room) and the visitors counted.

Scheduling a session is decided on ``(offer, room, session)``: it books the room (the room's
own rules, ``rooms.decider.book``) and schedules the session, both in one append.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import msgspec

from events.base import Event
from events.offers import (
    CATEGORIES,
    AttendanceCorrected,
    AttendanceRecorded,
    OfferCreated,
    OfferDetailsChanged,
    OfferPublicationChanged,
    OfferSessionAdded,
    SessionScheduled,
)
from events.rooms import Recurrence
from services.commands.checks import require_aware, require_line, require_lines, require_text
from services.commands.decider import Decider, States, Stream
from services.offers.state import OFFER, SESSION, OfferState, SessionState
from services.commands.rejections import Conflict, Invalid, NotFound, Rejection
from services.offers.staffing import shift_streams, shifts_for
from services.rooms.decider import book
from services.rooms.recurrence import expand
from services.rooms.state import ROOM, RoomState
from services.shifts.state import SHIFT
from services.sites.state import SITE


class CreateOffer(msgspec.Struct, frozen=True, kw_only=True):
    offer_id: UUID
    site_id: UUID
    title: str
    category: str
    description: str | None = None
    public: bool = True
    public_description: str | None = None
    now: datetime


class SetOfferPublication(msgspec.Struct, frozen=True, kw_only=True):
    """Whether the offer is listed in the public programme, and its words there."""

    offer_id: UUID
    public: bool
    public_description: str | None = None
    now: datetime


class ChangeOffer(msgspec.Struct, frozen=True, kw_only=True):
    """The offer's title, category and staff description from now on (all three)."""

    offer_id: UUID
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


OfferCommand = (
    CreateOffer | SetOfferPublication | ChangeOffer | ScheduleSession | RecordAttendance
)
PUBLIC_DESCRIPTION_LENGTH = 2000


def streams(command: OfferCommand, loaded: States) -> list[Stream[Any]]:
    match command:
        case CreateOffer():
            return [SITE(command.site_id), OFFER(command.offer_id)]
        case ScheduleSession():
            # The offer's shift plans give the new session's occurrences their shifts.
            plans = loaded[OFFER(command.offer_id)].shift_plans
            return [OFFER(command.offer_id), ROOM(command.room_id), SESSION(command.session_id),
                    *(shift_streams(plans, command.session_id, _ahead(command)) if plans else ())]
        case SetOfferPublication() | ChangeOffer():
            return [OFFER(command.offer_id)]
    return [SESSION(command.session_id)]


def _ahead(command: ScheduleSession) -> list[datetime]:
    try:
        occurrences = expand(command.starts_at, command.ends_at, command.recurrence, command.now)
    except Rejection:
        return []  # decide refuses with the same words
    return [o.starts_at for o in occurrences if o.starts_at > command.now]


def decide(command: OfferCommand, states: States) -> list[Event]:
    match command:
        case CreateOffer():
            return _create(command, states[SITE(command.site_id)].exists,
                           states[OFFER(command.offer_id)])
        case ScheduleSession():
            return _schedule(command, states[OFFER(command.offer_id)],
                             states[ROOM(command.room_id)], states[SESSION(command.session_id)])
        case SetOfferPublication():
            return [_publication(command, states[OFFER(command.offer_id)])]
        case ChangeOffer():
            return [_change(command, states[OFFER(command.offer_id)])]
        case RecordAttendance():
            return [_attendance(command, states[SESSION(command.session_id)])]
    raise TypeError(f"unknown command {command!r}")


def _create(command: CreateOffer, site_exists: bool, offer: OfferState) -> list[Event]:
    if not site_exists:
        raise NotFound("site_id", "no such site", code="site_not_found")
    if offer.exists:
        raise Conflict("offer_id", "this offer exists already", code="exists")
    _require_details(command.title, command.category, command.description)
    return [
        OfferCreated(
            offer_id=command.offer_id,
            site_id=command.site_id,
            title=command.title.strip(),
            category=command.category,
            description=command.description,
            public=command.public,
            public_description=_public_description(command.public_description),
        )
    ]


def _require_details(title: str, category: str, description: str | None) -> None:
    """An offer's title, category and staff description, as creating and changing take them."""
    require_text("title", title)
    if description is not None:
        require_lines("description", description, 5000)
    if category not in CATEGORIES:
        raise Invalid(
            "category",
            f"must be one of {', '.join(sorted(CATEGORIES))}",
            code="unknown_category",
        )


def _change(command: ChangeOffer, offer: OfferState) -> Event:
    """New words for the offer. A change to what it says already is refused (``unchanged``):
    the history records changes, and the handler appends no empty ones."""
    if not offer.exists:
        raise NotFound("offer_id", "no such offer", code="offer_not_found")
    _require_details(command.title, command.category, command.description)
    title, description = command.title.strip(), (command.description or "").strip() or None
    if (title, command.category, description) == (
            offer.title, offer.category, (offer.description or "").strip() or None):
        raise Conflict("title", "the offer says so already", code="unchanged")
    return OfferDetailsChanged(offer_id=command.offer_id, title=title,
                               category=command.category, description=description)


def _public_description(text: str | None) -> str | None:
    if text is not None:
        require_lines("public_description", text, PUBLIC_DESCRIPTION_LENGTH)
    return (text or "").strip() or None


def _publication(command: SetOfferPublication, offer: OfferState) -> Event:
    if not offer.exists:
        raise NotFound("offer_id", "no such offer", code="offer_not_found")
    return OfferPublicationChanged(
        offer_id=command.offer_id, public=command.public,
        public_description=_public_description(command.public_description))


def _schedule(
    command: ScheduleSession, offer: OfferState, room: RoomState, session: SessionState
) -> list[Event]:
    if not offer.exists:
        raise NotFound("offer_id", "no such offer", code="offer_not_found")
    if not room.exists:
        raise NotFound("room_id", "no such room", code="room_not_found")
    if session.exists:
        raise Conflict("session_id", "this session exists already", code="exists")
    if room.site_id != offer.site_id:
        raise Invalid("room_id", "the room belongs to another site", code="other_site")
    occurrences = expand(command.starts_at, command.ends_at, command.recurrence, command.now)
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
    added = OfferSessionAdded(offer_id=command.offer_id, session_id=command.session_id)
    ahead = _ahead(command) if offer.shift_plans else []
    staffed = [event for plan in offer.shift_plans for event in shifts_for(
        plan, room.site_id, command.session_id, ahead, command.now)]
    return [booked, scheduled, added, *staffed]


def _attendance(command: RecordAttendance, session: SessionState) -> Event:
    if not session.exists:
        raise NotFound("session_id", "no such session", code="session_not_found")
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
    if sum((command.breakdown or {}).values()) > command.visitors:
        raise Invalid("breakdown", "its groups add up to more than the visitors",
                      code="exceeds_visitors")
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



OFFERS = Decider(commands=(CreateOffer, SetOfferPublication, ChangeOffer, ScheduleSession,
                           RecordAttendance),
                 kinds=(SITE, OFFER, ROOM, SESSION, SHIFT), streams=streams, decide=decide)
