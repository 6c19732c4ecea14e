"""Reads of projections: read-your-writes with ``min_position``, and ``X-Projection-Position``."""

from __future__ import annotations

import asyncio
import time

import asyncpg

from events.interface import Store
from projections.runner import live_position
from services.platform.problems import Problem

MAX_WAIT_SECONDS = 5.0
POLL_SECONDS = 0.02
POSITION_HEADER = "X-Projection-Position"


async def wait_for_projection(
    pool: asyncpg.Pool,
    store: Store,
    projection: str,
    min_position: int,
    *,
    timeout: float = MAX_WAIT_SECONDS,
) -> int:
    """Wait until ``projection`` has applied ``min_position``; returns its position then.

    Past the wait: 503 with Retry-After, as API.md promises.
    """
    deadline = time.monotonic() + timeout
    while True:
        position = await live_position(pool, projection)
        if await store.is_at_or_before(min_position, position):
            return position
        if time.monotonic() >= deadline:
            raise Problem(
                503,
                "Read model not caught up",
                f"{projection} has not yet applied position {min_position}; try again shortly.",
                headers={"Retry-After": "1"},
                projection_position=position,
            )
        await asyncio.sleep(POLL_SECONDS)
