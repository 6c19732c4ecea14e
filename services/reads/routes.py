"""What the read routes of projections share: the time-range query parameters, reading a
projection at a known position (``min_position``), and answering with ``X-Projection-Position``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Annotated, Any, TypeVar

import asyncpg
from litestar import Response
from litestar.params import QueryParameter

from projections.runner import Projection, ensure_projection, live_position
from services.platform.instants import parse_instant
from services.reads.wait import POSITION_HEADER, wait_for_projection
from services.commands.rejections import Invalid
from services.platform.resources import Resources

T = TypeVar("T")

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


async def read_projection(
    resources: Resources,
    projection: Projection,
    min_position: int | None,
    query: Callable[[asyncpg.Connection], Awaitable[T]],
) -> tuple[T, int]:
    """Wait until ``projection`` has applied ``min_position``, then run ``query`` on it.

    The position answered is read just before the rows, so the rows reflect at least every
    event up to it (perhaps a few later ones too). That is what read-your-writes needs, and it
    saves the two round trips of a snapshot transaction. A projection no worker has created yet
    is created (empty).
    """

    async def position_then_query(connection: asyncpg.Connection) -> tuple[T, int]:
        position = await live_position(connection, projection.name)
        return await query(connection), position

    return await read_at_live_position(resources, projection, min_position, position_then_query)


async def read_at_live_position(
    resources: Resources,
    projection: Projection,
    min_position: int | None,
    query: Callable[[asyncpg.Connection], Awaitable[tuple[T, int]]],
) -> tuple[T, int]:
    """``read_projection`` for a ``query`` that answers its rows and the position they reflect,
    read in one statement (``projections.runner.fetch_at_live_position``): exact, and one round
    trip instead of two on the most frequent reads there are (shift boards, room calendars)."""
    try:
        return await _read(resources, projection, min_position, query)
    except asyncpg.UndefinedTableError:
        await ensure_projection(resources.pool, projection)
        return await _read(resources, projection, min_position, query)


async def _read(
    resources: Resources,
    projection: Projection,
    min_position: int | None,
    query: Callable[[asyncpg.Connection], Awaitable[tuple[T, int]]],
) -> tuple[T, int]:
    if min_position:
        await wait_for_projection(resources.pool, resources.store, projection.name, min_position)
    async with resources.pool.acquire() as connection:
        return await query(connection)


def positioned(
    content: Any, position: int, *, media_type: str = "application/json",
    headers: dict[str, str] | None = None,
) -> Response[Any]:
    return Response(
        content, media_type=media_type, headers={POSITION_HEADER: str(position), **(headers or {})}
    )
