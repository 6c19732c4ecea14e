"""Read models kept up to date while a test writes, as a worker process keeps them.

The runner works in a thread of its own, every few milliseconds: the in-process test client
holds the test's event loop while a request is in flight, as a real worker would not.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Iterator, Sequence

from events.catalog import registry
from events.store import EventStore, create_pool
from projections.runner import Projection, ensure_projection, run_once
from tests.projection_checks import run_until_caught_up


@contextlib.contextmanager
def projecting(database_url: str, projections: Sequence[Projection]) -> Iterator[None]:
    """Create the projections' tables and catch them up, then again and again until the block
    ends; a failure of the runner is raised at the end of the block."""
    stop, ready = threading.Event(), threading.Event()
    failures: list[BaseException] = []

    async def work() -> None:
        pool = await create_pool(database_url, min_size=1, max_size=2)
        store = EventStore(pool, registry)
        try:
            for projection in projections:
                await ensure_projection(pool, projection)
            # What the test wrote before the block is read when the block starts, also while
            # another database's open transaction holds the readable horizon back.
            await run_until_caught_up(pool, store, *projections)
            ready.set()
            while not stop.is_set():
                for projection in projections:
                    await run_once(pool, store, projection)
                await asyncio.sleep(0.05)
        finally:
            await pool.close()

    def run() -> None:
        try:
            asyncio.run(work())
        except BaseException as failure:  # reported to the test below
            failures.append(failure)
            ready.set()

    thread = threading.Thread(target=run, name="projections", daemon=True)
    thread.start()
    # Reads wait until the tables exist: two first ensures at once can collide.
    assert ready.wait(timeout=30), "the projections were not created"
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=30)
        if failures:
            raise failures[0]
