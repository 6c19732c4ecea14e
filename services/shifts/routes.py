"""Shifts, claims and who served (API.md, "Volunteers and shifts"): write routes."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from uuid import UUID

import msgspec
from litestar import Controller, Request, delete, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from events.shifts import ServiceTime, ShiftWaitlisted
from services.auth.guards import (
    ADMIN,
    COORDINATOR,
    for_site,
    from_body,
    from_path,
    requires_roles,
    volunteer_itself_or,
)
from services.auth.tokens import Principal
from services.commands.handler import CommandHandler, CommandResult, entity_id
from services.commands.http import (
    Aware,
    Created,
    Positioned,
    Title,
    metadata_for,
    now,
    site_of,
)
from services.commands.rejections import Invalid
from services.commands.text import Code, Reason
from services.platform.problems import WRITE_PROBLEMS
from services.shifts.decider import (
    SHIFTS,
    CancelShift,
    ClaimShift,
    ConfirmShiftAttendance,
    CreateShift,
    ReleaseClaim,
)
from services.shifts.state import SHIFT

STAFF_OF_SHIFT = for_site(site_of(SHIFT, "shift_id"))


class NewShift(msgspec.Struct, forbid_unknown_fields=True):
    site_id: UUID
    title: Title
    starts_at: Aware
    ends_at: Aware
    capacity: Annotated[int, msgspec.Meta(ge=1, le=10_000)]
    required_qualifications: Annotated[list[Code], msgspec.Meta(max_length=50)] = []
    session_id: UUID | None = None


class NewClaim(msgspec.Struct, forbid_unknown_fields=True):
    volunteer_id: UUID | None = None


class Claimed(msgspec.Struct):
    status: Literal["claimed", "waitlisted"]
    position: int


class ActualTime(msgspec.Struct, forbid_unknown_fields=True):
    started_at: Aware
    ended_at: Aware


class NewShiftAttendance(msgspec.Struct, forbid_unknown_fields=True):
    present: Annotated[list[UUID], msgspec.Meta(max_length=10_000)]
    walk_ins: Annotated[list[UUID], msgspec.Meta(max_length=10_000)] = []
    """Volunteers who served without holding a place."""
    times: Annotated[dict[UUID, ActualTime], msgspec.Meta(max_length=10_000)] = {}
    """Actual times of those who served, where they differ from the shift's."""
    reason: Reason | None = None


class NewCancellation(msgspec.Struct, forbid_unknown_fields=True):
    reason: Reason


def volunteer_of(request: Request[Principal, Any, Any], named: UUID | None) -> UUID:
    """The volunteer named, or the caller's own (``{volunteer_id?}``); the guard checked it."""
    volunteer_id = named or request.user.volunteer_id
    if volunteer_id is None:
        raise Invalid("volunteer_id", "name the volunteer", code="required")
    return volunteer_id


class ShiftsController(Controller):
    path = "/api/shifts"
    tags = ["shifts"]

    @post(
        "/",
        guards=[requires_roles(ADMIN, COORDINATOR), for_site(from_body("site_id"))],
        summary="Create a shift",
        responses=WRITE_PROBLEMS,
    )
    async def create(
        self, data: JSONBody[NewShift], commands: NamedDependency[CommandHandler],
        request: Request[Principal, Any, Any],
    ) -> Created:
        metadata = metadata_for(request)
        shift_id = entity_id(metadata, "shift")
        result = await commands.handle(SHIFTS, CreateShift(
            shift_id=shift_id, site_id=data.site_id, title=data.title, starts_at=data.starts_at,
            ends_at=data.ends_at, capacity=data.capacity,
            required_qualifications=data.required_qualifications, session_id=data.session_id,
            now=now(),
        ), metadata)
        return Created(id=shift_id, position=result.position)

    @post(
        "/{shift_id:uuid}/claims",
        guards=[volunteer_itself_or(from_body("volunteer_id", default_to_self=True),
                                    STAFF_OF_SHIFT)],
        summary="Claim a place (or a place on the waitlist when the shift is full)",
        responses=WRITE_PROBLEMS,
    )
    async def claim(
        self, shift_id: FromPath[UUID], commands: NamedDependency[CommandHandler],
        request: Request[Principal, Any, Any], data: JSONBody[NewClaim | None] = None,
    ) -> Claimed:
        result: CommandResult = await commands.handle(SHIFTS, ClaimShift(
            shift_id=shift_id,
            volunteer_id=volunteer_of(request, data.volunteer_id if data is not None else None),
            now=now(),
        ), metadata_for(request))
        waitlisted = any(isinstance(event, ShiftWaitlisted) for event in result.events)
        return Claimed(status="waitlisted" if waitlisted else "claimed", position=result.position)

    @delete(
        "/{shift_id:uuid}/claims/{volunteer_id:uuid}",
        guards=[volunteer_itself_or(from_path("volunteer_id"), STAFF_OF_SHIFT)],
        status_code=200,
        summary="Free a place (the first on the waitlist takes it) or leave the waitlist",
        responses=WRITE_PROBLEMS,
    )
    async def release(
        self, shift_id: FromPath[UUID], volunteer_id: FromPath[UUID],
        commands: NamedDependency[CommandHandler], request: Request[Principal, Any, Any],
    ) -> Positioned:
        result = await commands.handle(SHIFTS, ReleaseClaim(
            shift_id=shift_id, volunteer_id=volunteer_id, now=now(),
        ), metadata_for(request))
        return Positioned(position=result.position)

    @post(
        "/{shift_id:uuid}/attendance",
        guards=[requires_roles(ADMIN, COORDINATOR), STAFF_OF_SHIFT],
        summary="Confirm who served (with walk-ins and actual times): volunteer hours",
        responses=WRITE_PROBLEMS,
    )
    async def attendance(
        self, shift_id: FromPath[UUID], data: JSONBody[NewShiftAttendance],
        commands: NamedDependency[CommandHandler], request: Request[Principal, Any, Any],
    ) -> Positioned:
        result = await commands.handle(SHIFTS, ConfirmShiftAttendance(
            shift_id=shift_id, present=data.present, walk_ins=data.walk_ins,
            times={volunteer_id: ServiceTime(started_at=span.started_at, ended_at=span.ended_at)
                   for volunteer_id, span in data.times.items()},
            reason=data.reason, now=now(),
        ), metadata_for(request))
        return Positioned(position=result.position)

    @post(
        "/{shift_id:uuid}/cancellation",
        guards=[requires_roles(ADMIN, COORDINATOR), STAFF_OF_SHIFT],
        status_code=200,
        summary="Cancel the shift: places released, holders and waitlist told the reason",
        responses=WRITE_PROBLEMS,
    )
    async def cancellation(
        self, shift_id: FromPath[UUID], data: JSONBody[NewCancellation],
        commands: NamedDependency[CommandHandler], request: Request[Principal, Any, Any],
    ) -> Positioned:
        result = await commands.handle(SHIFTS, CancelShift(
            shift_id=shift_id, reason=data.reason, now=now(),
        ), metadata_for(request))
        return Positioned(position=result.position)
