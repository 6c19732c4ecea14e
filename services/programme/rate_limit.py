"""A rate limit per client address on the public programme's routes (no sign-in there, so the
address is all there is to count by).

A fixed window of a minute per address, counted in Redis (shared by every API process, the
keys expire by themselves); past the allowance ``429`` with ``Retry-After`` (the seconds to the
next window). A poster costs more than a page (Typst typesets it). While Redis is unreachable
each process counts in its own memory: public pages stay up, and the limit holds per process.
"""

from __future__ import annotations

import time
from typing import Any

import redis.asyncio as aioredis
from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from services.auth.sign_in import client_address
from services.platform.problems import Problem

WINDOW_SECONDS = 60
POSTER_COST = 10
_local: dict[tuple[str, int], int] = {}
"""(client key, window) -> count, while Redis cannot be reached; only the current window kept."""


async def _count(redis: aioredis.Redis, key: str, window: int, cost: int) -> int:
    try:
        async with redis.pipeline(transaction=True) as pipe:
            pipe.incrby(f"{key}:{window}", cost)
            pipe.expire(f"{key}:{window}", WINDOW_SECONDS + 1)
            count, _ = await pipe.execute()
        return int(count)
    except (aioredis.RedisError, OSError):
        for stale in [entry for entry in _local if entry[1] < window]:
            del _local[stale]
        _local[(key, window)] = _local.get((key, window), 0) + cost
        return _local[(key, window)]


async def wait_seconds(redis: aioredis.Redis, namespace: str, client: str, allowance: int,
                       cost: int, now: float) -> int | None:
    """Counts a request of ``client``; the seconds it must wait if that was past its
    allowance this minute, else None."""
    window = int(now // WINDOW_SECONDS)
    key = f"{namespace}:programme-rate:{client}"
    if await _count(redis, key, window, cost) <= allowance:
        return None
    return max(1, int((window + 1) * WINDOW_SECONDS - now + 0.999))


async def admit(connection: ASGIConnection[Any, Any, Any, Any], cost: int = 1) -> None:
    """Counts the request against its client's allowance; past it, 429."""
    resources = connection.app.state.resources
    allowance = resources.settings.public_requests_per_minute
    wait = await wait_seconds(resources.redis, resources.settings.broker_namespace,
                              client_address(connection) or "unknown", allowance, cost,
                              time.time())
    if wait is not None:
        raise Problem(429, "Too many requests",
                      f"At most {allowance} requests a minute from one address; "
                      f"try again in {wait} s.", headers={"Retry-After": str(wait)})


async def rate_limited(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """A guard: one request."""
    await admit(connection)


async def poster_rate_limited(
    connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler
) -> None:
    """A guard: a poster, worth ``POSTER_COST`` requests."""
    await admit(connection, POSTER_COST)
