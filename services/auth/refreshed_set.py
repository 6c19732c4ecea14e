"""A set of ids kept in each process's memory, refreshed from a shared store at most once per
interval: how every process refuses a closed account's or a signed-out token's credentials
without a round trip per request.

- ``contains`` checks the set (no I/O), after a refresh if the last one is older than
  ``refresh_seconds``; the refresh is one query, run by the first request that finds the set
  stale (the others wait for that one query);
- ``add`` takes ids this process itself just stored, so that its next request refuses them
  before any refresh;
- a refresh reads only what is new since the horizon the previous one returned;
- an id is forgotten ``kept_seconds`` after this process learnt of it (when every credential
  it could refuse has expired anyway).

Should a refresh fail, the last known set stays in use and the next refresh is tried after
the same interval: what was stored elsewhere in the seconds before an outage can be missed
meanwhile (storing an id needs the same store, so nothing is stored during the outage).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Hashable, Iterable
from typing import Generic, TypeVar

import asyncpg

log = logging.getLogger(__name__)

QUERY_TIMEOUT_SECONDS = 1.0

K = TypeVar("K", bound=Hashable)
ReadSince = Callable[[int], Awaitable[tuple[int, list[K]]]]
"""``read(horizon) -> (next horizon, ids stored from horizon on)``."""


class RefreshedSet(Generic[K]):
    def __init__(
        self,
        what: str,
        *,
        refresh_seconds: float,
        kept_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._what = what
        self._refresh_seconds = refresh_seconds
        self._kept_seconds = kept_seconds
        self._clock = clock
        self._known: dict[K, float] = {}
        """Id -> when this process learnt of it (no earlier than it was stored)."""
        self._horizon = 0
        self._due = float("-inf")
        self._lock = asyncio.Lock()

    async def contains(self, key: K, read: ReadSince[K]) -> bool:
        if self._clock() >= self._due:
            await self._refresh(read)
        return key in self._known

    def add(self, keys: Iterable[K]) -> None:
        """Ids this process just stored: in the set from now on, before any refresh."""
        now = self._clock()
        for key in keys:
            self._known.setdefault(key, now)

    def expire(self) -> None:
        """Refresh before the next check (a command failed after it may have stored)."""
        self._due = float("-inf")

    async def _refresh(self, read: ReadSince[K]) -> None:
        async with self._lock:
            now = self._clock()
            if now < self._due:
                return  # another request refreshed while this one waited
            self._due = now + self._refresh_seconds
            try:
                async with asyncio.timeout(QUERY_TIMEOUT_SECONDS):
                    horizon, found = await read(self._horizon)
            except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
                log.warning("%s not refreshed (%s); trying again in %.1f s",
                            self._what, type(error).__name__, self._refresh_seconds)
                return
            self._horizon = max(self._horizon, horizon)
            for key in found:
                self._known.setdefault(key, now)
            self._forget_older_than(now - self._kept_seconds)

    def _forget_older_than(self, moment: float) -> None:
        for key in [k for k, noted in self._known.items() if noted < moment]:
            del self._known[key]


def snapshot_horizon_query(ids_since: str) -> str:
    """A refresh query over a table with an ``xid8`` column ``transaction_id``: the next horizon
    and the ids of rows written from the horizon ``$1`` on, as ``(horizon, ids)``; gap-free
    without a read barrier, as ``closed_accounts._CLOSED_SINCE`` explains. ``ids_since`` is
    ``SELECT <id> FROM <table> WHERE transaction_id >= $1::text::xid8 ...``.
    """
    return f"""
SELECT (SELECT pg_snapshot_xmin(pg_current_snapshot()))::text::bigint AS horizon,
       ARRAY({ids_since}) AS ids"""
