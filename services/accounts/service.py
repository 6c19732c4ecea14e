"""Account commands and signing in."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from uuid import UUID, uuid4

import redis.asyncio as aioredis
from argon2 import PasswordHasher
from argon2.exceptions import VerificationError, InvalidHashError

from events.accounts import AccountEmailClaimed, AccountRegistered
from events.base import EventMetadata
from events.store import AppendResult, EventStore, StreamWrite
from services.accounts import decider
from services.auth import tokens
from services.commands import append_with_retry, load, pending
from services.keys import Keys
from services.rejections import NotFound

_hasher = PasswordHasher()
# Verified against when an e-mail is unknown, so both answers take the same time.
_DUMMY_HASH = _hasher.hash("treffpunkt: no such account")

SIGN_IN_FAILURES_ALLOWED = 5
SIGN_IN_LOCK_SECONDS = 300


def account_stream(account_id: UUID) -> str:
    return f"account-{account_id}"


def email_stream(digest: str) -> str:
    return f"account-email-{digest}"


async def register_account(
    store: EventStore,
    keys: Keys,
    *,
    email: str,
    password: str,
    role: str,
    site_ids: list[UUID],
    volunteer_id: UUID | None,
    actor: str,
) -> tuple[AppendResult, UUID]:
    digest = keys.email_digest(email)
    command = decider.RegisterAccount(
        account_id=uuid4(),
        email_digest=digest,
        password_hash=_hasher.hash(password),
        role=role,
        site_ids=site_ids,
        volunteer_id=volunteer_id,
        now=datetime.now(UTC),
    )
    if volunteer_id is not None and not await store.read_stream(f"volunteer-{volunteer_id}"):
        raise NotFound("volunteer_id", "no such volunteer")

    async def attempt():  # type: ignore[no-untyped-def]
        state, version = await load(store, email_stream(digest), decider.evolve, decider.initial_state)
        events = decider.decide(command, state)
        claims = [e for e in events if isinstance(e, AccountEmailClaimed)]
        accounts = [e for e in events if isinstance(e, AccountRegistered)]
        return [
            StreamWrite(email_stream(digest), version, pending(claims, command.now)),
            StreamWrite(account_stream(command.account_id), 0, pending(accounts, command.now)),
        ], command.account_id

    return await append_with_retry(store, attempt, EventMetadata(actor=actor))


async def find_account(store: EventStore, digest: str) -> AccountRegistered | None:
    claim, _ = await load(store, email_stream(digest), decider.evolve, decider.initial_state)
    if claim.account_id is None:
        return None
    for recorded in await store.read_stream(account_stream(claim.account_id)):
        if isinstance(recorded.event, AccountRegistered):
            return recorded.event
    return None


class SignInThrottle:
    """Counts failed sign-ins per e-mail digest in Redis; in memory while Redis is down."""

    def __init__(self, redis: aioredis.Redis, namespace: str) -> None:
        self._redis = redis
        self._prefix = f"{namespace}:signin-failures:"
        self._local: dict[str, tuple[int, float]] = {}

    async def seconds_locked(self, digest: str) -> int:
        try:
            failures = int(await self._redis.get(self._prefix + digest) or 0)
            ttl = await self._redis.ttl(self._prefix + digest)
        except (aioredis.RedisError, OSError):
            failures, until = self._local.get(digest, (0, 0.0))
            ttl = int(until - time.monotonic())
        return max(ttl, 1) if failures >= SIGN_IN_FAILURES_ALLOWED and ttl > 0 else 0

    async def failed(self, digest: str) -> None:
        key = self._prefix + digest
        try:
            async with self._redis.pipeline(transaction=True) as pipe:
                await pipe.incr(key).expire(key, SIGN_IN_LOCK_SECONDS).execute()
        except (aioredis.RedisError, OSError):
            failures, _ = self._local.get(digest, (0, 0.0))
            self._local[digest] = (failures + 1, time.monotonic() + SIGN_IN_LOCK_SECONDS)

    async def succeeded(self, digest: str) -> None:
        self._local.pop(digest, None)
        try:
            await self._redis.delete(self._prefix + digest)
        except (aioredis.RedisError, OSError):
            pass


async def sign_in(store: EventStore, keys: Keys, email: str, password: str) -> tokens.Principal | None:
    """The principal for these credentials, or None; takes as long for an unknown e-mail."""
    account = await find_account(store, keys.email_digest(email))
    try:
        _hasher.verify(account.password_hash if account else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if account is None:
        return None
    return tokens.new_principal(
        account.account_id, account.role, account.site_ids, account.volunteer_id, datetime.now(UTC)
    )
