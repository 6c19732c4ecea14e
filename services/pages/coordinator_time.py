"""Times on the coordinator's pages: shown and entered in Europe/Berlin local time.

Form inputs (``<input type=date>``, ``<input type=time>``) send wall-clock values; they become
aware instants here. A wall-clock time that does not exist (the hour skipped in spring) is
refused naming the field, rather than silently shifted. The zone and showing an instant in it
are the pages' shared ``local_time``'s.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from services.platform.instants import EARLIEST, LATEST
from services.pages.local_time import BERLIN


class FormError(Exception):
    """A form field that cannot be read; ``key`` is the message's i18n key."""

    def __init__(self, field: str, key: str) -> None:
        super().__init__(f"{field}: {key}")
        self.field = field
        self.key = key


def parse_date(field: str, value: str) -> date:
    """A day of a form; one outside the years 2 to 9998 (services/instants.py) is invalid too,
    so that its instants stay convertible."""
    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        raise FormError(field, "form.date_invalid") from None
    if not EARLIEST.date() <= day <= LATEST.date():
        raise FormError(field, "form.date_invalid")
    return day


def parse_time(field: str, value: str) -> time:
    try:
        return time.fromisoformat(value.strip())
    except ValueError:
        raise FormError(field, "form.time_invalid") from None


def local_instant(field: str, day: date, clock: time) -> datetime:
    """The aware instant of a Berlin wall-clock time; a time skipped by the clock change is a
    FormError (in the autumn's repeated hour, the first of the two is meant)."""
    moment = datetime.combine(day, clock, tzinfo=BERLIN)
    round_trip = moment.astimezone(UTC).astimezone(BERLIN)
    if round_trip.replace(tzinfo=None) != moment.replace(tzinfo=None):
        raise FormError(field, "form.time_skipped")
    return moment


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def this_week() -> date:
    return monday_of(datetime.now(BERLIN).date())


def week_bounds(monday: date) -> tuple[datetime, datetime]:
    """The half-open week ``[Monday 00:00, next Monday 00:00)`` in Berlin time."""
    start = datetime.combine(monday, time(), tzinfo=BERLIN)
    end = datetime.combine(monday + timedelta(days=7), time(), tzinfo=BERLIN)
    return start, end
