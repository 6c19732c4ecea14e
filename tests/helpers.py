"""Helpers shared by tests that read through the store's barrier.

Readers only pass transactions older than every transaction in flight on the whole PostgreSQL
cluster, so another session's open transaction (a parallel test run on the same server, say)
can hold them back for a moment. Tests wait for what they need instead of assuming it.
"""

from __future__ import annotations

import asyncio

from events import ledger
from events.base import StoredEvent
from events.interface import Store


async def read_everything(store: Store, expected: int, timeout: float = 20) -> list[StoredEvent]:
    async def poll() -> list[StoredEvent]:
        while len(events := await store.read_all(0, limit=100_000)) < expected:
            await asyncio.sleep(0.02)
        return events

    return await asyncio.wait_for(poll(), timeout)


async def seal_everything(pool, timeout: float = 20) -> None:
    async def poll() -> None:
        while True:
            await ledger.seal(pool)
            if await pool.fetchval(
                "SELECT (SELECT count(*) FROM events) = (SELECT count(*) FROM ledger)"
            ):
                return
            await asyncio.sleep(0.02)

    await asyncio.wait_for(poll(), timeout)
