"""Volunteer hours outside shifts (API.md, "Second wave"): timesheet lines and their corrections.

A coordinator records hours at its own sites (the body's ``site_id``); a line's correction is
made at the site the line names now, and may move it only to another site of the caller's.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from services.auth.guards import (
    ADMIN, COORDINATOR, Connection, for_site, from_body, from_path, requires_roles,
)
from services.auth.tokens import Principal
from services.commands.handler import CommandHandler, entity_id
from services.commands.http import Aware, Created, Positioned, Title, metadata_for, now
from services.commands.rejections import NotFound
from services.commands.text import Reason
from services.hours.decider import HOURS, CorrectHours, RecordHours
from services.platform.problems import WRITE_PROBLEMS
from services.platform.resources import commands_of
from services.volunteers.state import VOLUNTEER

STAFF_OF_SITE = [requires_roles(ADMIN, COORDINATOR), for_site(from_body("site_id"))]


async def site_of_line(connection: Connection) -> UUID | None:
    """The site the line names now; an unknown line is a 404 naming ``line_id``."""
    volunteer_id, line_id = await from_path("volunteer_id")(connection), await from_path(
        "line_id")(connection)
    assert volunteer_id is not None and line_id is not None
    site_id = (await commands_of(connection).state(VOLUNTEER(volunteer_id))).lines.get(line_id)
    if site_id is None:
        raise NotFound("line_id", "no such line of this volunteer", code="not_found")
    return site_id


class NewHours(msgspec.Struct, forbid_unknown_fields=True):
    site_id: UUID
    activity: Title
    started_at: Aware
    ended_at: Aware
    offer_id: UUID | None = None


class HoursCorrection(msgspec.Struct, forbid_unknown_fields=True):
    """The line as it should have been (all of it), or ``withdrawn``; ``reason`` always."""

    site_id: UUID
    activity: Title
    started_at: Aware
    ended_at: Aware
    reason: Reason
    offer_id: UUID | None = None
    withdrawn: bool = False


class HoursController(Controller):
    path = "/api/volunteers/{volunteer_id:uuid}/hours"
    tags = ["volunteers"]

    @post("/", guards=STAFF_OF_SITE, summary="Record volunteer hours outside shifts "
          "(a timesheet line)", responses=WRITE_PROBLEMS)
    async def record(
        self, volunteer_id: FromPath[UUID], data: JSONBody[NewHours],
        commands: NamedDependency[CommandHandler], request: Request[Principal, Any, Any],
    ) -> Created:
        metadata = metadata_for(request)
        line_id = entity_id(metadata, "hours")
        result = await commands.handle(HOURS, RecordHours(
            line_id=line_id, volunteer_id=volunteer_id, site_id=data.site_id,
            offer_id=data.offer_id, activity=data.activity, started_at=data.started_at,
            ended_at=data.ended_at, now=now(),
        ), metadata)
        return Created(id=line_id, position=result.position)

    @post("/{line_id:uuid}/correction", guards=[*STAFF_OF_SITE, for_site(site_of_line)],
          summary="Correct or withdraw a timesheet line, with a reason",
          responses=WRITE_PROBLEMS)
    async def correct(
        self, volunteer_id: FromPath[UUID], line_id: FromPath[UUID],
        data: JSONBody[HoursCorrection], commands: NamedDependency[CommandHandler],
        request: Request[Principal, Any, Any],
    ) -> Positioned:
        result = await commands.handle(HOURS, CorrectHours(
            line_id=line_id, volunteer_id=volunteer_id, site_id=data.site_id,
            offer_id=data.offer_id, activity=data.activity, started_at=data.started_at,
            ended_at=data.ended_at, withdrawn=data.withdrawn, reason=data.reason, now=now(),
        ), metadata_for(request))
        return Positioned(position=result.position)
