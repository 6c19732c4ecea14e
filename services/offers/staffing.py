"""Shifts tied to an offer: "every Mittagstisch needs three kitchen helpers from 11:00 to
14:30 with food hygiene".

Planning writes the plan to the offer's stream and, in the same append, a shift for every
occurrence still ahead of each session the offer knows, each linked to its occurrence (so that
cancelling the occurrence cancels the shift). A session scheduled later gets the plan's shifts
when it is scheduled (``services/offers/decider.py``). A shift's id follows from the plan, the
session and the occurrence, so the streams to write are known before deciding.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, time
from typing import Any
from uuid import UUID, uuid5

import msgspec

from events.base import Event
from events.offers import OfferShiftsPlanned, SessionShiftLinked
from events.shifts import ShiftCreated
from services.commands.checks import require_positive, require_range, require_text
from services.commands.decider import Decider, States, Stream
from services.commands.rejections import Invalid, NotFound
from services.offers.state import OFFER, SESSION, SessionState
from services.qualifications.decider import catalogue_streams, require_defined
from services.qualifications.state import QUALIFICATION
from services.rooms.recurrence import BERLIN
from services.shifts.state import SHIFT

MOST_SHIFTS = 1000
_TIME = re.compile(r"\A([01]\d|2[0-3]):([0-5]\d)\Z")


class PlanOfferShifts(msgspec.Struct, frozen=True, kw_only=True):
    offer_id: UUID
    plan_id: UUID
    title: str
    starts_at_time: str
    """``HH:MM`` on the Berlin wall clock of each occurrence's date."""
    ends_at_time: str
    capacity: int
    required_qualifications: list[str] = []
    now: datetime


def wall_clock(field: str, value: str) -> time:
    match = _TIME.match(value.strip())
    if match is None:
        raise Invalid(field, "must be a time of day as HH:MM", code="bad_time")
    return time(int(match[1]), int(match[2]))


def shift_id_of(plan_id: UUID, session_id: UUID, occurrence_starts_at: datetime) -> UUID:
    return uuid5(plan_id, f"{session_id}/{occurrence_starts_at.astimezone(UTC).isoformat()}")


def _ahead(session: SessionState, now: datetime) -> list[datetime]:
    return sorted(start for start in session.occurrences if start > now)


def shift_streams(plans: tuple[OfferShiftsPlanned, ...] | list[OfferShiftsPlanned],
                  session_id: UUID, starts: list[datetime]) -> list[Stream[Any]]:
    return [SHIFT(shift_id_of(plan.plan_id, session_id, start))
            for plan in plans for start in starts]


def shifts_for(plan: OfferShiftsPlanned, site_id: UUID, session_id: UUID,
               starts: list[datetime], now: datetime) -> list[Event]:
    """The plan's shift on the date of each occurrence starting at ``starts``, each linked."""
    events: list[Event] = []
    begin = wall_clock("starts_at_time", plan.starts_at_time)
    end = wall_clock("ends_at_time", plan.ends_at_time)
    for start in starts:
        day = start.astimezone(BERLIN).date()
        starts_at = datetime.combine(day, begin, BERLIN).astimezone(UTC)
        ends_at = datetime.combine(day, end, BERLIN).astimezone(UTC)
        require_range(starts_at, ends_at, now)
        shift_id = shift_id_of(plan.plan_id, session_id, start)
        events += [
            ShiftCreated(shift_id=shift_id, site_id=site_id, title=plan.title,
                         starts_at=starts_at, ends_at=ends_at, capacity=plan.capacity,
                         required_qualifications=list(plan.required_qualifications),
                         session_id=session_id),
            SessionShiftLinked(session_id=session_id, shift_id=shift_id,
                               occurrence_starts_at=start),
        ]
    return events


def streams(command: PlanOfferShifts, loaded: States) -> list[Stream[Any]]:
    offer = loaded[OFFER(command.offer_id)]
    plan = [OfferShiftsPlanned(offer_id=command.offer_id, plan_id=command.plan_id, title="",
                               starts_at_time="", ends_at_time="", capacity=0)]
    return [OFFER(command.offer_id), *catalogue_streams(command.required_qualifications),
            *map(SESSION, offer.sessions),
            *(stream for session_id in offer.sessions for stream in shift_streams(
                plan, session_id, _ahead(loaded[SESSION(session_id)], command.now)))]


def decide(command: PlanOfferShifts, states: States) -> list[Event]:
    offer = states[OFFER(command.offer_id)]
    if not offer.exists:
        raise NotFound("offer_id", "no such offer", code="offer_not_found")
    require_text("title", command.title)
    begin = wall_clock("starts_at_time", command.starts_at_time)
    end = wall_clock("ends_at_time", command.ends_at_time)
    if end <= begin:
        raise Invalid("ends_at_time", "must be after starts_at_time", code="ends_before_start")
    require_positive("capacity", command.capacity)
    required = list(dict.fromkeys(q.strip() for q in command.required_qualifications))
    for index, code in enumerate(command.required_qualifications):
        require_text(f"required_qualifications[{index}]", code, 100)
    require_defined("required_qualifications[{index}]", command.required_qualifications, states)
    plan = OfferShiftsPlanned(
        offer_id=command.offer_id, plan_id=command.plan_id, title=command.title.strip(),
        starts_at_time=begin.strftime("%H:%M"), ends_at_time=end.strftime("%H:%M"),
        capacity=command.capacity, required_qualifications=required)
    assert offer.site_id is not None
    events: list[Event] = [plan]
    for session_id in offer.sessions:
        events += shifts_for(plan, offer.site_id, session_id,
                             _ahead(states[SESSION(session_id)], command.now), command.now)
    if len(events) - 1 > 2 * MOST_SHIFTS:
        raise Invalid("offer_id", f"a plan may create at most {MOST_SHIFTS} shifts at once",
                      code="too_many_shifts")
    return events


STAFFING = Decider(commands=(PlanOfferShifts,), kinds=(OFFER, SESSION, SHIFT, QUALIFICATION),
                   streams=streams, decide=decide)
