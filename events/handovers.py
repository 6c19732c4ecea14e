"""Events of a handover's stream (``handover-<id>``): a holder offers its place on a shift to a
named colleague or to every volunteer of the site; accepting moves the place.

Accepting is one atomic append across four streams: ``handover.accepted`` here,
``shift.claim_released`` and ``shift.claimed`` on the shift's stream, and
``volunteer.shift_released`` / ``volunteer.shift_claimed`` on the two volunteers' streams; so every
read model of claims follows without knowing handovers. Both events carry what a message about
them needs (the shift's title, site and times; names are read from the volunteers' ids).
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from events.base import Event


class HandoverOffered(Event, tag="handover.offered", frozen=True, kw_only=True):
    handover_id: UUID
    shift_id: UUID
    site_id: UUID
    from_volunteer_id: UUID
    to_volunteer_id: UUID | None = None
    """The colleague asked; None: every volunteer of the site."""
    title: str
    starts_at: datetime
    ends_at: datetime
    claim: int | None = None
    """Which of the holder's claims of the shift is offered (1 for its first, 2 after it released
    and claimed again, ...): the offer ends with that claim. None in offers stored before."""


class HandoverAccepted(Event, tag="handover.accepted", frozen=True, kw_only=True):
    handover_id: UUID
    shift_id: UUID
    site_id: UUID
    from_volunteer_id: UUID
    to_volunteer_id: UUID
    """Who took the place."""
    title: str
    starts_at: datetime
    ends_at: datetime


class HandoverWithdrawn(Event, tag="handover.withdrawn", frozen=True, kw_only=True):
    """The holder took the offer back before anyone accepted it; it keeps the shift."""

    handover_id: UUID
    shift_id: UUID
    from_volunteer_id: UUID


EVENTS = (HandoverOffered, HandoverAccepted, HandoverWithdrawn)
