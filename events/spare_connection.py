"""The connection an appending process keeps for a moment between appends that follow closely.

Taking a connection from asyncpg's pool and giving it back costs the client more than a small
INSERT does (the release runs as a shielded task: three turns of the event loop, a task and its
futures). Appends that follow each other closely (a busy process, an import, a command of
several appends) reuse the connection the last one wrote with; it goes back to the pool once
no append has used it for ``linger`` seconds, so a quiet process holds no connection.

Only a connection whose statement completed is kept: it holds no transaction (each append is
one statement) and no session state, so the next append finds it as the pool would hand it out.
"""

from __future__ import annotations

import asyncio

import asyncpg


class SpareConnection:
    def __init__(self, pool: asyncpg.Pool, *, linger: float = 0.02) -> None:
        self._pool = pool
        self._linger = linger
        self._spare: asyncpg.pool.PoolConnectionProxy | None = None
        self._last_used = 0.0
        self._timer: asyncio.TimerHandle | None = None
        self._releasing: set[asyncio.Task[None]] = set()  # referenced while they run

    async def acquire(self) -> asyncpg.pool.PoolConnectionProxy:
        connection, self._spare = self._spare, None
        if connection is not None:
            if not connection.is_closed() and not self._pool.is_closing():
                return connection
            await self._pool.release(connection)  # the pool replaces a closed one
        return await self._pool.acquire()

    async def put_back(self, connection: asyncpg.pool.PoolConnectionProxy) -> None:
        """After a statement that completed: kept as the spare (if there is none yet)."""
        if (
            self._spare is not None
            or connection.is_closed()
            or connection.is_in_transaction()
            or self._pool.is_closing()
        ):
            await self._pool.release(connection)
            return
        loop = asyncio.get_running_loop()
        self._spare = connection
        self._last_used = loop.time()
        if self._timer is None:
            self._timer = loop.call_later(self._linger, self._expire)

    async def release(self, connection: asyncpg.pool.PoolConnectionProxy) -> None:
        """After a statement that failed or was cancelled: back to the pool, which resets it."""
        await self._pool.release(connection)

    def _expire(self) -> None:
        self._timer = None
        if self._spare is None:
            return
        loop = asyncio.get_running_loop()
        left = self._last_used + self._linger - loop.time()
        if left > 0:  # used since the timer was set: one timer per linger, not one per append
            self._timer = loop.call_later(left, self._expire)
            return
        connection, self._spare = self._spare, None
        task = loop.create_task(self._pool.release(connection))
        self._releasing.add(task)
        task.add_done_callback(self._releasing.discard)
