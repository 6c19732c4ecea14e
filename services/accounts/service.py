"""Account commands (register, close) and signing in."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from uuid import UUID, uuid4

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from events.accounts import (
    AccountClosed,
    AccountEmailClaimed,
    AccountEmailReleased,
    AccountRegistered,
)
from events.base import Event, EventMetadata
from events.store import AppendResult, EventStore, StreamWrite
from services.accounts import decider
from services.auth import tokens
from services.commands import append_with_retry, load, pending
from services.keys import Keys
from services.streams import volunteer_stream
from services.volunteers import decider as volunteers

_hasher = PasswordHasher()
# Verified against when an e-mail is unknown, so both answers take the same time.
_DUMMY_HASH = _hasher.hash("treffpunkt: no such account")


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
    """Claim the e-mail, create the account and, for a volunteer, link it: one atomic append."""
    digest = keys.email_digest(email)
    command = decider.RegisterAccount(
        account_id=uuid4(),
        email_digest=digest,
        password_hash=await asyncio.to_thread(_hasher.hash, password),
        role=role,
        site_ids=site_ids,
        volunteer_id=volunteer_id,
        now=datetime.now(UTC),
    )

    async def attempt() -> tuple[list[StreamWrite], UUID]:
        claim, claim_version = await load(
            store, email_stream(digest), decider.evolve, decider.initial_claim
        )
        events = decider.decide(command, claim)
        writes = _writes_of_account_events(events, {email_stream(digest): claim_version},
                                           command.now)
        account = next(e for e in events if isinstance(e, AccountRegistered))
        if account.volunteer_id is not None:
            person, version = await load(store, volunteer_stream(account.volunteer_id),
                                         volunteers.evolve, volunteers.initial_state)
            linked = volunteers.decide(
                volunteers.LinkAccount(volunteer_id=account.volunteer_id,
                                       account_id=command.account_id, now=command.now),
                person,
            )
            writes.append(StreamWrite(volunteer_stream(account.volunteer_id), version,
                                      pending(linked, command.now)))
        return writes, command.account_id

    return await append_with_retry(store, attempt, EventMetadata(actor=actor))


async def closing_writes(store: EventStore, account_id: UUID, reason: str,
                         now: datetime) -> list[StreamWrite]:
    """The writes that close an account and release its e-mail, for a caller's own append."""
    account, version = await load(store, account_stream(account_id), decider.evolve_account,
                                  decider.initial_account)
    events = decider.decide_close(
        decider.CloseAccount(account_id=account_id, reason=reason, now=now), account
    )
    if not events:
        return []
    digest = account.registered.email_digest  # type: ignore[union-attr] - decided: registered
    _, claim_version = await load(store, email_stream(digest), decider.evolve,
                                  decider.initial_claim)
    return _writes_of_account_events(
        events, {account_stream(account_id): version, email_stream(digest): claim_version}, now
    )


def _writes_of_account_events(
    events: list[Event], versions: dict[str, int], now: datetime
) -> list[StreamWrite]:
    """Sort account events into their streams; ``versions`` holds each loaded stream's version
    (a stream not loaded is new: version 0)."""
    by_stream: dict[str, list[Event]] = {}
    for event in events:
        match event:
            case AccountEmailClaimed(email_digest=digest) | AccountEmailReleased(
                email_digest=digest
            ):
                stream = email_stream(digest)
            case AccountRegistered(account_id=account_id) | AccountClosed(account_id=account_id):
                stream = account_stream(account_id)
            case _:
                raise TypeError(f"not an account event: {type(event).__name__}")
        by_stream.setdefault(stream, []).append(event)
    return [
        StreamWrite(stream, versions.get(stream, 0), pending(stream_events, now))
        for stream, stream_events in by_stream.items()
    ]


def _password_matches(password_hash: str, password: str) -> bool:
    """Argon2 takes tens of milliseconds on purpose: callers run it off the event loop."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


async def find_account(store: EventStore, digest: str) -> AccountRegistered | None:
    """The open account this e-mail digest names, if any."""
    claim, _ = await load(store, email_stream(digest), decider.evolve, decider.initial_claim)
    if claim.account_id is None:
        return None
    account, _ = await load(store, account_stream(claim.account_id), decider.evolve_account,
                            decider.initial_account)
    return account.registered if account.active else None


async def sign_in(
    store: EventStore, keys: Keys, email: str, password: str
) -> tokens.Principal | None:
    """The principal for these credentials, or None; takes as long for an unknown e-mail."""
    account = await find_account(store, keys.email_digest(email))
    if not await asyncio.to_thread(
        _password_matches, account.password_hash if account else _DUMMY_HASH, password
    ) or account is None:
        return None
    return tokens.new_principal(
        account.account_id, account.role, account.site_ids, account.volunteer_id,
        datetime.now(UTC),
    )
