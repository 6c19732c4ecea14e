"""Expanding a booking into its occurrences: RFC 5545 RRULE in Europe/Berlin local time.

The rule runs on the local wall clock, so a weekly 18:00 stays 18:00 across a clock change;
each occurrence is then stored as a UTC instant.

Expansion is bounded in time, not only in occurrences found: dateutil walks a rule period by
period until it yields a date, and ``until`` is compared only with dates it yields, so a rule
that never matches (``BYMONTH=2;BYMONTHDAY=30``) walks day by day to the year 9999, seconds
of CPU (dateutil issues #1393 and #1441). Here the walk ends with the calendar year of the
horizon, two years past the first start, whatever the rule says: a few thousand periods at
most, since a series repeats at most daily.
"""

from __future__ import annotations

import datetime as datetime_module
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from itertools import islice
from types import FunctionType
from typing import Any
from zoneinfo import ZoneInfo

import dateutil.rrule
from dateutil.rrule import DAILY, rrule, rrulestr

from events.rooms import Occurrence, Recurrence
from services.commands.checks import HORIZON, require_aware, require_range
from services.commands.rejections import Invalid

BERLIN = ZoneInfo("Europe/Berlin")
MAX_OCCURRENCES = 500


def expand(
    starts_at: datetime, ends_at: datetime, recurrence: Recurrence | None, now: datetime
) -> list[Occurrence]:
    """Every occurrence of ``[starts_at, ends_at)`` repeated by ``recurrence``, in UTC, in order.

    The first occurrence is held to ``require_range`` (its length, and a start within two years
    of ``now``); the series may reach two years past its first start."""
    require_range(starts_at, ends_at, now)
    if recurrence is None:
        return [Occurrence(starts_at=starts_at.astimezone(UTC), ends_at=ends_at.astimezone(UTC))]
    first = starts_at.astimezone(BERLIN)
    wall_length = ends_at.astimezone(BERLIN).replace(tzinfo=None) - first.replace(tzinfo=None)
    if wall_length <= timedelta(0):  # the first ends in the second pass of a repeated hour
        wall_length = ends_at - starts_at
    horizon = first + HORIZON
    local_starts = _local_starts(_rule(recurrence, first), last_year=horizon.year)
    occurrences = []
    for local_start in local_starts:
        if local_start.replace(tzinfo=None) == first.replace(tzinfo=None):
            # The start as given: the rule's wall clock drops which pass of October's repeated
            # hour it meant (``fold``), and a start in the second would come an hour early.
            local_start, local_end = first, ends_at.astimezone(BERLIN)
        else:
            local_end = (local_start.replace(tzinfo=None) + wall_length).replace(tzinfo=BERLIN)
        if local_end > horizon:
            raise Invalid(
                "recurrence",
                "a series may not reach more than two years past its first start",
                code="beyond_horizon",
            )
        occurrences.append(
            Occurrence(starts_at=local_start.astimezone(UTC), ends_at=local_end.astimezone(UTC))
        )
    for earlier, later in zip(occurrences, occurrences[1:]):
        if earlier.ends_at > later.starts_at:
            raise Invalid(
                "recurrence.rrule",
                "the occurrences of this series overlap each other",
                code="occurrences_overlap",
            )
    return occurrences


def without_exdates(expanded: list[Occurrence], exdates: list[datetime]) -> list[Occurrence]:
    """The occurrences of a series without those starting at an exdate; a 422 naming the field
    if an exdate is not the start of one of them, or if none is left."""
    starts = {occurrence.starts_at for occurrence in expanded}
    left_out = set()
    for index, exdate in enumerate(exdates):
        field = f"recurrence.exdates[{index}]"
        require_aware(field, exdate)
        if exdate.astimezone(UTC) not in starts:
            raise Invalid(field, "is not the start of an occurrence of the series",
                          code="not_an_occurrence")
        left_out.add(exdate.astimezone(UTC))
    kept = [occurrence for occurrence in expanded if occurrence.starts_at not in left_out]
    if not kept:
        raise Invalid("recurrence.exdates", "leave no occurrence", code="no_occurrences")
    return kept


