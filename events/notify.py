"""Waking listeners after commits.

A NOTIFY inside the writing transaction would take PostgreSQL's notification lock during every
commit and so serialise all writers. Instead the store pokes a ``Coalescer`` after its commit;
the coalescer sends one wake-up at a time on a connection of its own, carrying only the newest
position (never the event), and folds pokes that arrive while it is sending into the next one.
Under load a send would follow every commit; ``min_interval`` spaces sends out instead, so a
busy process wakes its listeners a bounded number of times per second (the first poke after a
quiet spell still goes out at once).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

import asyncpg

from events.store import NOTIFY_CHANNEL

log = logging.getLogger(__name__)


class Coalescer:
    """Calls ``send(latest_position)`` after pokes, never two at once, never one per poke."""

    def __init__(
        self, name: str, send: Callable[[int], Awaitable[None]], *, min_interval: float = 0.0
    ) -> None:
        self.name = name
        self._send = send
        self._min_interval = min_interval
        self._latest = 0
        self._pending = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name=self.name)

    def poke(self, position: int) -> None:
        self._latest = max(self._latest, position)
        self._pending.set()

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            await self._pending.wait()
            self._pending.clear()
            try:
                await self._send(self._latest)
            except Exception as error:  # noqa: BLE001 - listeners also poll; a lost wake-up only delays them
                log.warning("%s could not wake listeners: %s", self.name, error)
                await asyncio.sleep(0.5)
            else:
                if self._min_interval:
                    await asyncio.sleep(self._min_interval)


def postgres_notifier(
    pool: asyncpg.Pool, channel: str = NOTIFY_CHANNEL, *, min_interval: float = 0.0
) -> Coalescer:
    async def send(position: int) -> None:
        await pool.execute("SELECT pg_notify($1, $2)", channel, str(position))

    return Coalescer("postgres-notifier", send, min_interval=min_interval)


async def listen(
    connection: asyncpg.Connection,
    on_wake: Callable[[int], None],
    channel: str = NOTIFY_CHANNEL,
) -> None:
    """Call ``on_wake(position)`` whenever a writer commits; the payload is only a position."""

    def handle(_connection: object, _pid: int, _channel: str, payload: str) -> None:
        on_wake(int(payload) if payload.isdigit() else 0)

    await connection.add_listener(channel, handle)
