"""An offer's stream (``offer-<id>``) and a session's (``session-<id>``: one date or a series of
an offer in a room, and the visitors counted), each with its one fold."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import msgspec

from events.base import Event
from events.offers import (
    AttendanceCorrected,
    AttendanceRecorded,
    OfferCreated,
    OfferDetailsChanged,
    OfferPublicationChanged,
    OfferSessionAdded,
    OfferShiftsPlanned,
    SessionOccurrencesCancelled,
    SessionScheduled,
    SessionShiftLinked,
)
from services.commands.decider import StreamKind


class OfferState(msgspec.Struct, frozen=True, kw_only=True):
    exists: bool = False
    site_id: UUID | None = None
    title: str = ""
    category: str = ""
    description: str | None = None
    """The staff's description (``offer.created``, ``offer.details_changed``)."""
    sessions: tuple[UUID, ...] = ()
    """Sessions scheduled since offers hear of them (``offer.session_added``)."""
    shift_plans: tuple[OfferShiftsPlanned, ...] = ()


class SessionState(msgspec.Struct, frozen=True, kw_only=True):
    exists: bool = False
    offer_id: UUID | None = None
    site_id: UUID | None = None
    occurrences: dict[datetime, datetime] = {}
    """Start -> end of every occurrence not cancelled."""
    cancelled: frozenset[datetime] = frozenset()
    visitors: dict[datetime, int] = {}
    """The figure standing now for each occurrence counted."""
    shifts: dict[datetime, tuple[UUID, ...]] = {}
    """Occurrence start -> the shifts linked to it (``session.shift_linked``)."""

    def occurrence_of(self, starts_at: datetime, ends_at: datetime) -> datetime | None:
        """The start of the (first) occurrence ``[starts_at, ends_at)`` overlaps, if any."""
        return next((start for start, end in sorted(self.occurrences.items())
                     if start < ends_at and starts_at < end), None)

    def linked_to(self, starts: list[datetime]) -> list[UUID]:
        """The shifts linked to the occurrences starting at ``starts``."""
        return [shift for start in starts for shift in self.shifts.get(start, ())]


def evolve_offer(state: OfferState, event: Event) -> OfferState:
    match event:
        case OfferCreated(site_id=site_id, title=title, category=category):
            return OfferState(exists=True, site_id=site_id, title=title, category=category,
                              description=event.description)
        case OfferDetailsChanged(title=title, category=category, description=description):
            return msgspec.structs.replace(state, title=title, category=category,
                                           description=description)
        case OfferSessionAdded(session_id=session_id):
            return msgspec.structs.replace(state, sessions=(*state.sessions, session_id))
        case OfferShiftsPlanned():
            return msgspec.structs.replace(state, shift_plans=(*state.shift_plans, event))
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
        case SessionShiftLinked(shift_id=shift_id, occurrence_starts_at=start):
            return msgspec.structs.replace(
                state, shifts={**state.shifts, start: (*state.shifts.get(start, ()), shift_id)})
        case AttendanceRecorded() | AttendanceCorrected():
            return msgspec.structs.replace(
                state, visitors={**state.visitors, event.occurrence_starts_at: event.visitors}
            )
    return state


OFFER = StreamKind("offer", OfferState(), evolve_offer, dict.fromkeys(
    (OfferCreated, OfferPublicationChanged, OfferDetailsChanged, OfferSessionAdded,
     OfferShiftsPlanned), "offer_id"))
def visitors_counted_at(event: Event, now: datetime) -> datetime:
    """Visitors were there when the occurrence began, whenever they are counted."""
    match event:
        case AttendanceRecorded() | AttendanceCorrected():
            return event.occurrence_starts_at
    return now


SESSION = StreamKind("session", SessionState(), evolve_session, dict.fromkeys(
    (SessionScheduled, SessionOccurrencesCancelled, AttendanceRecorded, AttendanceCorrected,
     SessionShiftLinked), "session_id"), occurred_at=visitors_counted_at)
