from __future__ import annotations

import asyncio

import pytest
import redis.asyncio as aioredis

from services.auth.throttle import ClientLimit, SignInThrottle

pytestmark = pytest.mark.unit


class UnreachableRedis:
    """Fails like a Redis that is down, for the throttle's in-memory fallback."""

    def pipeline(self, **_):
        raise aioredis.ConnectionError("down")

    async def eval(self, *_):
        raise aioredis.ConnectionError("down")


async def test_without_redis_attempts_are_counted_in_memory_per_email_until_the_window_ends():
    throttle = SignInThrottle(UnreachableRedis(), "t", attempts_allowed=2, window_seconds=1)
    assert [await throttle.admit("a") for _ in range(3)] == [0, 0, 1]
    assert await throttle.admit("b") == 0
    await asyncio.sleep(1.05)
    assert await throttle.admit("a") == 0


async def test_a_successful_sign_in_clears_the_count_even_without_redis():
    throttle = SignInThrottle(UnreachableRedis(), "t", attempts_allowed=1)
    assert await throttle.admit("a") == 0
    await throttle.succeeded("a")
    assert await throttle.admit("a") == 0
    assert await throttle.admit("a") > 0


async def test_one_client_trying_many_emails_is_slowed_down_though_no_email_is():
    throttle = SignInThrottle(UnreachableRedis(), "t", attempts_allowed=5,
                              client_attempts_allowed=3)
    assert [await throttle.admit(f"email-{n}", "client-1") for n in range(4)][:3] == [0, 0, 0]
    assert await throttle.admit("email-new", "client-1") > 0
    assert await throttle.admit("email-new", "client-2") == 0  # another client is not held


async def test_failures_for_an_email_hold_only_the_client_that_made_them():
    throttle = SignInThrottle(UnreachableRedis(), "t", attempts_allowed=2,
                              client_attempts_allowed=100)
    waits = [await throttle.admit("victim", "attacker") for _ in range(3)]
    assert waits[:2] == [0, 0] and waits[2] > 0
    # The owner, from its own device, is not held by the attacker's failures.
    assert await throttle.admit("victim", "owner") == 0


async def test_past_the_emails_ceiling_a_client_with_failures_waits_and_one_without_goes_ahead():
    throttle = SignInThrottle(UnreachableRedis(), "t", attempts_allowed=5,
                              client_attempts_allowed=100, email_ceiling=10)
    for n in range(10):  # many clients, one guess each: below every allowance
        assert await throttle.admit("victim", f"bot-{n}") == 0
    assert await throttle.admit("victim", "bot-0") > 0  # its second guess, under attack
    assert await throttle.admit("victim", "owner") == 0  # no failures: its attempt goes ahead
    await throttle.succeeded("victim", "owner")
    assert await throttle.admit("victim", "owner") == 0  # and again after signing in
    assert await throttle.admit("someone-else", "bot-0") == 0  # other e-mails are not affected


async def test_a_client_that_mistyped_once_waits_only_while_the_email_is_under_attack():
    throttle = SignInThrottle(UnreachableRedis(), "t", attempts_allowed=5,
                              client_attempts_allowed=100, email_ceiling=10)
    assert await throttle.admit("quiet", "owner") == 0  # a typo
    assert await throttle.admit("quiet", "owner") == 0  # below the ceiling: tries again


async def test_a_successful_sign_in_takes_back_only_its_own_attempt_from_the_clients_count():
    throttle = SignInThrottle(UnreachableRedis(), "t", attempts_allowed=100,
                              client_attempts_allowed=2)
    assert await throttle.admit("wrong-1", "c") == 0
    assert await throttle.admit("own", "c") == 0
    await throttle.succeeded("own", "c")  # the client's own account, signed in between guesses
    assert await throttle.admit("wrong-2", "c") == 0
    assert await throttle.admit("wrong-3", "c") > 0  # the two failures still count


async def test_many_successful_sign_ins_behind_one_address_use_up_nothing():
    throttle = SignInThrottle(UnreachableRedis(), "t", client_attempts_allowed=2)
    for n in range(10):
        assert await throttle.admit(f"person-{n}", "office") == 0
        await throttle.succeeded(f"person-{n}", "office")


async def test_a_client_limit_counts_each_client_apart_and_in_memory_without_redis():
    limit = ClientLimit(UnreachableRedis(), "t", "password-links", allowed=2, window_seconds=60)
    waits = [await limit.admit("one") for _ in range(3)]
    assert waits[:2] == [0, 0] and 58 <= waits[2] <= 60
    assert await limit.admit("two") == 0
    assert await limit.admit(None) == 0  # an unknown client has a count of its own
