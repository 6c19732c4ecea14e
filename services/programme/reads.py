"""Reading the public programme (``projections/programme.py``) for the API, the feed, the
pages and the poster: one shape of a date for all of them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import msgspec

from projections import programme
from projections.room_calendar import occurrence_id
from services.commands.rejections import Invalid, NotFound
from services.reads.read_models import ReadModels

LONGEST_RANGE = timedelta(days=92)
"""One request reads at most this much of the programme."""
DEFAULT_RANGE = timedelta(days=28)


class Site(msgspec.Struct, frozen=True, kw_only=True):
    id: UUID
    name: str
    village: str
    address: str | None
    contact: str | None


class ProgrammeDate(msgspec.Struct, frozen=True, kw_only=True):
    """One date of a public offer; ``cancellation_reason`` only when marked public."""

    id: UUID
    session_id: UUID
    offer_id: UUID
    site_id: UUID
    site: str | None
    village: str | None
    title: str
    category: str
    description: str | None
    room_id: UUID
    room: str | None
    starts_at: datetime
    ends_at: datetime
    cancelled: bool
    cancellation_reason: str | None


def _date(row: dict[str, Any]) -> ProgrammeDate:
    reason = row.pop("reason")
    return ProgrammeDate(id=occurrence_id(row["session_id"], row["starts_at"]),
                         cancellation_reason=reason, **row)


def public_range(start: datetime | None, end: datetime | None,
                 now: datetime) -> tuple[datetime, datetime]:
    """``[from, to)`` of a request: from now and four weeks on unless given; at most 92 days."""
    start = start or now
    end = end or start + DEFAULT_RANGE
    if end <= start:
        raise Invalid("to", "must lie after from", code="empty_range")
    if end - start > LONGEST_RANGE:
        raise Invalid("to", "the programme is read at most 92 days at a time",
                      code="range_too_long")
    return start.astimezone(UTC), end.astimezone(UTC)


async def read_programme(
    read_models: ReadModels, site_id: UUID | None, start: datetime, end: datetime,
    min_position: int | None = None,
) -> tuple[list[Site], list[ProgrammeDate], int]:
    """The sites (the one asked for, or all) and their public dates in ``[start, end)``; an
    unknown ``site_id`` is a 404 naming it."""

    async def query(connection: Any) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        return (await programme.sites(connection),
                await programme.dates(connection, site_id, start, end))

    (sites, dates), position = await read_models.read(programme.PROGRAMME, min_position, query)
    chosen = [Site(**site) for site in sites if site_id is None or site["id"] == site_id]
    if site_id is not None and not chosen:
        raise NotFound("site_id", "no such site", code="site_not_found")
    return chosen, [_date(row) for row in dates], position
