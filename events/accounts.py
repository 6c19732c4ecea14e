"""Events of accounts. No plaintext e-mail is stored: only a keyed digest for signing in.

Streams: ``account-<id>`` for the account, ``account-email-<digest>`` claims an e-mail for one
account (appended together, so two accounts can never share an e-mail). The digest is an HMAC
keyed with a secret outside the database, so the history alone cannot confirm a guessed e-mail.
"""

from __future__ import annotations

from uuid import UUID

from events.base import Event


class AccountRegistered(Event, tag="account.registered", frozen=True, kw_only=True):
    account_id: UUID
    email_digest: str
    password_hash: str
    role: str
    site_ids: list[UUID] = []
    volunteer_id: UUID | None = None


class AccountEmailClaimed(Event, tag="account.email_claimed", frozen=True, kw_only=True):
    account_id: UUID
    email_digest: str


class AccountClosed(Event, tag="account.closed", frozen=True, kw_only=True):
    """The account can no longer sign in (e.g. its volunteer was erased)."""

    account_id: UUID
    reason: str


class AccountEmailReleased(Event, tag="account.email_released", frozen=True, kw_only=True):
    """The e-mail's claim ends with its account: it may be used for a new account."""

    account_id: UUID
    email_digest: str


EVENTS = (AccountRegistered, AccountEmailClaimed, AccountClosed, AccountEmailReleased)
