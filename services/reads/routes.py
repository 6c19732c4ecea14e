"""What the read routes of projections share: the time-range and position query parameters,
and answering with ``X-Projection-Position`` (reading itself: ``read_models.ReadModels``)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from litestar import Response
from litestar.params import QueryParameter

from services.commands.rejections import Invalid
from services.platform.instants import parse_instant
from services.reads.read_models import POSITION_HEADER

From = Annotated[str | None, QueryParameter(name="from")]
To = Annotated[str | None, QueryParameter(name="to")]
MAX_POSITION = 2**63 - 1
"""Positions are PostgreSQL bigints. A larger value bound into a query fails in asyncpg's
encoder and leaves that pooled connection inside a half-sent statement; refuse it (422)."""
MinPosition = Annotated[int | None, QueryParameter(name="min_position", ge=0, le=MAX_POSITION)]
NO_CONTROL_CHARACTERS = r"^[^\x00-\x1f\x7f]*$"
"""The ``pattern`` of a text query parameter that reaches PostgreSQL: it refuses a NUL in text
(an error of the database's, a 500), so the parameter is a 422 naming it instead."""


def aware(field: str, value: str | None) -> datetime | None:
    """An RFC 3339 time with offset from a query parameter; without offset, or out of the
    years 2 to 9998, a 422 naming it."""
    return parse_instant(field, value)


def time_range(start: str | None, end: str | None) -> tuple[datetime | None, datetime | None]:
    """The half-open range ``[from, to)`` of the query; ``to`` must lie after ``from``."""
    lower, upper = aware("from", start), aware("to", end)
    if lower is not None and upper is not None and upper <= lower:
        raise Invalid("to", "must lie after from", code="empty_range")
    return lower, upper


def positioned(
    content: Any, position: int, *, media_type: str = "application/json",
    headers: dict[str, str] | None = None,
) -> Response[Any]:
    return Response(
        content, media_type=media_type, headers={POSITION_HEADER: str(position), **(headers or {})}
    )
