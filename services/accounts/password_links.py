"""Choosing a password through a mailed link: asking for a reset (the same answer and the
same time whether the e-mail has an account: the work happens after the answer), and using a
reset or invitation link once (``links``: signed, spent by the change it makes)."""

from __future__ import annotations

import asyncio
import hashlib
from datetime import UTC, datetime
from uuid import UUID

import asyncpg

from events.base import EventMetadata
from projections.notifier import PASSWORD_RESET, queue_direct
from services.accounts import links
from services.accounts.decider import PASSWORDS, ChangePassword
from services.accounts.service import (
    credential_key,
    hash_password,
    open_account,
    sealed_hash,
)
from services.commands.handler import CommandHandler, CommandResult
from services.platform.keys import Keys, normalise_email
from services.volunteers import personal_data


async def mail_link(pool: asyncpg.Pool, keys: Keys, *, account_id: UUID, address: str,
                    kind: str, purpose: str, issued_at_change: int, language: str = "de") -> None:
    """Queue the e-mail carrying a new link; the address is kept only as ciphertext."""
    token = links.issue(keys.tokens, account_id, purpose, issued_at_change, datetime.now(UTC))
    key = await credential_key(pool, account_id)
    await queue_direct(
        pool, key=f"{purpose}:{hashlib.sha256(token.encode()).hexdigest()[:32]}", kind=kind,
        subject_id=account_id, recipient=personal_data.encrypt(key, account_id, address),
        language=language, params={"token": token})


async def request_reset(commands: CommandHandler, pool: asyncpg.Pool, keys: Keys,
                        email: str) -> None:
    """Mail a reset link if the e-mail names an open account; else nothing (run after the
    answer, so neither its outcome nor its time tells anything)."""
    account = await open_account(commands, keys.email_digest(email))
    if account is None or account.registered is None:
        return
    await mail_link(pool, keys, account_id=account.registered.account_id,
                    address=normalise_email(email), kind=PASSWORD_RESET, purpose=links.RESET,
                    issued_at_change=account.password_changes)


async def choose_password(commands: CommandHandler, pool: asyncpg.Pool, keys: Keys, *,
                          token: str, password: str, sign_out_everywhere: bool,
                          actor: str = "password-link") -> CommandResult:
    """Spend the link on a new password; ``Invalid``/``Conflict`` naming ``token`` if it is
    forged, expired or used."""
    link = links.read(keys.tokens, token, datetime.now(UTC))
    key = await credential_key(pool, link.account_id)
    password_hash = sealed_hash(key, link.account_id,
                                await asyncio.to_thread(hash_password, password))
    return await commands.handle(PASSWORDS, ChangePassword(
        account_id=link.account_id, issued_at_change=link.issued_at_change,
        password_hash=password_hash, sign_out_everywhere=sign_out_everywhere,
        now=datetime.now(UTC)), EventMetadata(actor=f"{actor}:{link.account_id}"))
