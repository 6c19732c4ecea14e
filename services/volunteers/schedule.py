"""A volunteer's schedule (API.md, "Volunteers and shifts"): as JSON for the volunteer and
staff, and as an iCalendar feed that calendar apps fetch with the volunteer's secret link.

Calendar apps cannot send a bearer token, so the feed's path is left out of the bearer
middleware (services/platform/app.py) and its guard checks ``?token=`` instead: an HMAC of the
volunteer's id and its link's generation under the ``feeds`` key. Renewing the link in the
profile (``FeedTokenRenewed``) raises the generation on the volunteer's stream, which the guard
reads, so the old link is refused from the renewal's append on. Erasure makes the feed (and
its link) 404.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.params import FromPath

from projections import volunteer_schedule
from projections.directory import DIRECTORY
from projections.directory import rooms as directory_rooms
from projections.directory import sites as directory_sites
from projections.training_records import TRAINING_RECORDS, trainings_of
from services.auth.guards import Connection, from_path
from services.commands.handler import CommandHandler
from services.commands.rejections import NotFound
from services.platform.keys import Keys
from services.platform.resources import commands_of
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
from services.volunteers.access import coordinator_of_the_volunteer
from services.volunteers.state import VOLUNTEER, Volunteer

FEED_PATH = "/api/volunteers/{volunteer_id}/shifts.ics"
FEED_PATH_PATTERN = r"^/api/volunteers/[^/]+/shifts\.ics$"
"""Excluded from the bearer middleware: the feed's guard is its token."""
ITSELF_OR_ITS_COORDINATORS = coordinator_of_the_volunteer(from_path("volunteer_id"))
WAITLIST_MARK = "Warteliste: "


class FeedLink(msgspec.Struct):
    url: str


def _keys(connection: Connection) -> Keys:
    return connection.app.state.secret_keys


async def feed_url(connection: Connection, volunteer_id: UUID) -> str:
    """The current secret link calendar apps subscribe to, on the service's public address
    (``TREFFPUNKT_PUBLIC_URL``), never on the request's Host."""
    generation = (await commands_of(connection).state(VOLUNTEER(volunteer_id))).feed_generation
    token = _keys(connection).feed_token(volunteer_id, generation)
    path = FEED_PATH.format(volunteer_id=volunteer_id)
    return f"{connection.app.state.public_url}{path}?token={token}"


async def feed_token_of_the_volunteer(connection: Connection, _: BaseRouteHandler) -> None:
    token = connection.query_params.get("token")
    if not token:
        raise NotAuthorizedException("This feed needs its secret link (?token=)")
    volunteer_id = await from_path("volunteer_id")(connection)
    if volunteer_id is None:
        raise PermissionDeniedException("This link is not valid for this feed")
    generation = (await commands_of(connection).state(VOLUNTEER(volunteer_id))).feed_generation
    if not _keys(connection).feed_token_matches(volunteer_id, token, generation):
        raise PermissionDeniedException("This link is not valid for this feed")


async def _schedule_of(connection, volunteer_id: UUID, start, end, *, feed: bool):
    known = await volunteer_schedule.volunteer(connection, volunteer_id)
    if known is None or (feed and known["erased"]):
        return None, []
    return known, await volunteer_schedule.schedule(connection, volunteer_id, start, end)


REMINDER = timedelta(hours=2)
"""The feed's alarm before each shift or training while the volunteer has not chosen a
reminder time in its notification settings."""


def alarm_before(volunteer: Volunteer) -> timedelta | None:
    """The volunteer's chosen reminder time, none once it turned reminders off, else 2 h."""
    if volunteer.reminder_hours_before is None:
        return REMINDER
    return timedelta(hours=volunteer.reminder_hours_before) or None


def _place(site: dict[str, Any] | None, room: str | None = None) -> str | None:
    if site is None:
        return None
    return ", ".join(part for part in (room, site["name"], site["village"]) if part)


