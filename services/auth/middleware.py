"""Bearer authentication for every /api route except signing in."""

from __future__ import annotations

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult

from services.auth import tokens


class BearerAuthentication(AbstractAuthenticationMiddleware):
    async def authenticate_request(self, connection: ASGIConnection) -> AuthenticationResult:
        header = connection.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise NotAuthorizedException("Sign in first: send Authorization: Bearer <token>")
        key: bytes = connection.app.state.token_key
        try:
            principal = tokens.read(key, token.strip())
        except tokens.InvalidToken:
            raise NotAuthorizedException("The token is invalid or has expired") from None
        return AuthenticationResult(user=principal, auth=token)
