"""Times as the volunteer's and auditor's pages show and read them: Europe/Berlin wall clock,
written per language by Babel from the CLDR's patterns and names ("Dienstag, 8. Dezember",
"Tuesday 8 December", "Вівторок, 8 грудня")."""

from __future__ import annotations

import functools
import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_interval, format_time, match_skeleton

from projections.catalogues import babel_locale

BERLIN = ZoneInfo("Europe/Berlin")


def local(moment: datetime) -> datetime:
    return moment.astimezone(BERLIN)


@functools.cache
def _day_pattern(language: str, with_year: bool) -> str:
    """The locale's pattern for a weekday and day of month (and year), the weekday written out:
    Babel finds the CLDR pattern nearest the skeleton but keeps its short weekday, so it is
    widened as the CLDR's skeleton matching says."""
    locale = Locale.parse(babel_locale(language))
    skeleton = "yMMMMEEEEd" if with_year else "MMMMEEEEd"
    pattern = locale.datetime_skeletons[match_skeleton(skeleton, locale.datetime_skeletons)]
    return re.sub(r"(?<![E'])E{1,3}(?!E)", "EEEE", pattern.pattern)


def day_label(day: date, language: str, *, with_year: bool | None = None) -> str:
    """The day as a heading: weekday, day and month, the year only when it is not this one
    (``with_year``: always or never)."""
    if with_year is None:
        with_year = day.year != datetime.now(BERLIN).year
    label = format_date(day, _day_pattern(language, with_year), locale=babel_locale(language))
    return label[:1].upper() + label[1:]


def clock(moment: datetime, language: str) -> str:
    return format_time(moment, "short", tzinfo=BERLIN, locale=babel_locale(language))


def time_span(starts_at: datetime, ends_at: datetime, language: str = "de") -> str:
    """``09:00–13:00 Uhr``; across midnight the end's day is named."""
    start, end = local(starts_at), local(ends_at)
    locale = babel_locale(language)
    if start.date() == end.date():
        return format_interval(start, end, "Hm", tzinfo=BERLIN, locale=locale)
    return f"{clock(start, language)}–{day_only(end, language)} {clock(end, language)}"


def moment_label(moment: datetime, language: str) -> str:
    """An instant for the record (the auditor's pages): the day with its year, and the time."""
    shown = local(moment)
    return f"{day_label(shown.date(), language, with_year=True)}, {clock(shown, language)}"


def day_only(moment: datetime | date, language: str) -> str:
    """A date in a sentence: ``08.12.2026``, ``8 Dec 2026``, ``8 груд. 2026 р.``."""
    day = local(moment).date() if isinstance(moment, datetime) else moment
    return format_date(day, "medium", locale=babel_locale(language))


def form_value(moment: datetime) -> str:
    """The value of an ``<input type="datetime-local">`` showing ``moment``."""
    return f"{local(moment):%Y-%m-%dT%H:%M}"


def from_form(value: str) -> datetime | None:
    """An instant from a ``datetime-local`` field (Berlin wall clock) or with an offset; None
    for an empty field. Raises ValueError for anything else."""
    value = value.strip()
    if not value:
        return None
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=BERLIN)
    return moment.astimezone(UTC)


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def this_week() -> date:
    return monday_of(datetime.now(BERLIN).date())


def week_bounds(monday: date) -> tuple[datetime, datetime]:
    """The half-open week ``[Monday 00:00, next Monday 00:00)`` in Berlin time."""
    start = datetime.combine(monday, time(), tzinfo=BERLIN)
    end = datetime.combine(monday + timedelta(days=7), time(), tzinfo=BERLIN)
    return start, end
