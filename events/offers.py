"""Events of offers (``offer-<id>``) and of their sessions (``session-<id>``).

A session is one scheduled series (or single date) of an offer in a room; its occurrences,
their cancellations and the visitors counted at each held occurrence live on its stream.
Attendance events occur at the occurrence's start, whenever they are recorded.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from events.base import Event
from events.rooms import Occurrence, Recurrence

CATEGORIES = frozenset(
    {"movement", "mental_health", "civic_engagement", "participation", "community"}
)


class OfferCreated(Event, tag="offer.created", frozen=True, kw_only=True):
    offer_id: UUID
    site_id: UUID
    title: str
    category: str
    description: str | None = None
    public: bool = True
    """Listed in the public programme; offers from before this field were all public."""
    public_description: str | None = None
    """What the public programme says about it (``description`` is the staff's)."""


class OfferPublicationChanged(Event, tag="offer.publication_changed", frozen=True, kw_only=True):
    """Whether the offer is in the public programme, and what it says there, from now on."""

    offer_id: UUID
    public: bool
    public_description: str | None = None


class SessionScheduled(Event, tag="session.scheduled", frozen=True, kw_only=True):
    session_id: UUID
    offer_id: UUID
    site_id: UUID
    room_id: UUID
    booking_id: UUID
    occurrences: list[Occurrence]
    recurrence: Recurrence | None = None


class SessionOccurrencesCancelled(
    Event, tag="session.occurrences_cancelled", frozen=True, kw_only=True
):
    session_id: UUID
    occurrence_starts_at: list[datetime]
    reason: str | None = None
    reason_public: bool = False
    """The reason may be shown in the public programme; cancellations from before this field
    had no reason, and none of theirs is public."""


class AttendanceRecorded(Event, tag="session.attendance_recorded", frozen=True, kw_only=True):
    session_id: UUID
    occurrence_starts_at: datetime
    visitors: int
    breakdown: dict[str, int] | None = None


class AttendanceCorrected(Event, tag="session.attendance_corrected", frozen=True, kw_only=True):
    """A later figure for an occurrence; the earlier one stays in the history."""

    session_id: UUID
    occurrence_starts_at: datetime
    visitors: int
    breakdown: dict[str, int] | None = None
    reason: str
    previous_visitors: int


OfferEvent = OfferCreated | OfferPublicationChanged
SessionEvent = (
    SessionScheduled | SessionOccurrencesCancelled | AttendanceRecorded | AttendanceCorrected
)
EVENTS = (
    OfferCreated,
    OfferPublicationChanged,
    SessionScheduled,
    SessionOccurrencesCancelled,
    AttendanceRecorded,
    AttendanceCorrected,
)
