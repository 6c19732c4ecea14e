"""The pages' session: the same signed token the API issues, kept in an HTTP-only cookie.

The cookie is accepted only on page routes, never on ``/api`` (the bearer middleware there does
not read cookies), and every form POST carries Litestar's CSRF token, so another site can neither
read the session nor make a signed-in browser act.
"""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import quote

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie
from litestar.exceptions import NotAuthorizedException
from litestar.response import Redirect

from services.auth.tokens import TOKEN_LIFETIME

SESSION_COOKIE = "treffpunkt_session"
SIGN_IN_PATH = "/sign-in"


def session_cookie(connection: ASGIConnection[Any, Any, Any, Any]) -> str | None:
    return connection.cookies.get(SESSION_COOKIE) or None


def secure_cookies_forced() -> bool:
    """Behind a TLS proxy the app sees plain http: set ``TREFFPUNKT_SECURE_COOKIES=1`` there to
    mark the cookies ``Secure`` regardless (not by default: plain-http setups would lose them)."""
    return os.environ.get("TREFFPUNKT_SECURE_COOKIES", "") not in ("", "0")


def _secure(request: Request[Any, Any, Any]) -> bool:
    return request.url.scheme == "https" or secure_cookies_forced()


def session_set(request: Request[Any, Any, Any], token: str) -> Cookie:
    return Cookie(
        key=SESSION_COOKIE, value=token, path="/", httponly=True, secure=_secure(request),
        samesite="lax", max_age=int(TOKEN_LIFETIME.total_seconds()),
    )


def session_cleared(request: Request[Any, Any, Any]) -> Cookie:
    return Cookie(key=SESSION_COOKIE, value="", path="/", httponly=True, secure=_secure(request),
                  samesite="lax", max_age=0)


def to_sign_in(request: Request[Any, Any, Any], _: NotAuthorizedException) -> Redirect:
    """A page asked for without a (valid) session: sign in first, then come back."""
    target = request.url.path
    if request.url.query:
        target += "?" + request.url.query
    redirect = Redirect(f"{SIGN_IN_PATH}?next={quote(target, safe='/')}", status_code=303)
    if session_cookie(request) is not None:  # expired or forged: drop it
        redirect.cookies.append(session_cleared(request))
    return redirect


def safe_next(value: str | None) -> str:
    """Only our own paths: ``//evil.example`` or ``https://...`` would be an open redirect."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    return value
