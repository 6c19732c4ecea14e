"""Small input checks shared by the scheduling deciders; each raises an Invalid naming the field."""

from __future__ import annotations

from datetime import datetime, timedelta

from dateutil.relativedelta import relativedelta

from services.commands.rejections import Invalid
from services.commands.text import require_line, require_lines

__all__ = ["HORIZON", "LONGEST", "require_aware", "require_line", "require_lines",
           "require_positive", "require_range", "require_text"]

HORIZON = relativedelta(years=2)
"""The one window: how far ahead and how long ago anything may start, and how far a series may
reach past its first start."""
LONGEST = timedelta(days=14)
"""The longest a booking, session, training or shift (each occurrence of a series) may last."""


def require_text(field: str, value: str, max_length: int = 200) -> None:
    """A name, title or code: one line without control characters, not blank."""
    require_line(field, value, max_length)
    if not value.strip():
        raise Invalid(field, "must not be blank", code="blank")


def require_positive(field: str, value: int) -> None:
    if value <= 0:
        raise Invalid(field, "must be at least 1", code="not_positive")


def require_aware(field: str, value: datetime) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise Invalid(field, "needs a UTC offset", code="no_offset")


def require_range(starts_at: datetime, ends_at: datetime, now: datetime) -> None:
    """A half-open range ``[starts_at, ends_at)`` of aware instants, ending after it starts, at
    most ``LONGEST`` long, starting at most ``HORIZON`` before or after ``now``: the one
    rule for bookings, sessions, trainings and shifts."""
    require_aware("starts_at", starts_at)
    require_aware("ends_at", ends_at)
    if ends_at <= starts_at:
        raise Invalid("ends_at", "must be after starts_at", code="ends_before_start")
    if ends_at - starts_at > LONGEST:
        raise Invalid("ends_at", f"may lie at most {LONGEST.days} days after starts_at",
                      code="too_long")
    if starts_at < now - HORIZON:
        raise Invalid("starts_at", "may lie at most two years back", code="out_of_window")
    if starts_at > now + HORIZON:
        raise Invalid("starts_at", "may lie at most two years ahead", code="out_of_window")
