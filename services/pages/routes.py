"""Sign-in, sign-out and the start page of each role."""

from __future__ import annotations

from typing import Annotated, Any

import asyncpg
import msgspec
from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect, Template

from services.auth import tokens
from services.auth.revoked_tokens import revoke
from services.auth.sign_in import client_address, sign_in
from services.auth.tokens import Principal, issue
from services.commands.handler import CommandHandler
from services.pages.rendering import page
from services.pages.session import (
    safe_next,
    session_cleared,
    session_cookie,
    session_set,
)
from services.platform.problems import Problem


class SignInForm(msgspec.Struct):
    email: Annotated[str, msgspec.Meta(max_length=254)] = ""
    password: Annotated[str, msgspec.Meta(max_length=256)] = ""
    next: Annotated[str, msgspec.Meta(max_length=2000)] = "/"


class SessionPages(Controller):
    """Reachable without a session."""

    include_in_schema = False

    @get("/sign-in", exclude_from_auth=True)
    async def sign_in_form(self, request: Request[Any, Any, Any]) -> Template:
        return page(request, "sign_in.html", next=safe_next(request.query_params.get("next")),
                    signed_out=request.query_params.get("signed_out") == "1",
                    password_set=request.query_params.get("password_set") == "1")

    @post("/sign-in", exclude_from_auth=True)
    async def sign_in(
        self,
        request: Request[Any, Any, Any],
        commands: NamedDependency[CommandHandler],
        pool: NamedDependency[asyncpg.Pool],
        data: Annotated[SignInForm, Body(media_type=RequestEncodingType.URL_ENCODED)],
    ) -> Template | Redirect:
        try:
            principal = await sign_in(request.app.state, commands, pool, data.email, data.password,
                                        client=client_address(request))
        except Problem as problem:
            error = (
                ("sign_in.throttled", {"seconds": (problem.headers or {}).get("Retry-After", 60)})
                if problem.status_code == 429 else ("sign_in.failed", {})
            )
            return page(request, "sign_in.html", status_code=problem.status_code,
                        next=safe_next(data.next), email=data.email, error=error)
        token = issue(request.app.state.token_key, principal)
        return Redirect(safe_next(data.next), status_code=303,
                        cookies=[session_set(request, token)])

    @post("/sign-out", exclude_from_auth=True)
    async def sign_out(self, request: Request[Any, Any, Any]) -> Redirect:
        """Ends the session's token everywhere (a copy of the cookie is refused too), then
        forgets the cookie. Without a valid session there is nothing to end."""
        token = session_cookie(request)
        try:
            principal = tokens.read(request.app.state.token_key, token) if token else None
        except tokens.InvalidToken:
            principal = None
        if principal is not None:
            await revoke(request.app.state, principal)
        return Redirect("/sign-in?signed_out=1", status_code=303,
                        cookies=[session_cleared(request)])


class HomePage(Controller):
    include_in_schema = False

    @get("/")
    async def home(self, request: Request[Principal, Any, Any]) -> Template | Redirect:
        if request.user.role == "volunteer" and request.user.volunteer_id is not None:
            return Redirect("/volunteer/", status_code=303)  # the volunteer's own start page
        return page(request, "home.html")
