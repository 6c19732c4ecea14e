"""Choosing a password in the browser: "Passwort vergessen" (asks for a link, the same page for
any e-mail) and the page a mailed link opens (reset or invitation), without a session.

The mailed link ``/password/<token>`` is only a door: it moves the token into a short-lived
HTTP-only cookie scoped to ``/password-choice`` and redirects there (Django's
PasswordResetConfirmView does the same with its session), so the token leaves the address bar,
the browser's history and any Referer; those pages send ``Referrer-Policy: no-referrer``."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

import asyncpg
import msgspec
from litestar import Controller, Request, get, post
from litestar.background_tasks import BackgroundTask
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.datastructures import Cookie
from litestar.params import Body, FromPath
from litestar.response import Redirect, Template

from services.accounts import links, password_links
from services.auth import client_limits
from services.auth.closed_accounts import closed_accounts
from services.commands.handler import CommandHandler
from services.commands.rejections import Rejection
from services.pages.rendering import page
from services.pages.session import secure_cookies_forced
from services.platform.problems import Problem


class ForgotForm(msgspec.Struct):
    email: Annotated[str, msgspec.Meta(max_length=254)] = ""


class PasswordForm(msgspec.Struct):
    password: Annotated[str, msgspec.Meta(max_length=256)] = ""
    sign_out_everywhere: str = ""


MIN_LENGTH = 8
"""As the API's ``Password``."""

CHOOSE_PATH = "/password-choice"
LINK_COOKIE = "treffpunkt_password_link"
LINK_COOKIE_SECONDS = 15 * 60
"""Long enough to choose a password, short enough not to linger in a shared browser."""
NO_REFERRER = {"Referrer-Policy": "no-referrer"}


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
        try:
            await client_limits.admit(request, client_limits.RESET_REQUESTS)
        except Problem as waits:
            return page(request, "password_forgot.html", status_code=429, email=data.email,
                        error="password.too_many", headers=waits.headers)
        if "@" not in data.email:
            return page(request, "password_forgot.html", status_code=422, email=data.email,
                        error="password.email_needed")
        answer = page(request, "password_forgot.html", sent=True)
        answer.background = BackgroundTask(password_links.request_reset, commands, pool,
                                           request.app.state.secret_keys, data.email.strip())
        return answer

    @get("/password/{token:str}", exclude_from_auth=True)
    async def open_link(self, request: Request[Any, Any, Any],
                        token: FromPath[str]) -> Template | Redirect:
        """The mailed link: its token moves into a short-lived cookie and the browser on to a
        page without it (as Django's PasswordResetConfirmView does with its session), so the
        token is not in the address bar, the history or a Referer."""
        try:
            link = links.read(request.app.state.secret_keys.tokens, token, datetime.now(UTC))
        except Rejection as refused:
            return _refused(request, refused, 410)
        moved = Redirect(CHOOSE_PATH, status_code=303, headers=NO_REFERRER)
        moved.cookies.append(_link_cookie(request, token, min(
            LINK_COOKIE_SECONDS, link.expires_at - int(datetime.now(UTC).timestamp()))))
        return moved

    @get(CHOOSE_PATH, exclude_from_auth=True)
    async def choose_form(self, request: Request[Any, Any, Any]) -> Template:
        try:
            link = links.read(request.app.state.secret_keys.tokens, _token_of(request),
                              datetime.now(UTC))
        except Rejection as refused:
            return _refused(request, refused, 410)
        return _choose_page(request, invitation=link.purpose == links.INVITATION)

    @post(CHOOSE_PATH, exclude_from_auth=True)
    async def choose(
        self, request: Request[Any, Any, Any],
        commands: NamedDependency[CommandHandler], pool: NamedDependency[asyncpg.Pool],
        data: Annotated[PasswordForm, Body(media_type=RequestEncodingType.URL_ENCODED)],
    ) -> Template | Redirect:
        try:
            await client_limits.admit(request, client_limits.LINK_USES)
        except Problem as waits:
            return page(request, "password_choose.html", status_code=429,
                        error="password.too_many", headers=waits.headers)
        token = _token_of(request)
        try:
            link = links.read(request.app.state.secret_keys.tokens, token, datetime.now(UTC))
        except Rejection as refused:
            return _refused(request, refused, 410)
        if len(data.password) < MIN_LENGTH:
            return _choose_page(request, invitation=link.purpose == links.INVITATION,
                                status_code=422, error="password.too_short")
        try:
            result = await password_links.choose_password(
                commands, pool, request.app.state.secret_keys, token=token,
                password=data.password, sign_out_everywhere=bool(data.sign_out_everywhere))
        except Rejection as refused:
            return _refused(request, refused, refused.status)
        closed_accounts(request.app.state).note(result.events)
        done = Redirect("/sign-in?password_set=1", status_code=303, headers=NO_REFERRER)
        done.cookies.append(_link_cookie(request, "", 0))
        return done


def _token_of(request: Request[Any, Any, Any]) -> str:
    return request.cookies.get(LINK_COOKIE) or ""


def _link_cookie(request: Request[Any, Any, Any], token: str, max_age: int) -> Cookie:
    return Cookie(key=LINK_COOKIE, value=token, path=CHOOSE_PATH, httponly=True,
                  secure=request.url.scheme == "https" or secure_cookies_forced(),
                  samesite="lax", max_age=max(max_age, 0))


def _choose_page(request: Request[Any, Any, Any], *, invitation: bool, status_code: int = 200,
                 error: str | None = None) -> Template:
    return page(request, "password_choose.html", status_code=status_code, form=True,
                invitation=invitation, error=error, headers=NO_REFERRER)


def _refused(request: Request[Any, Any, Any], refused: Rejection, status_code: int) -> Template:
    """The link is forged, expired or spent (or no link came with the request)."""
    return page(request, "password_choose.html", status_code=status_code, headers=NO_REFERRER,
                error=f"password.{refused.members.get('code', 'link_invalid')}")
