"""Shift series: one shift per occurrence of an RRULE, created in one atomic append.

The rule is expanded exactly as a room series is (``services/rooms/recurrence.py``: Europe/Berlin
wall clock, at most 500 occurrences and two years); ``exdates`` drop single occurrences. Each
shift's id follows from the series and its start, so the streams a series writes are known
before it is decided.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid5

import msgspec

from events.base import Event
from events.rooms import Occurrence, Recurrence
from events.shifts import ShiftSeriesCreated
from services.commands.decider import Decider, States, Stream
from services.commands.rejections import Conflict, NotFound, Rejection
from services.qualifications.decider import catalogue_streams, require_defined
from services.qualifications.state import QUALIFICATION
from services.rooms.recurrence import expand, without_exdates
from services.shifts.decider import CreateShift, shift_created
from services.shifts.state import SHIFT, SHIFT_SERIES
from services.offers.state import SESSION
from services.sites.state import SITE


class CreateShiftSeries(msgspec.Struct, frozen=True, kw_only=True):
    series_id: UUID
    site_id: UUID
    title: str
    starts_at: datetime
    ends_at: datetime
    capacity: int
    required_qualifications: list[str] = []
    recurrence: Recurrence
    exdates: list[datetime] = []
    """Starts of occurrences left out (each must be one of the rule's)."""
    now: datetime


def shift_id_of(series_id: UUID, starts_at: datetime) -> UUID:
    """The id of the series' shift starting at ``starts_at``."""
    return uuid5(series_id, starts_at.astimezone(UTC).isoformat())


def occurrences(command: CreateShiftSeries) -> list[Occurrence]:
    """The rule's occurrences without the ``exdates``; a 422 naming the field if none is left
    or an exdate is not one of them."""
    return without_exdates(
        expand(command.starts_at, command.ends_at, command.recurrence, command.now),
        command.exdates)


def streams(command: CreateShiftSeries, loaded: States) -> list[Stream[Any]]:
    try:
        shifts = [SHIFT(shift_id_of(command.series_id, o.starts_at)) for o in occurrences(command)]
    except Rejection:
        shifts = []  # decide refuses the rule with the same words
    return [SITE(command.site_id), SHIFT_SERIES(command.series_id),
            *catalogue_streams(command.required_qualifications), *shifts]


def decide(command: CreateShiftSeries, states: States) -> list[Event]:
    if not states[SITE(command.site_id)].exists:
        raise NotFound("site_id", "no such site", code="site_not_found")
    if states[SHIFT_SERIES(command.series_id)].exists:
        raise Conflict("series_id", "this series exists already", code="exists")
    created = [
        msgspec.structs.replace(shift_created(CreateShift(
            shift_id=shift_id_of(command.series_id, occurrence.starts_at),
            site_id=command.site_id, title=command.title, starts_at=occurrence.starts_at,
            ends_at=occurrence.ends_at, capacity=command.capacity,
            required_qualifications=command.required_qualifications, now=command.now,
        ), SESSION.initial), series_id=command.series_id)
        for occurrence in occurrences(command)
    ]
    require_defined("required_qualifications[{index}]", command.required_qualifications, states)
    series = ShiftSeriesCreated(
        series_id=command.series_id, site_id=command.site_id, title=created[0].title,
        recurrence=command.recurrence,
        exdates=[exdate.astimezone(UTC) for exdate in command.exdates],
        shift_ids=[shift.shift_id for shift in created])
    return [series, *created]


SHIFT_SERIES_DECIDER = Decider(commands=(CreateShiftSeries,),
                               kinds=(SITE, SHIFT_SERIES, SHIFT, QUALIFICATION),
                               streams=streams, decide=decide)
