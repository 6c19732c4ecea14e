"""Statements sent in order on one connection while the caller prepares the next ones.

A projection's batch is Python work (evolve, merge, encode the rows) followed by a few
statements PostgreSQL works on while Python waits. ``Pipeline.execute`` returns as soon as its
statement is queued, so Python plans the next read model while PostgreSQL applies the previous
one: the two processes use both cores instead of taking turns.

Statements run one after another in the order given. A failure is raised by the next
``execute`` or by ``flush``, and every statement queued after it is not run; the caller's
transaction is then rolled back as usual.
"""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg


class Pipeline:
    def __init__(self, connection: asyncpg.Connection) -> None:
        self.connection = connection
        self._last: asyncio.Task[None] | None = None

    async def execute(self, sql: str, *args: Any) -> None:
        previous = self._last
        if previous is not None and previous.done():
            previous.result()  # a failure surfaces here, before anything more is queued
            previous = None
        self._last = asyncio.create_task(self._after(previous, sql, args))
        # Let the task send its statement now, before the caller goes back to computing.
        await asyncio.sleep(0)

    async def _after(self, previous: asyncio.Task[None] | None, sql: str, args: tuple[Any, ...]) -> None:
        if previous is not None:
            await previous
        await self.connection.execute(sql, *args)

    async def flush(self) -> None:
        """Wait until every queued statement has run; raises the first failure."""
        last, self._last = self._last, None
        if last is not None:
            await last

    async def abandon(self) -> None:
        """Wait for what is under way without raising (before the transaction rolls back)."""
        last, self._last = self._last, None
        if last is not None:
            await asyncio.gather(last, return_exceptions=True)
