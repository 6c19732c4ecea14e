"""Slowing down password guessing: a few sign-in attempts per e-mail, a few more per client.

Two counters, each over a window that starts with its first attempt:

- per e-mail digest (``attempts_allowed``): guessing one account's password;
- per client address digest (``client_attempts_allowed``): one client trying many e-mails
  ("password spraying"), which the per-e-mail count alone would never notice.

An attempt past either allowance waits (429 with Retry-After, the longer of the two waits).
Attempts are counted *before* the password is checked (``admit``), so a burst of parallel
guesses cannot slip past the limit between a check and an increment. A successful sign-in
clears the e-mail's count, and takes its own attempt back from the client's count, no more: a
client that signs in to an account of its own between guesses cannot wipe its failures, while
many people signing in behind one address (an office, a village's Wi-Fi) use up nothing.
Counted per digest, known e-mails or unknown alike, so a lock says nothing about whether the
e-mail has an account.

Counts live in Redis (shared by every API process, expiring by themselves). While Redis is
unreachable the count falls back to this process's memory rather than failing open: an
attacker who can disturb Redis must not win unlimited guesses, and with N API processes the
limit degrades to N times the allowance at worst.
"""

from __future__ import annotations

import time

import redis.asyncio as aioredis

ATTEMPTS_ALLOWED = 5
CLIENT_ATTEMPTS_ALLOWED = 20
WINDOW_SECONDS = 300
_LOCAL_LIMIT = 10_000
"""At most this many counters are kept in memory; expired ones are dropped first."""

# Clears the e-mail's count; takes one attempt back from the client's, never below zero and
# never on a count that has expired (a DECR there would leave a -1 without expiry).
_SUCCEEDED = """
redis.call('DEL', KEYS[1])
if KEYS[2] then
    local attempts = tonumber(redis.call('GET', KEYS[2]) or '0')
    if attempts > 0 then redis.call('DECR', KEYS[2]) end
end
return 0
"""


class SignInThrottle:
    def __init__(
        self,
        redis: aioredis.Redis,
        namespace: str,
        *,
        attempts_allowed: int = ATTEMPTS_ALLOWED,
        client_attempts_allowed: int = CLIENT_ATTEMPTS_ALLOWED,
        window_seconds: int = WINDOW_SECONDS,
    ) -> None:
        self._redis = redis
        self._email_prefix = f"{namespace}:signin-attempts:"
        self._client_prefix = f"{namespace}:signin-client-attempts:"
        self._allowed = attempts_allowed
        self._client_allowed = client_attempts_allowed
        self._window = window_seconds
        self._local: dict[str, tuple[int, float]] = {}

    async def admit(self, digest: str, client: str | None = None) -> int:
        """Count an attempt for the e-mail's digest and the client's (if known); 0 if it may go
        ahead, else the seconds to wait (Retry-After)."""
        counters = [(self._email_prefix + digest, self._allowed)]
        if client:
            counters.append((self._client_prefix + client, self._client_allowed))
        keys = [key for key, _ in counters]
        try:
            counts = await self._count_in_redis(keys)
        except (aioredis.RedisError, OSError):
            counts = [self._count_locally(key) for key in keys]
        waits = [max(ttl, 1) for (attempts, ttl), (_, allowed) in zip(counts, counters, strict=True)
                 if attempts > allowed]
        return max(waits, default=0)

    async def succeeded(self, digest: str, client: str | None = None) -> None:
        email_key = self._email_prefix + digest
        client_key = self._client_prefix + client if client else None
        self._local.pop(email_key, None)
        if client_key is not None:
            self._take_back_locally(client_key)
        try:
            keys = [email_key] if client_key is None else [email_key, client_key]
            await self._redis.eval(_SUCCEEDED, len(keys), *keys)
        except (aioredis.RedisError, OSError):
            pass

    async def _count_in_redis(self, keys: list[str]) -> list[tuple[int, int]]:
        async with self._redis.pipeline(transaction=True) as pipe:
            for key in keys:
                # The window starts with the first attempt; INCR keeps the expiry SET gave.
                pipe.set(key, 0, ex=self._window, nx=True).incr(key).ttl(key)
            results = await pipe.execute()
        return [(int(results[i + 1]), int(results[i + 2])) for i in range(0, len(results), 3)]

    def _count_locally(self, key: str) -> tuple[int, int]:
        now = time.monotonic()
        attempts, until = self._local.get(key, (0, 0.0))
        if until <= now:
            attempts, until = 0, now + self._window
            if len(self._local) >= _LOCAL_LIMIT:
                self._forget_expired(now)
        self._local[key] = (attempts + 1, until)
        return attempts + 1, int(until - now)

    def _take_back_locally(self, key: str) -> None:
        attempts, until = self._local.get(key, (0, 0.0))
        if attempts > 0 and until > time.monotonic():
            self._local[key] = (attempts - 1, until)

    def _forget_expired(self, now: float) -> None:
        for key in [k for k, (_, until) in self._local.items() if until <= now]:
            del self._local[key]
        while len(self._local) >= _LOCAL_LIMIT:
            del self._local[next(iter(self._local))]
