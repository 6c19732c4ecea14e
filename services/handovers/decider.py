"""Handing a shift over: the holder offers its place, a colleague accepts it.

Offering is decided on the shift (the holder must hold it), the handover and the colleague
asked; nothing moves: until someone accepts, the holder keeps the shift. Accepting is decided
on the handover, the shift and both volunteers' streams, with the claim's own rules for the
taker (``require_can_take``), and moves the place in one atomic append across all four.

An offer is closed, and accepting it is 409, once it is accepted, once its holder withdraws it,
and once the claim it offered ends (released, handed over through another offer, the shift
cancelled): the offer names which of the holder's claims of the shift it offers
(``ShiftState.claims_of``), so a place released and claimed again is not offered by the old
offer.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import msgspec

from events.base import Event
from events.handovers import HandoverAccepted, HandoverOffered, HandoverWithdrawn
from events.shifts import ShiftClaimReleased, ShiftWaitlistLeft, VolunteerShiftReleased
from services.commands.decider import Decider, States, Stream
from services.commands.rejections import Conflict, Invalid, NotFound
from services.handovers.state import HANDOVER, HandoverState
from services.shifts.decider import require_can_take, taken
from services.shifts.state import SHIFT, ShiftState
from services.volunteers.state import VOLUNTEER


class OfferHandover(msgspec.Struct, frozen=True, kw_only=True):
    handover_id: UUID
    shift_id: UUID
    volunteer_id: UUID
    """The holder."""
    to_volunteer_id: UUID | None = None
    now: datetime


class AcceptHandover(msgspec.Struct, frozen=True, kw_only=True):
    handover_id: UUID
    volunteer_id: UUID
    """Who takes the place."""
    now: datetime


class WithdrawHandover(msgspec.Struct, frozen=True, kw_only=True):
    handover_id: UUID
    volunteer_id: UUID
    """Who withdraws: only the holder who offered it."""
    now: datetime


HandoverCommand = OfferHandover | AcceptHandover | WithdrawHandover


def streams(command: HandoverCommand, loaded: States) -> list[Stream[Any]]:
    handover = HANDOVER(command.handover_id)
    match command:
        case OfferHandover(to_volunteer_id=None):
            return [SHIFT(command.shift_id), handover]
        case OfferHandover(to_volunteer_id=colleague):
            return [SHIFT(command.shift_id), handover, VOLUNTEER(colleague)]
        case WithdrawHandover():
            return [handover]
        case AcceptHandover():
            offered: HandoverState = loaded[handover]
            if offered.shift_id is None or offered.from_volunteer_id is None:
                return [handover]
            return [handover, SHIFT(offered.shift_id), VOLUNTEER(offered.from_volunteer_id),
                    VOLUNTEER(command.volunteer_id)]
    raise TypeError(f"unknown command {command!r}")


def decide(command: HandoverCommand, states: States) -> list[Event]:
    handover = states[HANDOVER(command.handover_id)]
    match command:
        case OfferHandover():
            return [_offer(command, handover, states[SHIFT(command.shift_id)], states)]
        case AcceptHandover():
            return _accept(command, handover, states)
        case WithdrawHandover():
            return [_withdraw(command, handover)]
    raise TypeError(f"unknown command {command!r}")


def _require_open(shift: ShiftState, holder: UUID, now: datetime,
                  claim: int | None = None) -> None:
    """The holder still holds a place (``claim``: that claim of its) on a shift that has not
    begun."""
    if not shift.exists:
        raise NotFound("shift_id", "no such shift", code="shift_not_found")
    assert shift.starts_at is not None
    if shift.cancelled:
        raise Conflict("shift_id", "the shift was cancelled", code="cancelled")
    if now >= shift.starts_at:
        raise Conflict("shift_id", "the shift has started", code="shift_started")
    if holder not in shift.claimed or claim not in (None, shift.claims_of.get(holder)):
        raise Conflict("handover_id", "this offer has ended: who offered it no longer holds "
                       "the place it offered", code="handover_closed")


def _offer(command: OfferHandover, handover: HandoverState, shift: ShiftState,
           states: States) -> HandoverOffered:
    if handover.exists:
        raise Conflict("handover_id", "this handover exists already", code="exists")
    if not shift.exists:
        raise NotFound("shift_id", "no such shift", code="shift_not_found")
    if command.volunteer_id not in shift.claimed:
        raise NotFound("volunteer_id", "holds no place on this shift", code="no_claim")
    _require_open(shift, command.volunteer_id, command.now)
    colleague = command.to_volunteer_id
    if colleague is not None:
        if colleague == command.volunteer_id:
            raise Invalid("to_volunteer_id", "is the holder", code="to_self")
        if not states[VOLUNTEER(colleague)].active:
            raise NotFound("to_volunteer_id", "no such volunteer", code="volunteer_not_found")
        if colleague in shift.claimed:
            raise Conflict("to_volunteer_id", "already holds this shift", code="already_claimed")
    assert shift.site_id is not None and shift.starts_at is not None
    assert shift.ends_at is not None
    return HandoverOffered(handover_id=command.handover_id, shift_id=command.shift_id,
                           site_id=shift.site_id, from_volunteer_id=command.volunteer_id,
                           to_volunteer_id=colleague, title=shift.title,
                           starts_at=shift.starts_at, ends_at=shift.ends_at,
                           claim=shift.claims_of.get(command.volunteer_id))


def _accept(command: AcceptHandover, handover: HandoverState, states: States) -> list[Event]:
    if not handover.exists:
        raise NotFound("handover_id", "no such handover", code="handover_not_found")
    assert handover.shift_id is not None and handover.from_volunteer_id is not None
    _require_not_closed(handover)
    taker, holder = command.volunteer_id, handover.from_volunteer_id
    if handover.to_volunteer_id not in (None, taker):
        raise Conflict("volunteer_id", "offered to someone else", code="not_offered_to_you")
    if taker == holder:
        raise Conflict("volunteer_id", "is the holder", code="to_self")
    shift = states[SHIFT(handover.shift_id)]
    _require_open(shift, holder, command.now, handover.claim)
    require_can_take(handover.shift_id, taker, shift, states[VOLUNTEER(taker)], command.now)
    assert shift.site_id is not None and shift.starts_at is not None
    assert shift.ends_at is not None
    events: list[Event] = [HandoverAccepted(
        handover_id=command.handover_id, shift_id=handover.shift_id, site_id=shift.site_id,
        from_volunteer_id=holder, to_volunteer_id=taker, title=shift.title,
        starts_at=shift.starts_at, ends_at=shift.ends_at)]
    if taker in shift.waitlist:
        events.append(ShiftWaitlistLeft(shift_id=handover.shift_id, volunteer_id=taker))
    events += [ShiftClaimReleased(shift_id=handover.shift_id, volunteer_id=holder),
               VolunteerShiftReleased(volunteer_id=holder, shift_id=handover.shift_id),
               *taken(handover.shift_id, taker, shift)]
    return events


def _require_not_closed(handover: HandoverState) -> None:
    if handover.accepted_by is not None:
        raise Conflict("handover_id", "taken already", code="handover_taken")
    if handover.withdrawn:
        raise Conflict("handover_id", "the holder withdrew this offer", code="handover_withdrawn")


def _withdraw(command: WithdrawHandover, handover: HandoverState) -> HandoverWithdrawn:
    if not handover.exists or handover.from_volunteer_id != command.volunteer_id:
        raise NotFound("handover_id", "no such offer of yours", code="handover_not_found")
    _require_not_closed(handover)
    assert handover.shift_id is not None
    return HandoverWithdrawn(handover_id=command.handover_id, shift_id=handover.shift_id,
                             from_volunteer_id=command.volunteer_id)


HANDOVERS = Decider(commands=(OfferHandover, AcceptHandover, WithdrawHandover),
                    kinds=(HANDOVER, SHIFT, VOLUNTEER), streams=streams, decide=decide)
