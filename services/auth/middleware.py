"""Authentication: who is calling. Puts the ``Principal`` on ``request.user``; guards decide.

Credentials come from *sources*, tried in order. The API has one: ``Authorization: Bearer``.
The pages (issue 7) add a session-cookie source for their own paths, e.g.

    def session_cookie(connection) -> str | None:
        return connection.cookies.get(SESSION_COOKIE)

    DefineMiddleware(TokenAuthentication, exclude=..., sources=(session_cookie,)) scoped to the
    pages, with Litestar's ``CSRFConfig`` on the app so every form POST carries a CSRF token.

A cookie must never be accepted on ``/api`` routes: browsers send cookies by themselves, so an
API that accepted them would be open to cross-site request forgery. The cookie's value is the
same signed token (``tokens.issue``), set ``HttpOnly; Secure; SameSite=Lax`` by a sign-in form.

A token of a closed account is refused (``closed_accounts``: an in-memory set, no round trip),
and so is a token that was signed out (``revoked_tokens``, the same kind of set).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any
from uuid import UUID

from litestar.connection import ASGIConnection
from litestar.datastructures import State
from litestar.exceptions import NotAuthorizedException
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult
from litestar.types import ASGIApp

from services.auth import tokens
from services.auth.closed_accounts import account_is_closed
from services.auth.revoked_tokens import token_is_revoked

CredentialSource = Callable[[ASGIConnection[Any, Any, Any, Any]], str | None]
ClosedCheck = Callable[[State, UUID | tuple[UUID, int]], Awaitable[bool]]
RevokedCheck = Callable[[State, str], Awaitable[bool]]
CHALLENGE = {"WWW-Authenticate": 'Bearer realm="treffpunkt"'}


def bearer_header(connection: ASGIConnection[Any, Any, Any, Any]) -> str | None:
    scheme, _, token = connection.headers.get("authorization", "").partition(" ")
    return (token.strip() or None) if scheme.lower() == "bearer" else None


class TokenAuthentication(AbstractAuthenticationMiddleware):
    def __init__(
        self,
        app: ASGIApp,
        *,
        sources: Sequence[CredentialSource] = (bearer_header,),
        closed: ClosedCheck = account_is_closed,
        revoked: RevokedCheck = token_is_revoked,
        **options: Any,
    ) -> None:
        super().__init__(app, **options)
        self.sources = tuple(sources)
        self.closed = closed
        self.revoked = revoked

    async def authenticate_request(
        self, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> AuthenticationResult:
        token = next((t for source in self.sources if (t := source(connection))), None)
        if token is None:
            raise NotAuthorizedException(
                "Sign in first: send Authorization: Bearer <token>", headers=CHALLENGE
            )
        try:
            principal = tokens.read(connection.app.state.token_key, token)
        except tokens.InvalidToken:
            raise NotAuthorizedException(
                "The token is invalid or has expired", headers=CHALLENGE
            ) from None
        if await self.closed(connection.app.state, principal.account_id):
            raise NotAuthorizedException("The account of this token is closed", headers=CHALLENGE)
        if await self.closed(connection.app.state,
                             (principal.account_id, principal.password_changes)):
            raise NotAuthorizedException("This token was signed out with a new password",
                                         headers=CHALLENGE)
        if await self.revoked(connection.app.state, principal.jti):
            raise NotAuthorizedException("This token was signed out", headers=CHALLENGE)
        return AuthenticationResult(user=principal, auth=token)
