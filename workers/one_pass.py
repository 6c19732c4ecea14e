"""Folding a burst of wake-ups into as few catch-ups as keep a worker up to date."""

from __future__ import annotations

from collections.abc import Awaitable, Callable


class OnePassAtATime:
    """Runs ``work`` for its callers, never twice at once in this process.

    A call arriving while a pass runs asks for one more pass and returns at once: a burst of
    wake-ups becomes one catch-up and one more after it, instead of catch-ups contending for the
    same locks and rows. Wake-ups and ticks of a worker process all run on its one event loop
    (Dramatiq's asyncio thread), so the flags need no lock. If a pass fails, a pass asked for
    meanwhile is left to the next wake-up or tick.
    """

    def __init__(self, work: Callable[[], Awaitable[None]]) -> None:
        self._work = work
        self._running = False
        self._again = False

    async def __call__(self) -> None:
        if self._running:
            self._again = True
            return
        self._running = True
        try:
            while True:
                self._again = False
                await self._work()
                if not self._again:
                    return
        finally:
            self._running = False
