"""Slowing down password guessing: a few sign-in attempts per e-mail, then a pause.

Attempts are counted *before* the password is checked (``admit``), so a burst of parallel
guesses cannot slip past the limit between a check and an increment; a successful sign-in
clears the count. Counted per e-mail digest, known or unknown alike, so a lock says nothing
about whether the e-mail has an account.

Counts live in Redis (shared by every API process, expiring by themselves). While Redis is
unreachable the count falls back to this process's memory rather than failing open: an
attacker who can disturb Redis must not win unlimited guesses, and with N API processes the
limit degrades to N times the allowance at worst.
"""

from __future__ import annotations

import time

import redis.asyncio as aioredis

ATTEMPTS_ALLOWED = 5
WINDOW_SECONDS = 300
_LOCAL_LIMIT = 10_000
"""At most this many digests are counted in memory; expired ones are dropped first."""


class SignInThrottle:
    def __init__(
        self,
        redis: aioredis.Redis,
        namespace: str,
        *,
        attempts_allowed: int = ATTEMPTS_ALLOWED,
        window_seconds: int = WINDOW_SECONDS,
    ) -> None:
        self._redis = redis
        self._prefix = f"{namespace}:signin-attempts:"
        self._allowed = attempts_allowed
        self._window = window_seconds
        self._local: dict[str, tuple[int, float]] = {}

    async def admit(self, digest: str) -> int:
        """Count an attempt; 0 if it may go ahead, else the seconds to wait (Retry-After)."""
        try:
            attempts, ttl = await self._count_in_redis(digest)
        except (aioredis.RedisError, OSError):
            attempts, ttl = self._count_locally(digest)
        return max(ttl, 1) if attempts > self._allowed else 0

    async def succeeded(self, digest: str) -> None:
        self._local.pop(digest, None)
        try:
            await self._redis.delete(self._prefix + digest)
        except (aioredis.RedisError, OSError):
            pass

    async def _count_in_redis(self, digest: str) -> tuple[int, int]:
        key = self._prefix + digest
        async with self._redis.pipeline(transaction=True) as pipe:
            # The window starts with the first attempt; INCR keeps the expiry SET gave.
            pipe.set(key, 0, ex=self._window, nx=True).incr(key).ttl(key)
            _, attempts, ttl = await pipe.execute()
        return int(attempts), int(ttl)

    def _count_locally(self, digest: str) -> tuple[int, int]:
        now = time.monotonic()
        attempts, until = self._local.get(digest, (0, 0.0))
        if until <= now:
            attempts, until = 0, now + self._window
            if len(self._local) >= _LOCAL_LIMIT:
                self._forget_expired(now)
        self._local[digest] = (attempts + 1, until)
        return attempts + 1, int(until - now)

    def _forget_expired(self, now: float) -> None:
        for digest in [d for d, (_, until) in self._local.items() if until <= now]:
            del self._local[digest]
        while len(self._local) >= _LOCAL_LIMIT:
            del self._local[next(iter(self._local))]
