"""Slowing down password guessing without letting anyone lock someone else out.

Three counters, each over a window that starts with its first attempt:

- per (e-mail digest, client address digest) (``attempts_allowed``): one client guessing one
  account's password. Only that client waits: the account's owner, signing in from anywhere
  else, is not held by someone else's failures;
- per client address digest (``client_attempts_allowed``): one client trying many e-mails
  ("password spraying"), which the per-pair count alone would never notice;
- per e-mail digest (``email_ceiling``, far higher): many clients guessing one account's
  password together. Past it the account is "under attack", which only slows: a client that has
  already failed for that e-mail in the window waits (no second guess), while a client without
  failures still has its attempt, so the right password from the owner's device still signs in.
  Each address of a distributed attack gets one guess per window instead of
  ``attempts_allowed``; a lock of the account as a whole would hand every attacker a way to keep
  the owner out.

An attempt past an allowance waits (429 with Retry-After, the longest of the waits). Attempts
are counted *before* the password is checked (``admit``), so a burst of parallel guesses cannot
slip past a limit between a check and an increment. A successful sign-in clears the pair's
count and takes its own attempt back from the client's and the e-mail's counts, no more: a
client that signs in to an account of its own between guesses cannot wipe its failures, while
many people signing in behind one address (an office, a village's Wi-Fi) use up nothing.
Counted per digest, known e-mails or unknown alike, so a wait says nothing about whether the
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
EMAIL_CEILING = 100
WINDOW_SECONDS = 300
UNKNOWN_CLIENT = "unknown"
_LOCAL_LIMIT = 10_000
"""At most this many counters are kept in memory; expired ones are dropped first."""

# Clears the pair's count; takes one attempt back from the client's and the e-mail's, never
# below zero and never on a count that has expired (a DECR there would leave a -1 without expiry).
_SUCCEEDED = """
redis.call('DEL', KEYS[1])
for i = 2, #KEYS do
    local attempts = tonumber(redis.call('GET', KEYS[i]) or '0')
    if attempts > 0 then redis.call('DECR', KEYS[i]) end
end
return 0
"""


class _Counters:
    """Counts in Redis, each expiring a window after its first attempt; in this process's
    memory while Redis is unreachable (never failing open)."""

    def __init__(self, redis: aioredis.Redis, prefix: str, window_seconds: int) -> None:
        self._redis = redis
        self._prefix = prefix
        self._window = window_seconds
        self._local: dict[str, tuple[int, float]] = {}

    async def _count(self, keys: tuple[str, ...]) -> list[tuple[int, int]]:
        """Each counter's count with this attempt, and the seconds left of its window."""
        try:
            return await self._count_in_redis(keys)
        except (aioredis.RedisError, OSError):
            return [self._count_locally(key) for key in keys]

    async def _count_in_redis(self, keys: tuple[str, ...]) -> list[tuple[int, int]]:
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


class SignInThrottle(_Counters):
    def __init__(
        self,
        redis: aioredis.Redis,
        namespace: str,
        *,
        attempts_allowed: int = ATTEMPTS_ALLOWED,
        client_attempts_allowed: int = CLIENT_ATTEMPTS_ALLOWED,
        email_ceiling: int = EMAIL_CEILING,
        window_seconds: int = WINDOW_SECONDS,
    ) -> None:
        super().__init__(redis, f"{namespace}:signin-attempts:", window_seconds)
        self._allowed = attempts_allowed
        self._client_allowed = client_attempts_allowed
        self._email_ceiling = email_ceiling

    def _keys(self, digest: str, client: str | None) -> tuple[str, str, str]:
        """The pair's, the client's and the e-mail's counter."""
        client = client or UNKNOWN_CLIENT
        return (f"{self._prefix}pair:{digest}:{client}", f"{self._prefix}client:{client}",
                f"{self._prefix}email:{digest}")

    async def admit(self, digest: str, client: str | None = None) -> int:
        """Count an attempt for the e-mail's digest from the client's; 0 if it may go ahead,
        else the seconds to wait (Retry-After)."""
        keys = self._keys(digest, client)
        (pair, pair_ttl), (by_client, client_ttl), (by_email, _) = await self._count(keys)
        under_attack = by_email > self._email_ceiling
        waits = []
        if pair > self._allowed or (under_attack and pair > 1):
            waits.append(pair_ttl)
        if by_client > self._client_allowed:
            waits.append(client_ttl)
        return max((max(wait, 1) for wait in waits), default=0)

    async def succeeded(self, digest: str, client: str | None = None) -> None:
        keys = self._keys(digest, client)
        self._local.pop(keys[0], None)
        for key in keys[1:]:
            self._take_back_locally(key)
        try:
            await self._redis.eval(_SUCCEEDED, len(keys), *keys)
        except (aioredis.RedisError, OSError):
            pass


LINK_REQUESTS_ALLOWED = 10
LINK_WINDOW_SECONDS = 900


class ClientLimit(_Counters):
    """At most ``allowed`` requests of one kind per client address in a window: asking for a
    password link, or using one (each use hashes a password). Counted before anything is looked
    up, so a wait says nothing about an e-mail or a link."""

    def __init__(self, redis: aioredis.Redis, namespace: str, kind: str, *,
                 allowed: int = LINK_REQUESTS_ALLOWED,
                 window_seconds: int = LINK_WINDOW_SECONDS) -> None:
        super().__init__(redis, f"{namespace}:{kind}:", window_seconds)
        self._allowed = allowed

    async def admit(self, client: str | None) -> int:
        """0 if the client's request may go ahead, else the seconds to wait (Retry-After)."""
        (count, ttl), = await self._count((f"{self._prefix}{client or UNKNOWN_CLIENT}",))
        return max(ttl, 1) if count > self._allowed else 0
