"""Dates for tests, relative to today, so the suite passes in any year.

Bookings, sessions, trainings and shifts may start at most two years ahead (``HORIZON``). Every
day of next year lies ahead of today and less than two years ahead, and keeps its season: early
March is winter time in Berlin (UTC+1), June summer time (UTC+2). So tests take their fixed
days from next year, and the weekday or clock change a test relies on is computed.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

BERLIN = ZoneInfo("Europe/Berlin")


def next_year() -> int:
    return datetime.now(UTC).year + 1


def first_monday(month: int, year: int | None = None) -> date:
    """The first Monday of ``month`` (next year unless given): a week that lies inside it."""
    first = date(year or next_year(), month, 1)
    return first + timedelta(days=-first.weekday() % 7)


def clock_change(month: int, year: int | None = None) -> date:
    """The last Sunday of ``month`` (next year unless given): in March Europe's clocks go
    forward (02:00 becomes 03:00), in October back (03:00 becomes 02:00 again)."""
    following = date(year or next_year(), month % 12 + 1, 1)
    last = following - timedelta(days=1)
    return last - timedelta(days=(last.weekday() + 1) % 7)


def berlin(day: date, clock: str = "00:00") -> str:
    """``clock`` on ``day`` in Berlin as ISO 8601 with that moment's offset, e.g.
    ``2027-03-03T18:00:00+01:00`` (the first pass of October's repeated hour)."""
    return datetime.combine(day, time.fromisoformat(clock), BERLIN).isoformat()


def utc(moment: date | str | datetime, clock: str = "00:00") -> str:
    """An instant as the API writes it, in UTC with ``Z``: ``clock`` UTC on a day, or an
    ISO 8601 text or aware datetime converted, e.g. ``utc(berlin(day, "18:00"))``."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    elif not isinstance(moment, datetime):
        moment = datetime.combine(moment, time.fromisoformat(clock), UTC)
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
