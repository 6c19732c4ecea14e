"""Changing one's password while signed in (the profile): the current password first, then the
new one, hashed and sealed as every password is, through the same ``PASSWORDS`` decider as a
mailed link. Every other session of the account ends with it (``sign_out_everywhere``); the
caller hands the session that asked a new token carrying the new count."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from uuid import UUID

import asyncpg

from events.base import EventMetadata
from services.accounts.decider import PASSWORDS, ChangePassword
from services.accounts.service import (
    credential_key,
    hash_password,
    password_of_matches,
    sealed_hash,
)
from services.accounts.state import ACCOUNT
from services.commands.handler import CommandHandler, CommandResult
from services.commands.rejections import Invalid, NotFound

MIN_LENGTH = 8
"""As the API's ``Password`` and the mailed link's page."""
WRONG_CURRENT = "current_password_wrong"


async def change_own_password(commands: CommandHandler, pool: asyncpg.Pool, account_id: UUID, *,
                              current: str, new: str) -> CommandResult:
    """``Invalid`` naming ``current_password`` when it is wrong (nothing is stored), or
    ``new_password`` when the new one is too short."""
    account = await commands.state(ACCOUNT(account_id))
    if not account.active:
        raise NotFound("current_password", "this account is closed", code="account_closed")
    if not await password_of_matches(pool, account, current):
        raise Invalid("current_password", "the current password is wrong", code=WRONG_CURRENT)
    if len(new) < MIN_LENGTH:
        raise Invalid("new_password", f"at least {MIN_LENGTH} characters", code="too_short")
    key = await credential_key(pool, account_id)
    sealed = sealed_hash(key, account_id, await asyncio.to_thread(hash_password, new))
    return await commands.handle(PASSWORDS, ChangePassword(
        account_id=account_id, issued_at_change=account.password_changes, password_hash=sealed,
        sign_out_everywhere=True, now=datetime.now(UTC)),
        EventMetadata(actor=f"account:{account_id}"))
