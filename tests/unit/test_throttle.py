from __future__ import annotations

import asyncio

import pytest
import redis.asyncio as aioredis

from services.auth.throttle import SignInThrottle

pytestmark = pytest.mark.unit


class UnreachableRedis:
    """Fails like a Redis that is down, for the throttle's in-memory fallback."""

    def pipeline(self, **_):
        raise aioredis.ConnectionError("down")

    async def delete(self, *_):
        raise aioredis.ConnectionError("down")


async def test_without_redis_attempts_are_counted_in_memory_per_email_until_the_window_ends():
    throttle = SignInThrottle(UnreachableRedis(), "t", attempts_allowed=2, window_seconds=1)
    assert [await throttle.admit("a") for _ in range(3)] == [0, 0, 1]
    assert await throttle.admit("b") == 0
    await asyncio.sleep(1.05)
    assert await throttle.admit("a") == 0


async def test_a_successful_sign_in_clears_the_count_even_without_redis():
    throttle = SignInThrottle(UnreachableRedis(), "t", attempts_allowed=1)
    assert await throttle.admit("a") == 0
    await throttle.succeeded("a")
    assert await throttle.admit("a") == 0
    assert await throttle.admit("a") > 0
