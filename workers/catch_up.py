"""What a worker does whenever it is woken, and the ticker that wakes it without Redis.

Wake-ups through Redis are the fast path. If Redis was down when events were committed, the
ticker still runs the same catch-up every few seconds, so nothing waits for the next command.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Awaitable, Callable

import dramatiq
from dramatiq.asyncio import get_event_loop_thread

from events import ledger
from events.catalog import registry
from events.store import EventStore
from projections.catalog import PROJECTIONS
from projections.runner import ensure_projection, record_failure, run_once, run_together
from workers import resources
from workers.mail import outbox
from workers.mail.actor import wake_delivery
from workers.one_pass import OnePassAtATime

log = logging.getLogger(__name__)
TICK_SECONDS = 2.0


_ensured: set[str] = set()


async def _catch_up_once() -> None:
    """Seal new events into the ledger and bring every read model up to date."""
    pool = await resources.pool()
    await ledger.seal(pool)
    store = EventStore(pool, registry)
    for projection in PROJECTIONS:
        if projection.name not in _ensured:
            await ensure_projection(pool, projection)
            _ensured.add(projection.name)
    try:
        await run_together(pool, store, PROJECTIONS)
    except Exception:
        # One read model failing holds back the shared batch: the others go on one by one.
        log.exception("catching up the read models together failed; trying one by one")
        failed: list[Exception] = []
        for projection in PROJECTIONS:
            try:
                await run_once(pool, store, projection)
            except Exception as error:
                log.exception("read model %s failed", projection.name)
                failed.append(error)
                with contextlib.suppress(Exception):  # the database may be what failed
                    await record_failure(pool, projection.name, error)
        if failed:
            raise failed[0]
    if await outbox.due(pool):
        wake_delivery()


catch_up = OnePassAtATime(_catch_up_once)


class CatchUpTicker(dramatiq.Middleware):
    """Runs ``work`` (the catch-up, unless named) every ``interval`` seconds."""

    def __init__(self, interval: float = TICK_SECONDS,
                 work: Callable[[], Awaitable[None]] | None = None, name: str = "catch-up") -> None:
        self.interval = interval
        self.work = work or catch_up
        self.name = name
        self._stop = threading.Event()

    def after_worker_boot(self, broker: dramatiq.Broker, worker: dramatiq.Worker) -> None:
        threading.Thread(target=self._run, name=f"{self.name}-ticker", daemon=True).start()

    def before_worker_shutdown(self, broker: dramatiq.Broker, worker: dramatiq.Worker) -> None:
        self._stop.set()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            loop_thread = get_event_loop_thread()
            if loop_thread is None:
                continue
            try:
                loop_thread.run_coroutine(self.work())
            except Exception:  # the next tick tries again; the error is in the log
                log.exception("%s failed", self.name)
