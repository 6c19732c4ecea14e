"""Small input checks shared by the scheduling deciders; each raises an Invalid naming the field."""

from __future__ import annotations

from datetime import datetime

from services.rejections import Invalid
from services.text import require_line, require_lines

__all__ = ["require_aware", "require_line", "require_lines", "require_positive", "require_range",
           "require_text"]


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


def require_range(starts_at: datetime, ends_at: datetime) -> None:
    """A half-open range ``[starts_at, ends_at)`` of aware instants, ending after it starts."""
    require_aware("starts_at", starts_at)
    require_aware("ends_at", ends_at)
    if ends_at <= starts_at:
        raise Invalid("ends_at", "must be after starts_at", code="ends_before_start")
