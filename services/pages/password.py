"""Choosing a password in the browser: "Passwort vergessen" (asks for a link, the same page for
any e-mail) and the page a mailed link opens (reset or invitation), without a session."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

import asyncpg
import msgspec
from litestar import Controller, Request, get, post
from litestar.background_tasks import BackgroundTask
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath
from litestar.response import Redirect, Template

from services.accounts import links, password_links
from services.auth.closed_accounts import closed_accounts
from services.commands.handler import CommandHandler
from services.commands.rejections import Rejection
from services.pages.rendering import page


class ForgotForm(msgspec.Struct):
    email: Annotated[str, msgspec.Meta(max_length=254)] = ""


class PasswordForm(msgspec.Struct):
    password: Annotated[str, msgspec.Meta(max_length=256)] = ""
    sign_out_everywhere: str = ""


MIN_LENGTH = 8
"""As the API's ``Password``."""


class PasswordPages(Controller):
    include_in_schema = False

    @get("/password-reset", exclude_from_auth=True)
    async def forgot_form(self, request: Request[Any, Any, Any]) -> Template:
        return page(request, "password_forgot.html")

    @post("/password-reset", exclude_from_auth=True)
    async def forgot(
        self, request: Request[Any, Any, Any], commands: NamedDependency[CommandHandler],
        pool: NamedDependency[asyncpg.Pool],
        data: Annotated[ForgotForm, Body(media_type=RequestEncodingType.URL_ENCODED)],
    ) -> Template:
        if "@" not in data.email:
            return page(request, "password_forgot.html", status_code=422, email=data.email,
                        error="password.email_needed")
        answer = page(request, "password_forgot.html", sent=True)
        answer.background = BackgroundTask(password_links.request_reset, commands, pool,
                                           request.app.state.secret_keys, data.email.strip())
        return answer

    @get("/password/{token:str}", exclude_from_auth=True)
    async def choose_form(self, request: Request[Any, Any, Any],
                          token: FromPath[str]) -> Template:
        try:
            link = links.read(request.app.state.secret_keys.tokens, token, datetime.now(UTC))
        except Rejection as refused:
            return page(request, "password_choose.html", status_code=410,
                        error=f"password.{refused.members.get('code', 'link_invalid')}")
        return page(request, "password_choose.html", token=token,
                    invitation=link.purpose == links.INVITATION)

    @post("/password/{token:str}", exclude_from_auth=True)
    async def choose(
        self, request: Request[Any, Any, Any], token: FromPath[str],
        commands: NamedDependency[CommandHandler], pool: NamedDependency[asyncpg.Pool],
        data: Annotated[PasswordForm, Body(media_type=RequestEncodingType.URL_ENCODED)],
    ) -> Template | Redirect:
        if len(data.password) < MIN_LENGTH:
            return page(request, "password_choose.html", status_code=422, token=token,
                        error="password.too_short")
        try:
            result = await password_links.choose_password(
                commands, pool, request.app.state.secret_keys, token=token,
                password=data.password, sign_out_everywhere=bool(data.sign_out_everywhere))
        except Rejection as refused:
            return page(request, "password_choose.html", status_code=refused.status,
                        error=f"password.{refused.members.get('code', 'link_invalid')}")
        closed_accounts(request.app.state).note(result.events)
        return Redirect("/sign-in?password_set=1", status_code=303)
