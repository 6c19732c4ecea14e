"""Real Dramatiq workers for a test, waiting for them to catch up, and comparing read models."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import tempfile
import threading
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import asyncpg

from events.catalog import registry
from events.store import EventStore
from projections import admin
from projections.runner import Projection, run_once, start_rebuild

ROOT = Path(__file__).resolve().parent.parent

ReadModels = dict[str, list[tuple[Any, ...]]]
"""Logical table -> every row, in one fixed order."""


def start_worker(database_url: str, redis_url: str, namespace: str,
                 env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    """``dramatiq workers.actors`` as ``treffpunkt serve`` starts it, in a process group of its own
    (``env``: more environment, e.g. where mail goes).

    Its log goes to a file (``worker.log_file``), never to a pipe nobody reads, which would
    stop the worker once full.
    """
    log_file = tempfile.TemporaryFile()
    worker = subprocess.Popen(
        [sys.executable, "-m", "dramatiq", "workers.actors", "--processes", "1", "--threads", "2"],
        cwd=ROOT,
        env={
            **os.environ,
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "TREFFPUNKT_BROKER_NAMESPACE": namespace,
            **(env or {}),
        },
        stdout=log_file,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    worker.log_file = log_file  # type: ignore[attr-defined]
    return worker


def log_of(worker: subprocess.Popen[bytes]) -> str:
    log_file = worker.log_file  # type: ignore[attr-defined]
    log_file.seek(0)
    return log_file.read().decode(errors="replace")[-5000:]


def kill(worker: subprocess.Popen[bytes]) -> None:
    """SIGKILL to the worker and its children: no cleanup, no rollback by the worker itself."""
    try:
        os.killpg(worker.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    worker.wait(timeout=10)


def stop(worker: subprocess.Popen[bytes]) -> None:
    """SIGTERM to dramatiq's main process, as ``treffpunkt serve`` does; it stops its children."""
    if worker.poll() is None:
        worker.send_signal(signal.SIGTERM)
        wait_stopped(worker)


def wait_stopped(worker: subprocess.Popen[bytes]) -> None:
    """Wait for a worker sent SIGTERM once. A second SIGTERM is forwarded to its processes as
    a second signal, which made a worker hang until killed (seen when stopped just after boot)."""
    try:
        worker.wait(timeout=20)
    except subprocess.TimeoutExpired:
        kill(worker)


@contextmanager
def workers(
    database_url: str, redis_url: str, namespace: str, count: int, *, wait_on_exit: bool = True,
    env: dict[str, str] | None = None,
) -> Iterator[list]:
    """Started workers, sent SIGTERM when the block ends. Without ``wait_on_exit`` they stop
    while the next test runs (a worker takes a few seconds to shut down); ``servers`` waits for
    every one of them before it stops the servers."""
    started = [start_worker(database_url, redis_url, namespace, env) for _ in range(count)]
    try:
        yield started
    finally:
        for worker in started:
            if worker.poll() is None:
                worker.send_signal(signal.SIGTERM)
        for worker in started:
            if wait_on_exit:
                wait_stopped(worker)
            else:
                _stop_in_background(worker)


_stopping: list[threading.Thread] = []


def _stop_in_background(worker: subprocess.Popen[bytes]) -> None:
    thread = threading.Thread(target=wait_stopped, args=(worker,), name=f"stopping-{worker.pid}")
    thread.start()
    _stopping.append(thread)


def wait_for_stopping_workers() -> None:
    """Until every worker left stopping in the background has exited (or been killed)."""
    while _stopping:
        _stopping.pop().join()


async def stored_and_readable(pool: asyncpg.Pool, store: EventStore) -> tuple[int, int]:
    """How many events are stored, and how many of them the store's read barrier lets through."""
    everything = await pool.fetchval("SELECT count(*) FROM events")
    return everything, (await store.lag_after(0)).events


async def wait_until_caught_up(
    pool: asyncpg.Pool,
    projections: Sequence[Projection],
    worker: subprocess.Popen[bytes] | None = None,
    timeout: float = 60,
) -> None:
    """Until every event is readable and every projection's live generation has applied it."""

    async def poll() -> None:
        while True:
            if worker is not None and worker.poll() is not None:
                raise AssertionError(f"the worker exited:\n{log_of(worker)}")
            store = EventStore(pool, registry)
            everything, readable = await stored_and_readable(pool, store)
            statuses = await admin.status(pool, store, projections)
            if readable == everything and all(
                s.generation is not None and s.lag.events == 0 and s.rebuilding is None
                for s in statuses
            ):
                return
            await asyncio.sleep(0.2)

    await asyncio.wait_for(poll(), timeout)


async def read_models(pool: asyncpg.Pool, projections: Sequence[Projection]) -> ReadModels:
    """Every row readers see, per logical table, ordered by all its columns."""
    rows: ReadModels = {}
    for projection in projections:
        for table in projection.tables:
            records = await pool.fetch(f"SELECT * FROM {table}")
            rows[table] = sorted((_frozen(tuple(record)) for record in records), key=repr)
    return rows


def _frozen(value: Any) -> Any:
    """Arrays and json values as tuples, so that rows can be counted."""
    if isinstance(value, (list, tuple)):
        return tuple(_frozen(item) for item in value)
    if isinstance(value, dict):
        return tuple(sorted((key, _frozen(item)) for key, item in value.items()))
    return value


async def rebuild_from_scratch(
    pool: asyncpg.Pool, store: EventStore, projections: Sequence[Projection]
) -> None:
    """A new generation of each, filled from position 0 in this process and swapped in."""
    for projection in projections:
        generation = await start_rebuild(pool, projection)
        while not await pool.fetchval(
            "SELECT live FROM projection_state WHERE name = $1 AND generation = $2",
            projection.name,
            generation,
        ):
            await run_once(pool, store, projection)


def differing_rows(live: ReadModels, rebuilt: ReadModels) -> list[tuple[str, str, tuple]]:
    """(table, "live only" | "rebuild only", row) for every row not in both, duplicates counted."""
    differences = []
    for table in sorted(live.keys() | rebuilt.keys()):
        mine, theirs = Counter(live.get(table, [])), Counter(rebuilt.get(table, []))
        differences += [(table, "live only", row) for row in (mine - theirs).elements()]
        differences += [(table, "rebuild only", row) for row in (theirs - mine).elements()]
    return differences


async def run_until_caught_up(
    pool: asyncpg.Pool, store: EventStore, *projections: Projection, timeout: float = 30
) -> int:
    """``run_once`` each projection until it has applied every event written so far; how
    many events that is.

    One pass is not always enough: an event is readable once every older transaction of the
    whole PostgreSQL cluster has ended (``events.rows.READABLE`` uses the snapshot's xmin), so
    on a server shared with other databases (tests running side by side, say) another
    database's open transaction holds the horizon back for a moment."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        everything, readable = await stored_and_readable(pool, store)
        applied = 0
        for projection in projections:
            applied += await run_once(pool, store, projection)
        if readable == everything and applied == 0:
            return everything  # all readable, and a pass after that found nothing to apply
        assert asyncio.get_running_loop().time() < deadline, (
            f"not caught up within {timeout} s: {readable} of {everything} events readable")
        await asyncio.sleep(0.02)


async def every_event_readable(pool: asyncpg.Pool, timeout: float = 30) -> int:
    """Wait until every stored event is readable (``run_until_caught_up`` with no read model:
    another database's open transaction on a shared server holds the horizon back); their
    number."""
    return await run_until_caught_up(pool, EventStore(pool, registry), timeout=timeout)
