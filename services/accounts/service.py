"""Account commands (register, close) and signing in."""

from __future__ import annotations

import asyncio
import base64
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import asyncpg
from argon2.exceptions import InvalidHashError, VerificationError
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from events.accounts import (
    AccountClosed,
    AccountEmailClaimed,
    AccountEmailReleased,
    AccountRegistered,
)
from events.base import Event, EventMetadata
from events.store import EventStore
from events.volunteers import VolunteerAccountLinked, VolunteerErased, VolunteerRegistered
from services.accounts import decider
from services.accounts.password_hashing import password_hasher
from services.auth import tokens
from services.command_handler import (
    CommandHandler,
    CommandResult,
    Fold,
    KeyReused,
    Load,
    entity_id,
    request_digest,
    with_digest,
)
from services.keys import Keys
from services.sites import decider as sites_decider
from services.streams import site_stream, volunteer_stream
from services.volunteers import decider as volunteers
from services.volunteers import personal_data

_hasher = password_hasher()
# Verified against when an e-mail is unknown, so both answers take the same time.
_DUMMY_HASH = _hasher.hash("treffpunkt: no such account")

EMAIL_CLAIM = Fold(decider.initial_claim, decider.evolve)
ACCOUNT = Fold(decider.initial_account, decider.evolve_account)
PERSON = Fold(volunteers.initial_state, volunteers.evolve)
SITE = Fold(sites_decider.initial_state, sites_decider.evolve)
REGISTER_ACCOUNT = "RegisterAccount"


def account_stream(account_id: UUID) -> str:
    return f"account-{account_id}"


def email_stream(digest: str) -> str:
    return f"account-email-{digest}"


def stream_of(event: Event) -> str:
    """The stream of an account event, or of a volunteer's event about the person."""
    match event:
        case AccountEmailClaimed(email_digest=digest) | AccountEmailReleased(email_digest=digest):
            return email_stream(digest)
        case AccountRegistered(account_id=account_id) | AccountClosed(account_id=account_id):
            return account_stream(account_id)
        case VolunteerRegistered(volunteer_id=volunteer_id) | VolunteerAccountLinked(
            volunteer_id=volunteer_id
        ) | VolunteerErased(volunteer_id=volunteer_id):
            return volunteer_stream(volunteer_id)
    raise TypeError(f"not an account or person event: {type(event).__name__}")


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
    idempotency_key: str | None = None,
    commands: CommandHandler | None = None,
) -> tuple[CommandResult, UUID]:
    """Claim the e-mail, create the account and, for a volunteer, link it: one atomic append.

    A repeat with the same idempotency key answers the first account; the password is not part
    of the request's digest (that would be a fast hash of it in the history): a repeat is
    checked against the stored Argon2 hash instead."""
    commands = commands or CommandHandler(store)
    metadata = EventMetadata(actor=actor, idempotency_key=idempotency_key)
    digest = keys.email_digest(email)
    metadata = with_digest(metadata, request_digest(REGISTER_ACCOUNT, {
        "email_digest": digest, "role": role, "site_ids": site_ids,
        "volunteer_id": volunteer_id}))
    account_id = entity_id(metadata, "account")
    stored = await commands.replay(metadata)
    if stored is not None:
        return await _same_password(store, stored, password), account_id
    key = await credential_key(store.pool, account_id)
    command = decider.RegisterAccount(
        account_id=account_id,
        email_digest=digest,
        password_hash=sealed_hash(
            key, account_id, await asyncio.to_thread(_hasher.hash, password)),
        role=role,
        site_ids=site_ids,
        volunteer_id=volunteer_id,
        now=datetime.now(UTC),
    )

    named_sites = list(dict.fromkeys(site_ids))

    async def attempt(load: Load) -> list[Event]:
        claim, _, *sites = await asyncio.gather(
            load(email_stream(digest), EMAIL_CLAIM), load(account_stream(account_id), ACCOUNT),
            *(load(site_stream(site_id), SITE) for site_id in named_sites),
        )
        existing = {site_id for site_id, site in zip(named_sites, sites) if site.exists}
        events = decider.decide(command, claim, existing)
        account = next(e for e in events if isinstance(e, AccountRegistered))
        if account.volunteer_id is not None:
            person = await load(volunteer_stream(account.volunteer_id), PERSON)
            events += volunteers.decide(
                volunteers.LinkAccount(volunteer_id=account.volunteer_id,
                                       account_id=account_id, now=command.now),
                person,
            )
        return events

    try:
        result = await commands.execute(REGISTER_ACCOUNT, attempt, now=command.now,
                                        metadata=metadata, stream_of=stream_of)
    except BaseException:
        if not await store.read_stream(account_stream(account_id)):
            await personal_data.destroy_key(store.pool, account_id)
        raise
    if result.replayed:  # a concurrent twin stored it first
        await _same_password(store, result, password)
    return result, account_id


