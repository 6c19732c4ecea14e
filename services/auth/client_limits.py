"""Per client address limits on the password-link routes (asking for a reset, using a reset or
invitation link), in the API and the pages alike: counted before anything is looked up, so the
answer is the same whether the e-mail has an account or the link is good."""

from __future__ import annotations

from typing import Any

import redis.asyncio as aioredis
from litestar.connection import ASGIConnection

from services.auth.sign_in import client_address
from services.auth.throttle import ClientLimit
from services.platform.keys import Keys
from services.platform.problems import Problem

RESET_REQUESTS, LINK_USES = "password-reset-requests", "password-link-uses"


def client_limits(redis: aioredis.Redis, namespace: str) -> dict[str, ClientLimit]:
    return {kind: ClientLimit(redis, namespace, kind) for kind in (RESET_REQUESTS, LINK_USES)}


async def admit(connection: ASGIConnection[Any, Any, Any, Any], kind: str) -> None:
    """Count this request from its client; 429 with Retry-After past the limit."""
    keys: Keys = connection.app.state.secret_keys
    client = client_address(connection)
    wait = await connection.app.state.client_limits[kind].admit(
        keys.client_digest(client) if client else None)
    if wait:
        raise Problem(429, "Too many requests", "Wait a while before trying again.",
                      headers={"Retry-After": str(wait)})