def feed_entries(volunteer_id: UUID, shifts: list[dict[str, Any]],
                 trainings: list[dict[str, Any]],
                 sites: dict[UUID, dict[str, Any]],
                 rooms: dict[UUID, str], alarm: timedelta | None = REMINDER) -> list[FeedEntry]:
    """The volunteer's shifts (waitlisted ones tentative) and trainings it is enrolled in or
    attended, each with place, words and the ``alarm``; UIDs stay the same across fetches."""
    entries = [
        FeedEntry(uid=f"{shift['shift_id']}-{volunteer_id}@treffpunkt",
                  starts_at=shift["starts_at"], ends_at=shift["ends_at"],
                  tentative=shift["waitlisted"],
                  summary=(WAITLIST_MARK if shift["waitlisted"] else "") + shift["title"],
                  location=_place(sites.get(shift["site_id"])),
                  description=f"Schicht im {_place(sites.get(shift['site_id'])) or 'Dorftreff'}"
                              + (" (Warteliste)" if shift["waitlisted"] else ""),
                  alarm_before=alarm)
        for shift in shifts
    ]
    entries += [
        FeedEntry(uid=f"training-{training['training_id']}-{volunteer_id}@treffpunkt",
                  starts_at=training["starts_at"], ends_at=training["ends_at"],
                  summary=f"Schulung: {training['title']}",
                  location=_place(sites.get(training["site_id"]),
                                  rooms.get(training["room_id"])),
                  description=f"Schulung ({training['qualification']})",
                  alarm_before=alarm)
        for training in trainings if training["status"] != "cancelled"
    ]
    return entries


async def _both(first: Any, second: Any) -> tuple[Any, Any]:
    return await first, await second


def _not_found() -> NotFound:
    return NotFound("volunteer_id", "no such volunteer", code="not_found")


class VolunteerScheduleController(Controller):
    path = "/api/volunteers"
    tags = ["volunteers"]

    @get("/{volunteer_id:uuid}/shifts", guards=[ITSELF_OR_ITS_COORDINATORS],
         summary="The volunteer's shifts in [from, to): claimed, and waitlisted (flagged)",
         responses=READ_PROBLEMS)
    async def read_schedule(
        self, volunteer_id: FromPath[UUID], read_models: NamedDependency[ReadModels],
        start: From = None, end: To = None, min_position: MinPosition = None,
    ) -> Response[list[dict[str, Any]]]:
        lower, upper = time_range(start, end)
        (known, shifts), position = await read_models.read(
            volunteer_schedule.VOLUNTEER_SCHEDULE, min_position,
            lambda connection: _schedule_of(connection, volunteer_id, lower, upper, feed=False),
        )
        if known is None:
            raise _not_found()
        return positioned(shifts, position)

    @get("/{volunteer_id:uuid}/feed-link", guards=[ITSELF_OR_ITS_COORDINATORS],
         summary="The secret link of the volunteer's calendar feed", responses=READ_PROBLEMS)
    async def feed_link(
        self, volunteer_id: FromPath[UUID], read_models: NamedDependency[ReadModels],
        request: Request[Any, Any, Any], min_position: MinPosition = None,
    ) -> Response[FeedLink]:
        known, position = await read_models.read(
            volunteer_schedule.VOLUNTEER_SCHEDULE, min_position,
            lambda connection: volunteer_schedule.volunteer(connection, volunteer_id),
        )
        if known is None or known["erased"]:
            raise _not_found()
        return positioned(FeedLink(url=await feed_url(request, volunteer_id)), position,
                          headers={"Cache-Control": "no-store"})

    @get("/{volunteer_id:uuid}/shifts.ics", guards=[feed_token_of_the_volunteer],
         summary="The volunteer's shifts as an iCalendar feed (?token= from feed-link)",
         responses=READ_PROBLEMS)
    async def schedule_feed(
        self, volunteer_id: FromPath[UUID], read_models: NamedDependency[ReadModels],
        commands: NamedDependency[CommandHandler], min_position: MinPosition = None,
    ) -> Response[bytes]:
        now = datetime.now(UTC)
        (known, shifts), position = await read_models.read(
            volunteer_schedule.VOLUNTEER_SCHEDULE, min_position,
            lambda connection: _schedule_of(connection, volunteer_id, feed_window_start(now),
                                            None, feed=True),
        )
        if known is None:
            raise _not_found()
        (sites, rooms), _ = await read_models.read(DIRECTORY, None, lambda connection: (
            _both(directory_sites(connection), directory_rooms(connection, None))))
        trainings, _ = await read_models.read(
            TRAINING_RECORDS, None, lambda connection: trainings_of(connection, volunteer_id, with_room=True))
        entries = feed_entries(volunteer_id, shifts, trainings,
                               {site["id"]: site for site in sites},
                               {room["id"]: room["name"] for room in rooms},
                               alarm_before(await commands.state(VOLUNTEER(volunteer_id))))
        return positioned(calendar("Treffpunkt: meine Schichten", entries, now=now), position,
                          media_type=ICALENDAR, headers={"Cache-Control": "private, no-store"})