async def _same_password(store: EventStore, stored: CommandResult, password: str) -> CommandResult:
    account = next(e for e in stored.events if isinstance(e, AccountRegistered))
    password_hash = await opened_hash(store.pool, account)
    if not await asyncio.to_thread(_password_matches, password_hash or _DUMMY_HASH, password):
        raise KeyReused()
    return stored


# The Argon2 hash is a credential: the history is exported to auditors, so the event holds it
# only encrypted under a key of the account's own (subject_keys, like volunteers' personal
# data). Closing the account destroys the key. Events from before this hold the hash as is.
SEALED_PREFIX = "aesgcm:"


async def credential_key(pool: asyncpg.Pool, account_id: UUID) -> bytes:
    """The account's key; the same for a concurrent twin of the same (idempotent) request."""
    await pool.execute(
        "INSERT INTO subject_keys (subject_id, key) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        account_id, AESGCM.generate_key(bit_length=256))
    return await pool.fetchval("SELECT key FROM subject_keys WHERE subject_id = $1", account_id)


def sealed_hash(key: bytes, account_id: UUID, password_hash: str) -> str:
    return SEALED_PREFIX + base64.b64encode(
        personal_data.encrypt(key, account_id, password_hash)).decode()


async def opened_hash(pool: asyncpg.Pool, account: AccountRegistered) -> str | None:
    """The account's Argon2 hash; None once its key is destroyed."""
    if not account.password_hash.startswith(SEALED_PREFIX):
        return account.password_hash
    key = await personal_data.key_of(pool, account.account_id)
    return personal_data.decrypt(
        key, account.account_id,
        base64.b64decode(account.password_hash.removeprefix(SEALED_PREFIX)))


async def closing_events(load: Load, account_id: UUID, reason: str, now: datetime) -> list[Event]:
    """The events that close an account and release its e-mail, for a caller's own command."""
    account = await load(account_stream(account_id), ACCOUNT)
    events = decider.decide_close(
        decider.CloseAccount(account_id=account_id, reason=reason, now=now), account
    )
    if events:
        # The release is appended against the claim's current version.
        await load(email_stream(account.registered.email_digest), EMAIL_CLAIM)
    return events


def _password_matches(password_hash: str, password: str) -> bool:
    """Argon2 takes tens of milliseconds on purpose: callers run it off the event loop."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


async def find_account(store: EventStore, digest: str) -> AccountRegistered | None:
    """The open account this e-mail digest names, if any."""
    claim = await _fold(store, email_stream(digest), EMAIL_CLAIM)
    if claim.account_id is None:
        return None
    account = await _fold(store, account_stream(claim.account_id), ACCOUNT)
    return account.registered if account.active else None


async def _fold(store: EventStore, stream_id: str, fold: Fold) -> Any:
    state = fold.initial
    for recorded in await store.read_stream(stream_id):
        state = fold.evolve(state, recorded.event)
    return state


async def sign_in(
    store: EventStore, keys: Keys, email: str, password: str
) -> tokens.Principal | None:
    """The principal for these credentials, or None; takes as long for an unknown e-mail."""
    account = await find_account(store, keys.email_digest(email))
    password_hash = await opened_hash(store.pool, account) if account else None
    if not await asyncio.to_thread(
        _password_matches, password_hash or _DUMMY_HASH, password
    ) or account is None or password_hash is None:
        return None
    return tokens.new_principal(
        account.account_id, account.role, account.site_ids, account.volunteer_id,
        datetime.now(UTC),
    )
