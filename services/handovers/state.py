"""A handover's stream (``handover-<id>``) and its one fold."""

from __future__ import annotations

from uuid import UUID

import msgspec

from events.base import Event
from events.handovers import HandoverAccepted, HandoverOffered, HandoverWithdrawn
from services.commands.decider import StreamKind


class HandoverState(msgspec.Struct, frozen=True, kw_only=True):
    exists: bool = False
    shift_id: UUID | None = None
    site_id: UUID | None = None
    from_volunteer_id: UUID | None = None
    to_volunteer_id: UUID | None = None
    """The colleague asked; None: every volunteer of the site."""
    accepted_by: UUID | None = None
    withdrawn: bool = False
    claim: int | None = None
    """The holder's claim offered (``ShiftState.claims_of``); None: offered before it was kept."""


def evolve(state: HandoverState, event: Event) -> HandoverState:
    match event:
        case HandoverOffered():
            return HandoverState(exists=True, shift_id=event.shift_id, site_id=event.site_id,
                                 from_volunteer_id=event.from_volunteer_id,
                                 to_volunteer_id=event.to_volunteer_id, claim=event.claim)
        case HandoverAccepted(to_volunteer_id=taker):
            return msgspec.structs.replace(state, accepted_by=taker)
        case HandoverWithdrawn():
            return msgspec.structs.replace(state, withdrawn=True)
    return state


HANDOVER = StreamKind("handover", HandoverState(), evolve,
                      dict.fromkeys((HandoverOffered, HandoverAccepted, HandoverWithdrawn),
                                    "handover_id"))