def _rule(recurrence: Recurrence, first: datetime) -> rrule:
    text = recurrence.rrule.strip()
    upper = text.upper()
    if not text or "DTSTART" in upper or "\n" in text:
        raise Invalid("recurrence.rrule", "rrule must be one RRULE value", code="bad_rrule")
    bounds_in_rule = "COUNT=" in upper or "UNTIL=" in upper
    given = (recurrence.until is not None) + (recurrence.count is not None)
    if given > 1 or (given and bounds_in_rule):
        raise Invalid("recurrence", "give either until or count, not both", code="two_bounds")
    if not given and not bounds_in_rule:
        raise Invalid("recurrence", "a series needs until or count", code="unbounded")
    if recurrence.count is not None and recurrence.count <= 0:
        raise Invalid("recurrence.count", "count must be at least 1", code="not_positive")
    if recurrence.until is not None and recurrence.until.utcoffset() is None:
        raise Invalid("recurrence.until", "until needs a UTC offset", code="no_offset")
    try:
        rule = rrulestr(text, dtstart=first)
        if not isinstance(rule, rrule):
            raise ValueError("not a single rule")
        if recurrence.count is not None:
            rule = rule.replace(count=recurrence.count)
        if recurrence.until is not None:
            rule = rule.replace(until=recurrence.until)
    except (ValueError, TypeError, KeyError, AttributeError) as error:
        raise Invalid(
            "recurrence.rrule", f"not a valid RRULE: {error}", code="bad_rrule"
        ) from None
    # dateutil keeps these parts private; it accepts an INTERVAL of 0 (a walk that never
    # advances) or below, and a finer FREQ would walk up to 63 million periods in two years.
    if rule._interval < 1:
        raise Invalid("recurrence.rrule", "INTERVAL must be at least 1", code="bad_rrule")
    if rule._freq > DAILY:
        raise Invalid(
            "recurrence.rrule",
            "a series repeats at most daily (for several a day: FREQ=DAILY;BYHOUR=...)",
            code="too_frequent",
        )
    return rule


def _local_starts(rule: rrule, *, last_year: int) -> list[datetime]:
    # At most one more than allowed is generated: an over-long rule costs nothing to refuse.
    try:
        starts = list(islice(_walk_until_end_of(rule, last_year), MAX_OCCURRENCES + 1))
    except ValueError as error:  # dateutil's own refusals met while walking
        raise Invalid(
            "recurrence.rrule", f"not a valid RRULE: {error}", code="bad_rrule"
        ) from None
    if not starts:
        raise Invalid(
            "recurrence",
            "the series has no occurrence within two years of its first start",
            code="no_occurrences",
        )
    if len(starts) > MAX_OCCURRENCES:
        raise Invalid(
            "recurrence",
            f"a series may have at most {MAX_OCCURRENCES} occurrences",
            code="too_many_occurrences",
        )
    count, until = rule._count, rule._until
    cut_short = (count is not None and len(starts) < count) or (
        until is not None
        and until.astimezone(BERLIN).replace(tzinfo=None) >= datetime(last_year + 1, 1, 1)
    )
    if cut_short:  # the walk ended with ``last_year``: the rule goes on past it
        raise Invalid(
            "recurrence",
            "a series may not reach more than two years past its first start",
            code="beyond_horizon",
        )
    return starts


class _DatetimeEndingIn:
    """The ``datetime`` module as dateutil's iteration sees it, with ``MAXYEAR`` lowered."""

    def __init__(self, last_year: int) -> None:
        self.MAXYEAR = last_year

    def __getattr__(self, name: str) -> Any:
        return getattr(datetime_module, name)


def _walk_until_end_of(rule: rrule, last_year: int) -> Iterator[datetime]:
    """dateutil's own iteration of ``rule`` (``rrule._iter``), ending after ``last_year``.

    Its walk ends only when a date is yielded past ``until``, when ``count`` dates were
    yielded, or after ``datetime.MAXYEAR``; this runs the same code with that last limit at
    ``last_year``. tests/unit/test_recurrence.py times a never-matching rule, so a dateutil
    that changed this would be noticed."""
    namespace = {**vars(dateutil.rrule), "datetime": _DatetimeEndingIn(last_year)}
    walk = FunctionType(rrule._iter.__code__, namespace, "_iter")
    return walk(rule)
