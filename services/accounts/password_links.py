"""Choosing a password through a mailed link: an invitation (creating a volunteer's account),
asking for a reset (the same answer and the
same time whether the e-mail has an account: the work happens after the answer), and using a
reset or invitation link once (``links``: signed, spent by the change it makes)."""

from __future__ import annotations

import asyncio
import hashlib
import secrets
from datetime import UTC, datetime
from uuid import UUID

import asyncpg

from events.base import EventMetadata
from events.store import EventStore
from projections.notifier import INVITATION, PASSWORD_RESET, queue_direct
from services.accounts import links
from services.accounts.decider import PASSWORDS, ChangePassword
from services.accounts.service import (
    credential_key,
    hash_password,
    open_account,
    register_account,
    sealed_hash,
)
from services.accounts.state import ACCOUNT
from services.auth.roles import VOLUNTEER as VOLUNTEER_ROLE
from services.commands.handler import CommandHandler, CommandResult
from services.commands.rejections import Conflict
from services.platform.keys import Keys, normalise_email
from services.volunteers import personal_data
from services.volunteers import service as volunteers
from services.volunteers.state import VOLUNTEER


async def mail_link(pool: asyncpg.Pool, keys: Keys, *, account_id: UUID, address: str,
                    kind: str, purpose: str, issued_at_change: int, language: str = "de",
                    at_most_an_hour: int | None = None) -> None:
    """Queue the e-mail carrying a new link; the address is kept only as ciphertext. With
    ``at_most_an_hour``: not if the account got that many of this kind within the hour."""
    token = links.issue(keys.tokens, account_id, purpose, issued_at_change, datetime.now(UTC))
    key = await credential_key(pool, account_id)
    async with pool.acquire() as connection, connection.transaction():
        if at_most_an_hour is not None:
            # Counted and queued under a lock of the account's: parallel requests wait for
            # each other's row instead of all seeing room for one more.
            await connection.execute("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))",
                                     f"password-link:{kind}:{account_id}")
            if await sent_lately(connection, account_id, kind) >= at_most_an_hour:
                return
        await queue_direct(
            connection, key=f"{purpose}:{hashlib.sha256(token.encode()).hexdigest()[:32]}",
            kind=kind, subject_id=account_id,
            recipient=personal_data.encrypt(key, account_id, address), language=language,
            params={"token": token})


RESETS_PER_HOUR = 3
"""Reset mails one account gets at most within an hour; further requests send nothing."""


async def sent_lately(connection: asyncpg.Connection, account_id: UUID, kind: str) -> int:
    return await connection.fetchval(
        """SELECT count(*) FROM outbox WHERE volunteer_id = $1 AND kind = $2
              AND queued_at > now() - interval '1 hour'""", account_id, kind)


async def request_reset(commands: CommandHandler, pool: asyncpg.Pool, keys: Keys,
                        email: str) -> None:
    """Mail a reset link if the e-mail names an open account; else nothing (run after the
    answer, so neither its outcome nor its time tells anything)."""
    account = await open_account(commands, keys.email_digest(email))
    if account is None or account.registered is None:
        return
    await mail_link(pool, keys, account_id=account.registered.account_id,
                    address=normalise_email(email), kind=PASSWORD_RESET, purpose=links.RESET,
                    issued_at_change=account.password_changes,
                    at_most_an_hour=RESETS_PER_HOUR)  # nobody floods a mailbox through this


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
        invitation=link.purpose == links.INVITATION, now=datetime.now(UTC)),
        EventMetadata(actor=f"{actor}:{link.account_id}"))


NO_ACCOUNT, NOT_CHOSEN, CHOSEN = "no_account", "not_chosen", "chosen"
"""Where a volunteer stands with its account: none yet; invited, with no password chosen yet
(the invitation may be sent again); or an account with a password (chosen through a link or set
when the account was created), which only "forgot password" changes."""


async def invitation_standing(commands: CommandHandler,
                              volunteer_id: UUID) -> tuple[str, UUID | None]:
    """The volunteer's standing (the rule ``invite`` acts on) and its open account, if any."""
    for account_id in (await commands.state(VOLUNTEER(volunteer_id))).account_ids:
        account = await commands.state(ACCOUNT(account_id))
        if account.active:
            return (CHOSEN if account.password_set else NOT_CHOSEN), account_id
    return NO_ACCOUNT, None


async def invite(commands: CommandHandler, store: EventStore, pool: asyncpg.Pool, keys: Keys,
                 volunteer_id: UUID, *, actor: str) -> int:
    """Create the volunteer's account (a random password nobody knows) and mail it a link to
    choose its own, valid 7 days; inviting again before it was used mails a new link (the old
    one keeps working until either is used). Only an account an invitation created, whose
    password nobody has chosen yet, is invited: one with a password (an admin's, or chosen
    through a link) is ``Conflict`` (409, ``has_password``): that is "forgot password".
    Returns the position of what it stored (the account, or the store's newest position when
    the account was there)."""
    person = await volunteers.profile(store, pool, volunteer_id)
    if person.erased or person.email is None:
        raise Conflict("volunteer_id", "the volunteer was erased", code="erased")
    standing, account_id = await invitation_standing(commands, volunteer_id)
    if standing == CHOSEN:
        raise Conflict("volunteer_id", "the volunteer's account has a password already: "
                       "the volunteer can ask for a new one (forgot password)",
                       code="has_password")
    if account_id is not None:
        await mail_link(pool, keys, account_id=account_id, address=person.email,
                        kind=INVITATION, purpose=links.INVITATION, issued_at_change=0)
        return await store.newest_position()
    result, account_id = await register_account(
        commands, pool, keys, email=person.email, password=secrets.token_urlsafe(32),
        role=VOLUNTEER_ROLE, site_ids=[], volunteer_id=volunteer_id, actor=actor, invited=True)
    await mail_link(pool, keys, account_id=account_id, address=person.email, kind=INVITATION,
                    purpose=links.INVITATION, issued_at_change=0)
    return result.position
