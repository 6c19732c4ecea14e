"""Expanding a booking into its occurrences: RFC 5545 RRULE in Europe/Berlin local time.

The rule runs on the local wall clock, so a weekly 18:00 stays 18:00 across a clock change;
each occurrence is then stored as a UTC instant.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import islice
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from dateutil.rrule import rrule, rrulestr

from events.rooms import Occurrence, Recurrence
from services.commands.checks import require_range
from services.commands.rejections import Invalid

BERLIN = ZoneInfo("Europe/Berlin")
MAX_OCCURRENCES = 500
HORIZON = relativedelta(years=2)


def expand(
    starts_at: datetime, ends_at: datetime, recurrence: Recurrence | None
) -> list[Occurrence]:
    """Every occurrence of ``[starts_at, ends_at)`` repeated by ``recurrence``, in UTC, in order."""
    require_range(starts_at, ends_at)
    if recurrence is None:
        return [Occurrence(starts_at=starts_at.astimezone(UTC), ends_at=ends_at.astimezone(UTC))]
    first = starts_at.astimezone(BERLIN)
    wall_length = ends_at.astimezone(BERLIN).replace(tzinfo=None) - first.replace(tzinfo=None)
    if wall_length <= timedelta(0):  # the first ends in the second pass of a repeated hour
        wall_length = ends_at - starts_at
    local_starts = _local_starts(_rule(recurrence, first))
    horizon = first + HORIZON
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
    return rule


def _local_starts(rule: rrule) -> list[datetime]:
    # At most one more than allowed is generated: an over-long rule costs nothing to refuse.
    starts = list(islice(rule, MAX_OCCURRENCES + 1))
    if not starts:
        raise Invalid("recurrence", "the series has no occurrence", code="no_occurrences")
    if len(starts) > MAX_OCCURRENCES:
        raise Invalid(
            "recurrence",
            f"a series may have at most {MAX_OCCURRENCES} occurrences",
            code="too_many_occurrences",
        )
    return starts
