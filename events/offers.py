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


class OfferDetailsChanged(Event, tag="offer.details_changed", frozen=True, kw_only=True):
    """The offer's title, category and staff description from now on (all three, as a whole:
    ``description`` None has none). What was valid before stays in the history, so a report
    replayed as of an earlier instant names the offer as it was then."""

    offer_id: UUID
    title: str
    category: str
    description: str | None = None


class OfferSessionAdded(Event, tag="offer.session_added", frozen=True, kw_only=True):
    """The offer hears of a session scheduled for it (so that its shift plans reach it)."""

    offer_id: UUID
    session_id: UUID


class OfferShiftsPlanned(Event, tag="offer.shifts_planned", frozen=True, kw_only=True):
    """Every occurrence of the offer's sessions from now on needs a shift: on the occurrence's
    Berlin date from ``starts_at_time`` to ``ends_at_time`` (``HH:MM``, wall clock). Sessions
    scheduled later get theirs when they are scheduled."""

    offer_id: UUID
    plan_id: UUID
    title: str
    starts_at_time: str
    ends_at_time: str
    capacity: int
    required_qualifications: list[str] = []


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
    """Why, when the coordinator said (it is passed on to the linked shifts' volunteers)."""
    reason_public: bool = False
    """The reason may be shown in the public programme; cancellations from before this field
    had no reason, and none of theirs is public."""


class SessionShiftLinked(Event, tag="session.shift_linked", frozen=True, kw_only=True):
    """A shift serves one occurrence of the session: cancelling the occurrence cancels it."""

    session_id: UUID
    shift_id: UUID
    occurrence_starts_at: datetime


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


OfferEvent = (
    OfferCreated | OfferPublicationChanged | OfferDetailsChanged | OfferSessionAdded
    | OfferShiftsPlanned
)
SessionEvent = (
    SessionScheduled | SessionOccurrencesCancelled | AttendanceRecorded | AttendanceCorrected
    | SessionShiftLinked
)
EVENTS = (
    OfferCreated,
    OfferPublicationChanged,
    OfferDetailsChanged,
    OfferSessionAdded,
    OfferShiftsPlanned,
    SessionScheduled,
    SessionOccurrencesCancelled,
    AttendanceRecorded,
    AttendanceCorrected,
    SessionShiftLinked,
)
