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
    OfferPublicationChanged,
    SessionOccurrencesCancelled,
    SessionScheduled,
)
from services.commands.decider import StreamKind


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


OFFER = StreamKind("offer", OfferState(), evolve_offer,
                   {OfferCreated: "offer_id", OfferPublicationChanged: "offer_id"})
def visitors_counted_at(event: Event, now: datetime) -> datetime:
    """Visitors were there when the occurrence began, whenever they are counted."""
    match event:
        case AttendanceRecorded() | AttendanceCorrected():
            return event.occurrence_starts_at
    return now


SESSION = StreamKind("session", SessionState(), evolve_session, dict.fromkeys(
    (SessionScheduled, SessionOccurrencesCancelled, AttendanceRecorded, AttendanceCorrected),
    "session_id"), occurred_at=visitors_counted_at)
