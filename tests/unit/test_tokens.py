from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import msgspec
import pytest

from events.accounts import AccountClosed
from services.auth import tokens
from services.auth.closed_accounts import ClosedAccounts

pytestmark = pytest.mark.unit
KEY = b"k" * 32
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def principal():
    return tokens.new_principal(uuid4(), "coordinator", [uuid4()], None, NOW)


def test_a_token_reads_back_as_its_principal_until_it_expires():
    issued = principal()
    token = tokens.issue(KEY, issued)
    assert tokens.read(KEY, token, now=NOW) == issued
    with pytest.raises(tokens.InvalidToken, match="expired"):
        tokens.read(KEY, token, now=NOW + tokens.TOKEN_LIFETIME + timedelta(seconds=1))


@pytest.mark.parametrize("forge", [
    lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),
    lambda t: t.replace(t.split(".")[0], tokens._b64(b'{"role":"admin"}')),
    lambda t: "garbage",
    lambda t: t + ".extra",
])
def test_a_tampered_or_malformed_token_is_refused(forge):
    with pytest.raises(tokens.InvalidToken):
        tokens.read(KEY, forge(tokens.issue(KEY, principal())), now=NOW)


def test_a_token_signed_with_another_key_is_refused():
    with pytest.raises(tokens.InvalidToken):
        tokens.read(KEY, tokens.issue(b"x" * 32, principal()), now=NOW)


# The closed accounts' set (services/auth/closed_accounts.py) ---------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class History:
    """Closures as the event store would answer them: (horizon, account id) pairs."""

    def __init__(self) -> None:
        self.closures: list[tuple[int, object]] = []
        self.horizon = 1
        self.reads: list[int] = []
        self.failing = False

    def close(self, account_id) -> None:
        self.closures.append((self.horizon, account_id))
        self.horizon += 1

    async def read(self, since: int):
        self.reads.append(since)
        if self.failing:
            raise OSError("database unreachable")
        return self.horizon, [a for at, a in self.closures if at >= since]


async def test_a_closed_accounts_token_is_refused_after_the_next_refresh_and_not_before():
    clock, history, account = Clock(), History(), uuid4()
    closed = ClosedAccounts(refresh_seconds=1.0, clock=clock)
    assert not await closed.is_closed(account, history.read)
    history.close(account)  # by another process
    clock.now += 0.5
    assert not await closed.is_closed(account, history.read)  # no query within the interval
    assert len(history.reads) == 1
    clock.now += 0.6
    assert await closed.is_closed(account, history.read)
    assert history.reads == [0, 1]  # the second read starts where the first one ended


async def test_a_closure_noted_by_this_process_counts_at_once():
    clock, history, account = Clock(), History(), uuid4()
    closed = ClosedAccounts(clock=clock)
    assert not await closed.is_closed(account, history.read)
    closed.note([AccountClosed(account_id=account, reason="volunteer erased")])
    assert await closed.is_closed(account, history.read)
    assert len(history.reads) == 1


async def test_many_checks_at_once_share_one_refresh():
    clock, history = Clock(), History()
    closed = ClosedAccounts(clock=clock)
    await asyncio.gather(*(closed.is_closed(uuid4(), history.read) for _ in range(50)))
    assert len(history.reads) == 1


async def test_a_failed_refresh_keeps_what_was_known_and_is_tried_again_after_the_interval():
    clock, history, account = Clock(), History(), uuid4()
    closed = ClosedAccounts(clock=clock)
    history.close(account)
    assert await closed.is_closed(account, history.read)
    history.failing = True
    clock.now += 2
    assert await closed.is_closed(account, history.read)
    assert await closed.is_closed(account, history.read)
    assert len(history.reads) == 2
    history.failing = False
    clock.now += 2
    assert await closed.is_closed(account, history.read)
    assert history.reads == [0, 2, 2]  # the failed read did not move the horizon


async def test_closures_older_than_any_token_are_forgotten():
    clock, history, account = Clock(), History(), uuid4()
    closed = ClosedAccounts(clock=clock, kept_seconds=100)
    closed.note([AccountClosed(account_id=account, reason="x")])
    clock.now += 101
    assert not await closed.is_closed(account, history.read)


def test_every_token_has_an_id_of_its_own_even_for_the_same_claims_in_the_same_second():
    first, second = principal(), principal()
    assert first.jti and second.jti and first.jti != second.jti
    same_claims = msgspec.structs.replace(first, jti="")
    a = tokens.read(KEY, tokens.issue(KEY, same_claims), now=NOW)
    assert a.jti.startswith("claims-")  # issued before ids existed: named by its claims
    assert a.jti == tokens.read(KEY, tokens.issue(KEY, same_claims), now=NOW).jti
