"""Tokens of closed accounts: refused from the moment the account is closed.

A token is signed, not looked up, so closing an account (erasing its volunteer closes it) does
not by itself end the tokens issued before: they would stay valid until they expire
(``TOKEN_LIFETIME``). Looking every token's account up would cost a round trip to PostgreSQL
on every request, so each process keeps the ids of closed accounts in memory instead:

- the authentication middleware checks a token's account against that set (no I/O);
- the set is refreshed from the event store at most once every ``REFRESH_SECONDS`` by one
  query, run by the first request that finds it stale (the others wait for that one query);
- the process that executed the closing command notes its ``AccountClosed`` events at once,
  before the command's response, so its next request already refuses the token.

Another process refuses the token within ``REFRESH_SECONDS`` (plus the query). Only accounts
closed within the last token lifetime are kept: every token of an older closure has expired
(a closed account can no longer sign in). Should the query fail, the last known set stays in
use and the next refresh is tried after the same interval: closing needs the database too, so
only closures in the seconds before an outage can be missed meanwhile.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from datetime import timedelta
from uuid import UUID

import asyncpg
from litestar.datastructures import State

from events.accounts import AccountClosed
from events.base import Event
from events.interface import Store
from services.auth.tokens import TOKEN_LIFETIME

log = logging.getLogger(__name__)

REFRESH_SECONDS = 1.0
QUERY_TIMEOUT_SECONDS = 1.0
KEPT_FOR = TOKEN_LIFETIME + timedelta(hours=1)
"""How long a closure matters: the longest a token issued before it lives, and a margin for
clocks that differ between the database and the processes."""

CLOSED = AccountClosed.__struct_config__.tag
ReadClosures = Callable[[int], Awaitable[tuple[int, list[UUID]]]]
"""``read(horizon) -> (next horizon, ids of accounts closed from horizon on)``."""

def closed_since(store: Store) -> ReadClosures:
    async def read(horizon: int) -> tuple[int, list[UUID]]:
        horizon, closed = await store.read_types_since(
            [CLOSED], horizon, recorded_within=KEPT_FOR)
        return horizon, [stored.event.account_id for stored in closed
                         if isinstance(stored.event, AccountClosed)]

    return read


class ClosedAccounts:
    def __init__(
        self,
        *,
        refresh_seconds: float = REFRESH_SECONDS,
        kept_seconds: float = KEPT_FOR.total_seconds(),
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._refresh_seconds = refresh_seconds
        self._kept_seconds = kept_seconds
        self._clock = clock
        self._closed: dict[UUID, float] = {}
        """Account id -> when this process learnt of its closure (no earlier than the closure)."""
        self._horizon = 0
        self._due = float("-inf")
        self._lock = asyncio.Lock()

    async def is_closed(self, account_id: UUID, read: ReadClosures) -> bool:
        if self._clock() >= self._due:
            await self._refresh(read)
        return account_id in self._closed

    def note(self, events: Iterable[Event]) -> None:
        """Closures this process just stored: refused from now on, before any refresh."""
        now = self._clock()
        for event in events:
            if isinstance(event, AccountClosed):
                self._closed.setdefault(event.account_id, now)

    def expire(self) -> None:
        """Refresh before the next check (a closing command failed after it may have stored)."""
        self._due = float("-inf")

    async def _refresh(self, read: ReadClosures) -> None:
        async with self._lock:
            now = self._clock()
            if now < self._due:
                return  # another request refreshed while this one waited
            self._due = now + self._refresh_seconds
            try:
                async with asyncio.timeout(QUERY_TIMEOUT_SECONDS):
                    horizon, closed = await read(self._horizon)
            except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
                log.warning("closed accounts not refreshed (%s); trying again in %.0f s",
                            type(error).__name__, self._refresh_seconds)
                return
            self._horizon = max(self._horizon, horizon)
            for account_id in closed:
                self._closed.setdefault(account_id, now)
            self._forget_older_than(now - self._kept_seconds)

    def _forget_older_than(self, moment: float) -> None:
        for account_id in [a for a, noted in self._closed.items() if noted < moment]:
            del self._closed[account_id]


def closed_accounts(state: State) -> ClosedAccounts:
    """This app's (this process's) set, created on first use."""
    found = state.get("closed_accounts")
    if found is None:
        found = state.closed_accounts = ClosedAccounts()
    return found


async def account_is_closed(state: State, account_id: UUID) -> bool:
    return await closed_accounts(state).is_closed(account_id,
                                                   closed_since(state.resources.store))
