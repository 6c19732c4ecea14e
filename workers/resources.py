"""Per-process resources of a worker, created lazily inside Dramatiq's event loop thread."""

from __future__ import annotations

import os

import asyncpg
import redis.asyncio as aioredis

from events.store import check_transaction_ids, create_pool
from workers.broker import REDIS_URL

_pool: asyncpg.Pool | None = None
_redis: aioredis.Redis | None = None


async def pool() -> asyncpg.Pool:
    global _pool
    if _pool is None:
        created = await create_pool(os.environ["DATABASE_URL"], min_size=1, max_size=4)
        try:
            await check_transaction_ids(created)
        except BaseException:
            await created.close()
            raise
        _pool = created
    return _pool


def redis() -> aioredis.Redis:
    """A client of the broker's Redis for data beside the queues (e.g. report jobs)."""
    global _redis
    if _redis is None:
        _redis = aioredis.from_url(REDIS_URL)
    return _redis
