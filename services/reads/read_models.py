"""Reading read models: read-your-writes with ``min_position``, and the position answered.

``ReadModels`` is what a read route or a page depends on to read a projection's tables: it waits
until the projection has applied ``min_position`` (503 with Retry-After past ``MAX_WAIT_SECONDS``,
as API.md promises), runs the query on a pooled connection, and answers the rows with the
position they reflect (``X-Projection-Position``).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

import asyncpg

from events.interface import Store
from projections.runner import Projection, ensure_projection, live_position
from services.platform.problems import Problem

T = TypeVar("T")

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
        # A position the store never gave out is not waited for: anyone may ask for one, and
        # each such wait would hold a request slot for the whole timeout.
        if time.monotonic() >= deadline or min_position > await store.newest_position():
            raise Problem(
                503,
                "Read model not caught up",
                f"{projection} has not yet applied position {min_position}; try again shortly.",
                headers={"Retry-After": "1"},
                projection_position=position,
            )
        await asyncio.sleep(POLL_SECONDS)


class ReadModels:
    def __init__(self, pool: asyncpg.Pool, store: Store) -> None:
        self.pool = pool
        self.store = store

    async def read(
        self,
        projection: Projection,
        min_position: int | None,
        query: Callable[[asyncpg.Connection], Awaitable[T]],
    ) -> tuple[T, int]:
        """Wait until ``projection`` has applied ``min_position``, then run ``query`` on it.

        The position answered is read just before the rows, so the rows reflect at least every
        event up to it (perhaps a few later ones too). That is what read-your-writes needs, and
        it saves the two round trips of a snapshot transaction. A projection no worker has
        created yet is created (empty).
        """

        async def position_then_query(connection: asyncpg.Connection) -> tuple[T, int]:
            position = await live_position(connection, projection.name)
            return await query(connection), position

        return await self.at_live_position(projection, min_position, position_then_query)

    async def at_live_position(
        self,
        projection: Projection,
        min_position: int | None,
        query: Callable[[asyncpg.Connection], Awaitable[tuple[T, int]]],
    ) -> tuple[T, int]:
        """``read`` for a ``query`` that answers its rows and the position they reflect, read in
        one statement (``projections.runner.fetch_at_live_position``): exact, and one round trip
        instead of two on the most frequent reads there are (shift boards, room calendars)."""
        try:
            return await self._read(projection, min_position, query)
        except asyncpg.UndefinedTableError:
            await ensure_projection(self.pool, projection)
            return await self._read(projection, min_position, query)

    async def _read(
        self,
        projection: Projection,
        min_position: int | None,
        query: Callable[[asyncpg.Connection], Awaitable[tuple[T, int]]],
    ) -> tuple[T, int]:
        if min_position:
            await wait_for_projection(self.pool, self.store, projection.name, min_position)
        async with self.pool.acquire() as connection:
            return await query(connection)
