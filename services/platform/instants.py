"""The instants and days a request may name, in a body or a query parameter.

An instant is RFC 3339 with a UTC offset and lies between the years 2 and 9998 (UTC). Python
holds the years 1 to 9999 only: ``0001-01-01T00:00+01:00`` has no UTC, and asyncpg, the
Berlin wall clock or a two-year horizon added to ``9999-12-31`` leave the range too. With a
year's margin on either side every such conversion stays inside it, so a value out of range
is a 422 naming its field here rather than an OverflowError deep inside.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from services.commands.rejections import Invalid

EARLIEST = datetime(2, 1, 1, tzinfo=UTC)
LATEST = datetime(9998, 12, 31, tzinfo=UTC)

# A "+01:00" offset sent unencoded in a query string arrives as " 01:00".
_UNENCODED_PLUS = re.compile(r"^(\S+T[0-9:.]+) ([0-9]{2}:?[0-9]{2})$")


def require_representable(field: str, moment: datetime) -> None:
    """``moment`` (aware) lies within ``EARLIEST`` and ``LATEST``; comparing never converts."""
    if not EARLIEST <= moment <= LATEST:
        raise Invalid(field, "must lie between the years 2 and 9998", code="out_of_range")


def parse_instant(field: str, value: str | None) -> datetime | None:
    """An RFC 3339 instant with offset from a query parameter (as given, not converted)."""
    if value is None:
        return None
    value = _UNENCODED_PLUS.sub(r"\1+\2", value.strip())
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise Invalid(field, "must be an RFC 3339 time with offset", code="invalid_time") from None
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise Invalid(field, "needs a UTC offset, e.g. +01:00", code="offset_missing")
    require_representable(field, moment)
    return moment


def parse_day(field: str, value: str | None, default: date) -> date:
    """A day like ``2026-03-31`` from a query parameter, within the years 2 to 9998."""
    if value is None:
        return default
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise Invalid(field, "must be a date like 2026-03-31", code="invalid_date") from None
    if not EARLIEST.date() <= day <= LATEST.date():
        raise Invalid(field, "must lie between the years 2 and 9998", code="out_of_range")
    return day
