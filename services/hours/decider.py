"""Volunteer hours outside shifts: recording a timesheet line, and correcting it. Pure.

A line is decided on the volunteer's stream (no two of its lines overlap, nor a line and a
shift it holds: those hours count through the shift), the site's, and the offer's if named.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import msgspec

from events.base import Event
from events.hours import HoursCorrected, HoursRecorded
from services.commands.checks import HORIZON, require_aware, require_lines, require_text
from services.commands.decider import Decider, States, Stream
from services.commands.rejections import Conflict, Invalid, NotFound
from services.offers.state import OFFER
from services.sites.state import SITE
from services.volunteers.state import VOLUNTEER, Volunteer

LONGEST_LINE = timedelta(hours=14)
"""The most one line may hold: a long day, not a week entered as one line."""


class RecordHours(msgspec.Struct, frozen=True, kw_only=True):
    line_id: UUID
    volunteer_id: UUID
    site_id: UUID
    offer_id: UUID | None = None
    activity: str
    started_at: datetime
    ended_at: datetime
    now: datetime


class CorrectHours(msgspec.Struct, frozen=True, kw_only=True):
    """The line as it should have been, or ``withdrawn``; always with a reason."""

    line_id: UUID
    volunteer_id: UUID
    site_id: UUID
    offer_id: UUID | None = None
    activity: str
    started_at: datetime
    ended_at: datetime
    withdrawn: bool = False
    reason: str
    now: datetime


HoursCommand = RecordHours | CorrectHours


def streams(command: HoursCommand, loaded: States) -> list[Stream[Any]]:
    named = [VOLUNTEER(command.volunteer_id), SITE(command.site_id)]
    return named if command.offer_id is None else [*named, OFFER(command.offer_id)]


def decide(command: HoursCommand, states: States) -> list[Event]:
    volunteer = states[VOLUNTEER(command.volunteer_id)]
    if not volunteer.registered:
        raise NotFound("volunteer_id", "no such volunteer", code="volunteer_not_found")
    if not states[SITE(command.site_id)].exists:
        raise NotFound("site_id", "no such site", code="site_not_found")
    if command.offer_id is not None:
        offer = states[OFFER(command.offer_id)]
        if not offer.exists:
            raise NotFound("offer_id", "no such offer", code="offer_not_found")
        if offer.site_id != command.site_id:
            raise Invalid("offer_id", "the offer belongs to another site", code="other_site")
    require_text("activity", command.activity)
    started_at, ended_at = _span(command.started_at, command.ended_at, command.now)
    match command:
        case RecordHours():
            if volunteer.erased:
                raise Conflict("volunteer_id", "this volunteer's personal data is erased",
                               code="erased")
            if command.line_id in volunteer.lines:
                raise Conflict("line_id", "this line exists already", code="exists")
            _no_overlap(volunteer, command.line_id, started_at, ended_at)
            return [HoursRecorded(
                volunteer_id=command.volunteer_id, line_id=command.line_id,
                site_id=command.site_id, offer_id=command.offer_id,
                activity=command.activity.strip(), started_at=started_at, ended_at=ended_at)]
        case CorrectHours():
            if command.line_id not in volunteer.lines:
                raise NotFound("line_id", "no such line of this volunteer", code="not_found")
            require_lines("reason", command.reason, 1000)
            if not command.reason.strip():
                raise Invalid("reason", "a correction needs a reason", code="reason_required")
            if not command.withdrawn:
                _no_overlap(volunteer, command.line_id, started_at, ended_at)
            return [HoursCorrected(
                volunteer_id=command.volunteer_id, line_id=command.line_id,
                site_id=command.site_id, offer_id=command.offer_id,
                activity=command.activity.strip(), started_at=started_at, ended_at=ended_at,
                withdrawn=command.withdrawn, reason=command.reason.strip())]
    raise TypeError(f"unknown command {command!r}")


def _span(started_at: datetime, ended_at: datetime, now: datetime) -> tuple[datetime, datetime]:
    """A past ``[started_at, ended_at)`` of at most ``LONGEST_LINE``, in UTC."""
    require_aware("started_at", started_at)
    require_aware("ended_at", ended_at)
    if ended_at <= started_at:
        raise Invalid("ended_at", "must be after started_at", code="ends_before_start")
    if ended_at - started_at > LONGEST_LINE:
        hours = int(LONGEST_LINE.total_seconds() // 3600)
        raise Invalid("ended_at", f"a line may hold at most {hours} hours", code="too_long")
    if ended_at > now:
        raise Invalid("ended_at", "must not lie in the future", code="in_the_future")
    if started_at < now - HORIZON:
        raise Invalid("started_at", "may lie at most two years back", code="out_of_window")
    return started_at.astimezone(UTC), ended_at.astimezone(UTC)


def _no_overlap(volunteer: Volunteer, line_id: UUID, started_at: datetime,
                ended_at: datetime) -> None:
    lines = volunteer.overlapping_hours(started_at, ended_at, besides=line_id)
    if lines:
        raise Conflict("started_at", "the volunteer has hours recorded then already",
                       code="overlapping_hours", lines=lines)
    shifts = volunteer.overlapping(started_at, ended_at, besides=line_id)
    if shifts:
        raise Conflict("started_at", "the volunteer holds a shift then; its hours count there",
                       code="overlapping_shift", shifts=shifts)


HOURS = Decider(commands=(RecordHours, CorrectHours), kinds=(VOLUNTEER, SITE, OFFER),
                streams=streams, decide=decide)
