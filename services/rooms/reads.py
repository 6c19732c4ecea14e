"""Rooms and their calendars (API.md, "Sites and rooms"): read routes.

The JSON calendar shows cancelled occurrences flagged ``cancelled: true``; the .ics feed leaves
them out, because several calendar apps ignore ``STATUS:CANCELLED`` and would show them as held.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from litestar import Controller, Response, get
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery

from projections import directory, room_calendar
from services.auth.guards import EVERYONE, requires_roles
from services.commands.rejections import NotFound
from services.platform.problems import READ_PROBLEMS
from services.reads.calendar_feeds import (
    ICALENDAR,
    FeedEntry,
    calendar,
    feed_window_start,
)
from services.reads.read_models import ReadModels
from services.reads.routes import (
    From,
    MinPosition,
    To,
    positioned,
    time_range,
)


class RoomReadsController(Controller):
    path = "/api/rooms"
    tags = ["rooms"]
    guards = [requires_roles(*EVERYONE)]

    @get("/", summary="The rooms, of every site or of one", responses=READ_PROBLEMS)
    async def list_rooms(
        self, read_models: NamedDependency[ReadModels], site_id: FromQuery[UUID | None] = None,
        min_position: MinPosition = None,
    ) -> Response[list[dict[str, Any]]]:
        rooms, position = await read_models.read(directory.DIRECTORY, min_position,
            lambda connection: directory.rooms(connection, site_id),
        )
        return positioned(rooms, position)

    @get("/{room_id:uuid}/calendar", summary="The room's occurrences in [from, to)",
         responses=READ_PROBLEMS)
    async def read_calendar(
        self, room_id: FromPath[UUID], read_models: NamedDependency[ReadModels],
        start: From = None, end: To = None, min_position: MinPosition = None,
    ) -> Response[list[dict[str, Any]]]:
        lower, upper = time_range(start, end)
        (room, occurrences), position = await read_models.at_live_position(
            room_calendar.ROOM_CALENDAR, min_position,
            lambda connection: room_calendar.calendar_at_live_position(
                connection, room_id, lower, upper, include_cancelled=True),
        )
        if room is None:
            raise NotFound("room_id", "no such room", code="not_found")
        return positioned(occurrences, position)

    @get("/{room_id:uuid}/calendar.ics", summary="The room's calendar as an iCalendar feed",
         responses=READ_PROBLEMS)
    async def calendar_feed(
        self, room_id: FromPath[UUID], read_models: NamedDependency[ReadModels],
        start: From = None, end: To = None, min_position: MinPosition = None,
    ) -> Response[bytes]:
        now = datetime.now(UTC)
        lower, upper = time_range(start, end)
        (room, occurrences), position = await read_models.at_live_position(
            room_calendar.ROOM_CALENDAR, min_position,
            lambda connection: room_calendar.calendar_at_live_position(
                connection, room_id, lower or feed_window_start(now), upper,
                include_cancelled=False),
        )
        if room is None:
            raise NotFound("room_id", "no such room", code="not_found")
        entries = [
            FeedEntry(uid=f"{o['id']}@treffpunkt", starts_at=o["starts_at"],
                      ends_at=o["ends_at"], summary=o["title"])
            for o in occurrences
        ]
        return positioned(calendar(room["name"], entries, now=now), position,
                          media_type=ICALENDAR)
