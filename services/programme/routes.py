"""The public programme (API.md, "Second wave"): ``GET /api/programme`` and its iCalendar feed,
for anyone, without sign-in, rate limited per client address, cacheable with ``ETag``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, cast
from uuid import UUID

import msgspec
from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency
from litestar.params import FromQuery

from services.platform.problems import problem_responses
from services.programme.caching import cacheable
from services.programme.rate_limit import rate_limited
from services.programme.reads import ProgrammeDate, Site, public_range, read_programme
from services.reads.calendar_feeds import ICALENDAR, FeedEntry, calendar, occurrence_uid
from services.reads.read_models import POSITION_HEADER, ReadModels
from services.reads.routes import From, MinPosition, To, time_range

PUBLIC_PATHS = r"^/api/programme(\.ics)?$"
"""Served without sign-in: the bearer middleware leaves them alone."""
FEED_DAYS_BACK, FEED_DAYS_AHEAD = 30, 183
PUBLIC_PROBLEMS = problem_responses(404, 422, 429, 503)
_encode = msgspec.json.Encoder().encode


def feed_entry(date: ProgrammeDate, sites: dict[UUID, Site]) -> FeedEntry:
    site = sites.get(date.site_id)
    place = [date.room, site.name if site else date.site, site.address if site else None]
    words = [date.description or ""]
    if date.cancelled:
        words.insert(0, "Abgesagt" + (f": {date.cancellation_reason}"
                                      if date.cancellation_reason else "."))
    return FeedEntry(
        uid=occurrence_uid(date.session_id, date.starts_at), starts_at=date.starts_at,
        ends_at=date.ends_at,
        summary=("Abgesagt: " if date.cancelled else "") + date.title,
        location=", ".join(part for part in place if part) or None,
        description="\n\n".join(word for word in words if word) or None,
        cancelled=date.cancelled,
    )


class ProgrammeController(Controller):
    path = "/api"
    tags = ["programme"]
    guards = [rate_limited]
    opt = {"exclude_from_auth": True}

    @get("/programme", summary="The public programme: each date of the public offers, no "
         "sign-in; at most 92 days per request (default: four weeks from now)",
         responses=PUBLIC_PROBLEMS)
    async def programme(
        self, request: Request[Any, Any, Any], read_models: NamedDependency[ReadModels],
        site_id: FromQuery[UUID | None] = None, start: From = None, end: To = None,
        min_position: MinPosition = None,
    ) -> Response[list[ProgrammeDate]]:
        lower, upper = public_range(*time_range(start, end), datetime.now(UTC))
        _, dates, position = await read_programme(read_models, site_id, lower, upper,
                                                  min_position)
        answer = cacheable(request, _encode(dates), "application/json",
                           {POSITION_HEADER: str(position)})
        return cast(Response[list[ProgrammeDate]], answer)  # the body is the encoded list

    @get("/programme.ics", summary="The public programme as an iCalendar feed (RFC 5545), "
         "cancelled dates as STATUS:CANCELLED", media_type=ICALENDAR, responses=PUBLIC_PROBLEMS)
    async def feed(
        self, request: Request[Any, Any, Any], read_models: NamedDependency[ReadModels],
        site_id: FromQuery[UUID | None] = None,
    ) -> Response[bytes]:
        # Whole days, and the day as DTSTAMP: the same programme is the same body all day,
        # so its ETag lets calendar apps and caches revalidate instead of fetching again.
        today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        sites, dates, _ = await read_programme(
            read_models, site_id, today - timedelta(days=FEED_DAYS_BACK),
            today + timedelta(days=FEED_DAYS_AHEAD))
        by_id = {site.id: site for site in sites}
        name = sites[0].name if site_id is not None else "Dorftreffs"
        body = calendar(f"Programm {name}", [feed_entry(d, by_id) for d in dates], now=today)
        return cacheable(request, body, ICALENDAR)
