"""Volunteers' personal data (API.md, "Volunteers and shifts" and the erasure route)."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

import asyncpg
import msgspec
from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from events.store import EventStore
from services.accounts import password_links
from services.accounts.routes import Created, Email
from services.auth.closed_accounts import closed_accounts
from services.auth.guards import ADMIN, COORDINATOR, STAFF, from_path, requires_roles
from services.auth.tokens import Principal
from services.commands.handler import CommandHandler
from services.commands.http import idempotency_key
from services.commands.text import Title
from services.platform.problems import READ_PROBLEMS, WRITE_PROBLEMS
from services.volunteers import service
from services.volunteers.access import coordinator_of_the_volunteer

Phone = Annotated[str, msgspec.Meta(min_length=3, max_length=40, pattern=r"\A[0-9+()/ .-]+\Z")]


class NewVolunteer(msgspec.Struct, forbid_unknown_fields=True):
    name: Title
    email: Email
    phone: Phone | None = None


class Positioned(msgspec.Struct):
    position: int


class VolunteersController(Controller):
    path = "/api/volunteers"
    tags = ["volunteers"]

    @post("/", guards=[requires_roles(*STAFF)], summary="Register a volunteer",
          responses=WRITE_PROBLEMS)
    async def create(
        self, data: JSONBody[NewVolunteer], commands: NamedDependency[CommandHandler],
        pool: NamedDependency[asyncpg.Pool], request: Request[Principal, Any, Any]
    ) -> Created:
        principal = request.user
        result, volunteer_id = await service.register(
            commands, pool, data.name, data.email, data.phone,
            actor=f"account:{principal.account_id}",
            site_ids=principal.site_ids if principal.role == COORDINATOR else [],
            idempotency_key=idempotency_key(request),
        )
        return Created(id=volunteer_id, position=result.position)

    @get(
        "/{volunteer_id:uuid}",
        guards=[coordinator_of_the_volunteer(from_path("volunteer_id"))],
        summary="A volunteer's profile (a coordinator's: of volunteers known at its sites)",
        responses=READ_PROBLEMS,
    )
    async def read(
        self, volunteer_id: FromPath[UUID], store: NamedDependency[EventStore],
        pool: NamedDependency[asyncpg.Pool]
    ) -> service.Profile:
        return await service.profile(store, pool, volunteer_id)

    @post(
        "/{volunteer_id:uuid}/invitation",
        guards=[requires_roles(ADMIN, COORDINATOR),
                coordinator_of_the_volunteer(from_path("volunteer_id"))],
        status_code=202,
        summary="Invite the volunteer: its account and a link (7 days) to choose a password",
        responses=WRITE_PROBLEMS,
    )
    async def invite(
        self, volunteer_id: FromPath[UUID], commands: NamedDependency[CommandHandler],
        store: NamedDependency[EventStore], pool: NamedDependency[asyncpg.Pool],
        request: Request[Principal, Any, Any],
    ) -> Positioned:
        return Positioned(position=await password_links.invite(
            commands, store, pool, request.app.state.secret_keys, volunteer_id,
            actor=f"account:{request.user.account_id}"))

    @post(
        "/{volunteer_id:uuid}/erasure",
        guards=[requires_roles(ADMIN)],
        status_code=200,
        summary="Erase a volunteer's personal data (right to erasure)",
        responses=WRITE_PROBLEMS,
    )
    async def erase(
        self, volunteer_id: FromPath[UUID], commands: NamedDependency[CommandHandler],
        pool: NamedDependency[asyncpg.Pool], request: Request[Principal, Any, Any]
    ) -> Positioned:
        closed = closed_accounts(request.app.state)
        try:
            result = await service.erase(
                commands, pool, volunteer_id,
                actor=f"account:{request.user.account_id}",
                idempotency_key=idempotency_key(request),
            )
        except BaseException:
            closed.expire()  # it may have closed the account before failing: look again
            raise
        closed.note(result.events)  # the closed account's tokens end with this response
        return Positioned(position=result.position)
