"""The public programme's rate limit while Redis cannot be reached: each process counts in its
own memory, per client and minute, and says how long to wait (the Redis path is tested over
HTTP in tests/integration/test_programme_api.py)."""

from __future__ import annotations

import pytest
import redis.asyncio as aioredis

from services.programme.rate_limit import wait_seconds

pytestmark = pytest.mark.unit


async def test_without_redis_each_process_still_counts_per_client_and_minute():
    unreachable = aioredis.from_url("redis://127.0.0.1:9", socket_connect_timeout=0.2)
    try:
        minute = 1_000_000 * 60 + 15.5  # 44.5 s before the next window
        asked = [await wait_seconds(unreachable, "t", "198.51.100.7", 3, 1, minute)
                 for _ in range(4)]
        assert asked == [None, None, None, 45]
        assert await wait_seconds(unreachable, "t", "198.51.100.8", 3, 1, minute) is None
        assert await wait_seconds(unreachable, "t", "198.51.100.7", 3, 1, minute + 60) is None
        assert await wait_seconds(unreachable, "t", "198.51.100.8", 3, 10, minute + 60) == 45
    finally:
        await unreachable.aclose()
