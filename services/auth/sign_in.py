"""Signing in with e-mail and password, shared by the API's token route and the sign-in page.

Attempts are throttled per (e-mail, client address), per client address and, far higher, per
e-mail (``throttle``) before the password is checked; the answer never says whether the e-mail
has an account.
"""

from __future__ import annotations

import ipaddress
from typing import Any

import asyncpg
from litestar.connection import ASGIConnection
from litestar.datastructures import State

from services.accounts import service
from services.auth.throttle import SignInThrottle
from services.auth.tokens import Principal
from services.commands.handler import CommandHandler
from services.platform.keys import Keys
from services.platform.problems import Problem


async def sign_in(
    state: State, commands: CommandHandler, pool: asyncpg.Pool, email: str, password: str, *,
    client: str | None = None
) -> Principal:
    """The principal for these credentials; 429 while throttled, 401 when wrong.

    ``client`` is the caller's address as ``client_address`` gives it."""
    keys: Keys = state.secret_keys
    digest = keys.email_digest(email)
    client_digest = keys.client_digest(client) if client else None
    throttle: SignInThrottle = state.sign_in_throttle
    wait = await throttle.admit(digest, client_digest)
    if wait:
        raise Problem(429, "Too many sign-in attempts", "Wait a moment before trying again.",
                      headers={"Retry-After": str(wait)})
    principal = await service.sign_in(commands, pool, keys, email, password)
    if principal is None:
        raise Problem(401, "Sign-in failed", "E-mail or password is wrong.")
    await throttle.succeeded(digest, client_digest)
    return principal


def client_address(connection: ASGIConnection[Any, Any, Any, Any]) -> str | None:
    """The caller's address as the throttle counts it: ``request.client.host`` (which uvicorn
    takes from the proxy's headers when the service runs behind one), an IPv6 address as its
    /64 network, the least one subscriber is given (else every guess could come from a new
    address of the same line)."""
    host = connection.client.host if connection.client else None
    try:
        address = ipaddress.ip_address(host or "")
    except ValueError:
        return host
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return host


__all__ = ["client_address", "sign_in"]
