"""Account commands (register, close) and signing in."""

from __future__ import annotations

import asyncio
import base64
from datetime import UTC, datetime
from uuid import UUID

import asyncpg
from argon2.exceptions import InvalidHashError, VerificationError
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from events.accounts import AccountRegistered
from events.base import EventMetadata
from services.accounts import decider
from services.accounts.password_hashing import password_hasher
from services.accounts.state import ACCOUNT, EMAIL, Account
from services.auth import tokens
from services.auth.roles import COORDINATOR
from services.commands.handler import (
    CommandHandler,
    CommandResult,
    KeyReused,
    entity_id,
    request_digest,
    with_digest,
)
from services.commands.rejections import Conflict
from services.platform.keys import Keys, normalise_email
from services.volunteers import personal_data

_hasher = password_hasher()
# Verified against when an e-mail is unknown, so both answers take the same time.
_DUMMY_HASH = _hasher.hash("treffpunkt: no such account")

REGISTER_ACCOUNT = "RegisterAccount"


def hash_password(password: str) -> str:
    """Argon2, tens of milliseconds on purpose: run it off the event loop."""
    return _hasher.hash(password)


async def register_account(
    commands: CommandHandler,
    pool: asyncpg.Pool,
    keys: Keys,
    *,
    email: str,
    password: str,
    role: str,
    site_ids: list[UUID],
    volunteer_id: UUID | None,
    actor: str,
    idempotency_key: str | None = None,
    invited: bool = False,
) -> tuple[CommandResult, UUID]:
    """Claim the e-mail, create the account and, for a volunteer, link it: one atomic append.

    A repeat with the same idempotency key answers the first account; the password is not part
    of the request's digest (that would be a fast hash of it in the history): a repeat is
    checked against the stored Argon2 hash instead."""
    metadata = EventMetadata(actor=actor, idempotency_key=idempotency_key)
    digest = keys.email_digest(email)
    metadata = with_digest(metadata, request_digest(REGISTER_ACCOUNT, {
        "email_digest": digest, "role": role, "site_ids": site_ids,
        "volunteer_id": volunteer_id}))
    account_id = entity_id(metadata, "account")
    stored = await commands.replay(metadata)
    if stored is not None:
        return await _same_password(pool, stored, password), account_id
    key = await credential_key(pool, account_id)
    command = decider.RegisterAccount(
        account_id=account_id,
        email_digest=digest,
        password_hash=sealed_hash(
            key, account_id, await asyncio.to_thread(_hasher.hash, password)),
        role=role,
        site_ids=site_ids,
        volunteer_id=volunteer_id,
        now=datetime.now(UTC),
        # Only a coordinator is mailed at its account's address (the weekly digest).
        email=(personal_data.encrypt(key, account_id, normalise_email(email))
               if role == COORDINATOR else None),
        invited=invited,
    )

    try:
        result = await commands.handle(decider.ACCOUNTS, command, metadata)
    except BaseException:
        if not (await commands.state(ACCOUNT(account_id))).registered:
            await personal_data.destroy_key(pool, account_id)
        raise
    if result.replayed:  # a concurrent twin stored it first
        await _same_password(pool, result, password)
    return result, account_id


async def _same_password(
    pool: asyncpg.Pool, stored: CommandResult, password: str
) -> CommandResult:
    account = next(e for e in stored.events if isinstance(e, AccountRegistered))
    password_hash = await opened_hash(pool, account)
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


async def opened_hash(pool: asyncpg.Pool, account: AccountRegistered,
                      current: str | None = None) -> str | None:
    """The account's Argon2 hash (``current``: the sealed hash of a later change, else the
    registered one); None once its key is destroyed."""
    sealed = current or account.password_hash
    if not sealed.startswith(SEALED_PREFIX):
        return sealed
    key = await personal_data.key_of(pool, account.account_id)
    return personal_data.decrypt(
        key, account.account_id, base64.b64decode(sealed.removeprefix(SEALED_PREFIX)))


async def password_of_matches(pool: asyncpg.Pool, account: Account, password: str) -> bool:
    """Whether ``password`` is the account's current one (as long for a destroyed key)."""
    stored = (await opened_hash(pool, account.registered, account.password_hash)
              if account.registered else None)
    matches = await asyncio.to_thread(_password_matches, stored or _DUMMY_HASH, password)
    return matches and stored is not None


def _password_matches(password_hash: str, password: str) -> bool:
    """Argon2 takes tens of milliseconds on purpose: callers run it off the event loop."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


async def find_account(commands: CommandHandler, digest: str) -> AccountRegistered | None:
    """The open account this e-mail digest names, if any."""
    account = await open_account(commands, digest)
    return account.registered if account else None


async def open_account(commands: CommandHandler, digest: str) -> Account | None:
    """The state of the open account this e-mail digest names, if any."""
    claim = await commands.state(EMAIL(digest))
    if claim.account_id is None:
        return None
    account = await commands.state(ACCOUNT(claim.account_id))
    return account if account.active else None


async def sign_in(
    commands: CommandHandler, pool: asyncpg.Pool, keys: Keys, email: str, password: str
) -> tokens.Principal | None:
    """The principal for these credentials, or None; takes as long for an unknown e-mail."""
    state = await open_account(commands, keys.email_digest(email))
    account = state.registered if state else None
    password_hash = (await opened_hash(pool, account, state.password_hash)
                     if state and account else None)
    if not await asyncio.to_thread(
        _password_matches, password_hash or _DUMMY_HASH, password
    ) or account is None or password_hash is None:
        return None
    if account.role == COORDINATOR and state is not None and not state.email_sealed:
        await _seal_email(commands, pool, account.account_id, email)
    return tokens.new_principal(
        account.account_id, account.role, account.site_ids, account.volunteer_id,
        datetime.now(UTC), state.password_changes if state else 0,
    )


async def _seal_email(commands: CommandHandler, pool: asyncpg.Pool, account_id: UUID,
                      email: str) -> None:
    """A coordinator registered before addresses were kept: keep it now, sealed (once)."""
    key = await credential_key(pool, account_id)
    try:
        await commands.handle(decider.SEALING, decider.SealEmail(
            account_id=account_id,
            email=personal_data.encrypt(key, account_id, normalise_email(email)),
            now=datetime.now(UTC)), EventMetadata(actor=f"account:{account_id}"))
    except Conflict:
        pass  # a sign-in at the same moment kept it
