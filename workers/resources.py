"""Per-process resources of a worker, created lazily inside Dramatiq's event loop thread."""

from __future__ import annotations

import os

import asyncpg

from events.store import check_transaction_ids, create_pool

_pool: asyncpg.Pool | None = None


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
