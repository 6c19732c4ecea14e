"""Accounts and signing in (API.md, "Accounts")."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

import asyncpg
import msgspec
from litestar import Controller, Request, Response, post
from litestar.background_tasks import BackgroundTask
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from services.accounts import password_links, service
from services.auth import client_limits, tokens
from services.auth.guards import ADMIN, requires_roles
from services.auth.closed_accounts import closed_accounts
from services.auth.revoked_tokens import revoke
from services.auth.sign_in import client_address, sign_in
from services.auth.tokens import Principal
from services.commands.handler import CommandHandler
from services.commands.http import idempotency_key
from services.platform.problems import WRITE_PROBLEMS, problem_responses
from services.platform.resources import resources_of

_ADDRESS_PART = r"[^@\s\x00-\x1f\x7f-\x9f]+"
Email = Annotated[str, msgspec.Meta(min_length=3, max_length=254,
                                    pattern=rf"\A{_ADDRESS_PART}@{_ADDRESS_PART}\Z")]
Password = Annotated[str, msgspec.Meta(min_length=8, max_length=256)]


class TokenRequest(msgspec.Struct, forbid_unknown_fields=True):
    email: Annotated[str, msgspec.Meta(max_length=254)]
    password: Annotated[str, msgspec.Meta(max_length=256)]


class TokenResponse(msgspec.Struct):
    access_token: str
    expires_at: datetime
    role: str
    token_type: str = "bearer"


class NewAccount(msgspec.Struct, forbid_unknown_fields=True):
    email: Email
    password: Password
    role: str
    site_ids: Annotated[list[UUID], msgspec.Meta(max_length=100)] = []
    volunteer_id: UUID | None = None


class PasswordResetRequest(msgspec.Struct, forbid_unknown_fields=True):
    email: Email


class NewPassword(msgspec.Struct, forbid_unknown_fields=True):
    password: Password
    sign_out_everywhere: bool = False


class LinkedPassword(NewPassword, forbid_unknown_fields=True, kw_only=True):
    token: Annotated[str, msgspec.Meta(min_length=1, max_length=512)]
    """The mailed link's token, in the body: out of the path, and so out of access logs."""


class ResetRequested(msgspec.Struct):
    status: str = "accepted"
    detail: str = "If the e-mail has an account, a link to choose a new password is on its way."


class Created(msgspec.Struct):
    id: UUID
    position: int


LIMITED_WRITE = {**WRITE_PROBLEMS, **problem_responses(429)}
"""A write counted per client address (``client_limits``)."""


async def _choose(request: Request[Principal, Any, Any], token: str, data: NewPassword) -> None:
    await client_limits.admit(request, client_limits.LINK_USES)
    resources = resources_of(request)
    result = await password_links.choose_password(
        resources.commands, resources.pool, request.app.state.secret_keys, token=token,
        password=data.password, sign_out_everywhere=data.sign_out_everywhere)
    closed_accounts(request.app.state).note(result.events)  # refused from this answer on


class SignInController(Controller):
    path = "/api/auth"
    tags = ["accounts"]

    @post("/token", exclude_from_auth=True, status_code=200, summary="Sign in",
          responses=LIMITED_WRITE)
    async def token(
        self,
        data: JSONBody[TokenRequest],
        commands: NamedDependency[CommandHandler],
        pool: NamedDependency[asyncpg.Pool],
        request: Request[Principal, Any, Any],
    ) -> TokenResponse:
        principal = await sign_in(request.app.state, commands, pool, data.email, data.password,
                                  client=client_address(request))
        return TokenResponse(
            access_token=tokens.issue(request.app.state.token_key, principal),
            expires_at=principal.expires_at,
            role=principal.role,
        )

    @post("/password-reset", exclude_from_auth=True, status_code=202,
          summary="Ask for a link to choose a new password (the same answer for any e-mail)",
          responses=LIMITED_WRITE)
    async def password_reset(
        self, data: JSONBody[PasswordResetRequest], commands: NamedDependency[CommandHandler],
        pool: NamedDependency[asyncpg.Pool], request: Request[Principal, Any, Any],
    ) -> Response[ResetRequested]:
        await client_limits.admit(request, client_limits.RESET_REQUESTS)
        # The lookup and the mail happen after the answer: its time tells nothing.
        return Response(ResetRequested(), status_code=202, background=BackgroundTask(
            password_links.request_reset, commands, pool, request.app.state.secret_keys,
            data.email))

    @post("/password-reset/{token:str}", exclude_from_auth=True, status_code=204,
          summary="Choose a new password with a mailed link (spends the link)",
          responses=LIMITED_WRITE)
    async def choose_password(
        self, token: FromPath[str], data: JSONBody[NewPassword],
        request: Request[Principal, Any, Any],
    ) -> None:
        await _choose(request, token, data)

    @post("/password-choice", exclude_from_auth=True, status_code=204,
          summary="The same with the link's token in the body (kept out of access logs)",
          responses=LIMITED_WRITE)
    async def choose_password_with_token(
        self, data: JSONBody[LinkedPassword], request: Request[Principal, Any, Any],
    ) -> None:
        await _choose(request, data.token, data)

    @post("/sign-out", status_code=204, summary="Sign out: this token is refused from now on",
          responses=problem_responses(401, 503))
    async def sign_out(self, request: Request[Principal, Any, Any]) -> None:
        await revoke(request.app.state, request.user)


class AccountsController(Controller):
    path = "/api/accounts"
    tags = ["accounts"]
    guards = [requires_roles(ADMIN)]

    @post("/", summary="Create an account (admin)", responses=WRITE_PROBLEMS)
    async def create(
        self,
        data: JSONBody[NewAccount],
        commands: NamedDependency[CommandHandler], pool: NamedDependency[asyncpg.Pool],
        request: Request[Principal, Any, Any],
    ) -> Created:
        result, account_id = await service.register_account(
            commands,
            pool,
            request.app.state.secret_keys,
            email=data.email,
            password=data.password,
            role=data.role,
            site_ids=data.site_ids,
            volunteer_id=data.volunteer_id,
            actor=f"account:{request.user.account_id}",
            idempotency_key=idempotency_key(request),
        )
        return Created(id=account_id, position=result.position)
