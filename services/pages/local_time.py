"""Times as the volunteer's and auditor's pages show and read them: Europe/Berlin wall clock.

Written out by hand because no locale library is installed; the names are few and fixed.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

BERLIN = ZoneInfo("Europe/Berlin")
WEEKDAYS = {"de": ("Mo", "Di", "Mi", "Do", "Fr", "Sa", "So"),
            "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
            "uk": ("Пн", "Вт", "Ср", "Чт", "Пт", "Сб", "Нд")}


def local(moment: datetime) -> datetime:
    return moment.astimezone(BERLIN)


def day_label(day: date, language: str) -> str:
    weekday = WEEKDAYS.get(language, WEEKDAYS["de"])[day.weekday()]
    if language == "en":
        return f"{weekday} {day.day} {day:%b %Y}"
    return f"{weekday}, {day:%d.%m.%Y}"


def time_span(starts_at: datetime, ends_at: datetime) -> str:
    start, end = local(starts_at), local(ends_at)
    if start.date() == end.date():
        return f"{start:%H:%M}–{end:%H:%M}"
    return f"{start:%H:%M}–{end:%d.%m. %H:%M}"


def moment_label(moment: datetime, language: str) -> str:
    shown = local(moment)
    return f"{day_label(shown.date(), language)}, {shown:%H:%M}"


def day_only(moment: datetime | date, language: str) -> str:
    day = local(moment).date() if isinstance(moment, datetime) else moment
    return f"{day.day} {day:%b %Y}" if language == "en" else f"{day:%d.%m.%Y}"


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
