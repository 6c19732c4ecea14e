"""Handing a shift over (API.md, "Second wave"): the holder offers its place, a colleague
accepts it."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, post
from litestar.di import NamedDependency
from litestar.exceptions import PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.params import FromPath, JSONBody

from projections.volunteer_sites import VOLUNTEER_SITES, sites_of
from services.auth.guards import VOLUNTEER, Connection, from_path, principal_of
from services.auth.tokens import Principal
from services.commands.handler import CommandHandler, entity_id
from services.commands.http import Created, Positioned, metadata_for, now
from services.handovers.decider import (
    HANDOVERS,
    AcceptHandover,
    OfferHandover,
    WithdrawHandover,
)
from services.handovers.state import HANDOVER, HandoverState
from services.platform.problems import WRITE_PROBLEMS
from services.platform.resources import commands_of, read_models_of
from services.reads.read_models import ReadModels
from services.volunteers.state import VOLUNTEER as VOLUNTEER_STREAM


class NewHandover(msgspec.Struct, forbid_unknown_fields=True):
    to_volunteer_id: UUID | None = None
    """The colleague asked; without it, every volunteer of the site."""


def _volunteer_of(connection: Connection) -> UUID:
    principal = principal_of(connection)
    if principal.role != VOLUNTEER or principal.volunteer_id is None:
        raise PermissionDeniedException("Only a volunteer hands over or takes a shift")
    return principal.volunteer_id


async def the_holder(connection: Connection, _: BaseRouteHandler) -> None:
    """The volunteer named in the path, itself (whether it holds the place is the rule's)."""
    if await from_path("volunteer_id")(connection) != _volunteer_of(connection):
        raise PermissionDeniedException("You may hand over only your own place")


async def sites_of_the_volunteer(commands: CommandHandler, read_models: ReadModels,
                                 volunteer_id: UUID) -> list[UUID]:
    """The sites a volunteer belongs to: chosen as home, registered at, or active at."""
    person = await commands.state(VOLUNTEER_STREAM(volunteer_id))
    active, _ = await read_models.read(
        VOLUNTEER_SITES, None, lambda connection: sites_of(connection, volunteer_id))
    return list(dict.fromkeys([*person.home_site_ids, *person.site_ids, *active]))


async def may_accept(commands: CommandHandler, read_models: ReadModels, taker: UUID,
                     offered: HandoverState) -> bool:
    """The colleague asked, or for an offer to everyone a volunteer of the shift's site. (The
    holder and an unknown handover pass: the rules answer them, 409 and 404.)"""
    if not offered.exists or taker in (offered.to_volunteer_id, offered.from_volunteer_id):
        return True
    if offered.to_volunteer_id is not None:
        return False
    return offered.site_id in await sites_of_the_volunteer(commands, read_models, taker)


async def whom_it_was_offered(connection: Connection, _: BaseRouteHandler) -> None:
    taker = _volunteer_of(connection)
    commands = commands_of(connection)
    offered = await commands.state(HANDOVER(await from_path("handover_id")(connection)))
    if not await may_accept(commands, read_models_of(connection), taker, offered):
        raise PermissionDeniedException("This shift was offered to someone else")


async def who_offered_it(connection: Connection, _: BaseRouteHandler) -> None:
    """Only the volunteer who made an offer withdraws it (an unknown one: the rule's 404)."""
    caller = _volunteer_of(connection)
    offered = await commands_of(connection).state(
        HANDOVER(await from_path("handover_id")(connection)))
    if offered.exists and offered.from_volunteer_id != caller:
        raise PermissionDeniedException("Only who offered it withdraws an offer")


async def _decided(commands: CommandHandler, request: Request[Principal, Any, Any],
                   command: AcceptHandover | WithdrawHandover) -> Positioned:
    result = await commands.handle(HANDOVERS, command, metadata_for(request))
    return Positioned(position=result.position)


class HandoversController(Controller):
    tags = ["shifts"]

    @post("/api/shifts/{shift_id:uuid}/claims/{volunteer_id:uuid}/handover",
          guards=[the_holder], summary="Offer my place to a colleague, or to the site's "
          "volunteers; I keep it until someone accepts", responses=WRITE_PROBLEMS)
    async def offer(
        self, shift_id: FromPath[UUID], volunteer_id: FromPath[UUID],
        commands: NamedDependency[CommandHandler], request: Request[Principal, Any, Any],
        data: JSONBody[NewHandover | None] = None,
    ) -> Created:
        metadata = metadata_for(request)
        handover_id = entity_id(metadata, "handover")
        result = await commands.handle(HANDOVERS, OfferHandover(
            handover_id=handover_id, shift_id=shift_id, volunteer_id=volunteer_id,
            to_volunteer_id=data.to_volunteer_id if data is not None else None, now=now(),
        ), metadata)
        return Created(id=handover_id, position=result.position)

    @post("/api/handovers/{handover_id:uuid}/acceptance", guards=[whom_it_was_offered],
          status_code=200, summary="Take the place offered: moved in one step; 409 when taken",
          responses=WRITE_PROBLEMS)
    async def accept(
        self, handover_id: FromPath[UUID], commands: NamedDependency[CommandHandler],
        request: Request[Principal, Any, Any],
    ) -> Positioned:
        return await _decided(commands, request, AcceptHandover(
            handover_id=handover_id, volunteer_id=_volunteer_of(request), now=now()))

    @post("/api/handovers/{handover_id:uuid}/withdrawal", guards=[who_offered_it],
          status_code=200, summary="Take my offer back before anyone accepts it; I keep the "
          "shift. 409 when taken or withdrawn already", responses=WRITE_PROBLEMS)
    async def withdraw(
        self, handover_id: FromPath[UUID], commands: NamedDependency[CommandHandler],
        request: Request[Principal, Any, Any],
    ) -> Positioned:
        return await _decided(commands, request, WithdrawHandover(
            handover_id=handover_id, volunteer_id=_volunteer_of(request), now=now()))
