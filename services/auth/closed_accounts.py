"""Tokens of closed accounts: refused from the moment the account is closed.

A token is signed, not looked up, so closing an account (erasing its volunteer closes it) does
not by itself end the tokens issued before: they would stay valid until they expire
(``TOKEN_LIFETIME``). Looking every token's account up would cost a round trip to PostgreSQL
on every request, so each process keeps the ids of closed accounts in memory instead
(``refreshed_set.RefreshedSet``):

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

import time
from collections.abc import Awaitable, Callable, Iterable
from datetime import timedelta
from uuid import UUID

from litestar.datastructures import State

from events.accounts import AccountClosed, AccountPasswordChanged
from events.base import Event
from events.interface import Store
from services.auth.refreshed_set import RefreshedSet
from services.auth.tokens import TOKEN_LIFETIME

REFRESH_SECONDS = 1.0
KEPT_FOR = TOKEN_LIFETIME + timedelta(hours=1)
"""How long a closure matters: the longest a token issued before it lives, and a margin for
clocks that differ between the database and the processes."""

CLOSED = AccountClosed.__struct_config__.tag
PASSWORD_CHANGED = AccountPasswordChanged.__struct_config__.tag
Ended = UUID | tuple[UUID, int]
"""A closed account's id, or ``(account id, count of password changes)`` of the tokens signed
in before a password change that signed out everywhere (``Principal.password_changes``)."""
ReadClosures = Callable[[int], Awaitable[tuple[int, list[Ended]]]]
"""``read(horizon) -> (next horizon, what ended from horizon on)``."""


def ended_by(event: Event) -> list[Ended]:
    match event:
        case AccountClosed(account_id=account_id):
            return [account_id]
        case AccountPasswordChanged(sign_out_everywhere=True):
            return [(event.account_id, before) for before in range(event.changes)]
    return []


def closed_since(store: Store) -> ReadClosures:
    async def read(horizon: int) -> tuple[int, list[Ended]]:
        horizon, closed = await store.read_types_since(
            [CLOSED, PASSWORD_CHANGED], horizon, recorded_within=KEPT_FOR)
        return horizon, [ended for stored in closed for ended in ended_by(stored.event)]

    return read


class ClosedAccounts(RefreshedSet[Ended]):
    def __init__(
        self,
        *,
        refresh_seconds: float = REFRESH_SECONDS,
        kept_seconds: float = KEPT_FOR.total_seconds(),
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__("closed accounts", refresh_seconds=refresh_seconds,
                         kept_seconds=kept_seconds, clock=clock)

    async def is_closed(self, account_id: Ended, read: ReadClosures) -> bool:
        return await self.contains(account_id, read)

    def note(self, events: Iterable[Event]) -> None:
        """Closures this process just stored: refused from now on, before any refresh."""
        self.add(ended for event in events for ended in ended_by(event))


def closed_accounts(state: State) -> ClosedAccounts:
    """This app's (this process's) set, created on first use."""
    found = state.get("closed_accounts")
    if found is None:
        found = state.closed_accounts = ClosedAccounts()
    return found


async def account_is_closed(state: State, account_id: Ended) -> bool:
    return await closed_accounts(state).is_closed(account_id,
                                                   closed_since(state.resources.store))
