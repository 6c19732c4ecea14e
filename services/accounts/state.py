"""An account's streams and their folds: ``account-email-<digest>`` (``EMAIL``, the e-mail's
claim: one e-mail names one account at a time) and ``account-<id>`` (``ACCOUNT``)."""

from __future__ import annotations

from uuid import UUID

import msgspec

from events.accounts import (
    AccountClosed,
    AccountEmailClaimed,
    AccountEmailReleased,
    AccountEmailSealed,
    AccountPasswordChanged,
    AccountRegistered,
)
from events.base import Event
from services.commands.decider import StreamKind


class EmailClaim(msgspec.Struct, frozen=True):
    account_id: UUID | None = None


class Account(msgspec.Struct, frozen=True, kw_only=True):
    registered: AccountRegistered | None = None
    closed: bool = False
    password_hash: str | None = None
    """The current (sealed) hash: the registered one until a change."""
    password_changes: int = 0
    """How many times a link changed the password: a link names this count when issued."""
    email_sealed: bool = False
    """Whether the account's address is kept (sealed), to mail a coordinator."""

    @property
    def active(self) -> bool:
        return self.registered is not None and not self.closed

    @property
    def password_set(self) -> bool:
        """Someone chose this account's password: whoever created it, or a link since."""
        return self.registered is not None and (
            not self.registered.invited or self.password_changes > 0)


def evolve_claim(state: EmailClaim, event: Event) -> EmailClaim:
    """The e-mail claim stream."""
    match event:
        case AccountEmailClaimed(account_id=account_id):
            return EmailClaim(account_id)
        case AccountEmailReleased():
            return EmailClaim()
    return state


def evolve_account(state: Account, event: Event) -> Account:
    """The account stream."""
    match event:
        case AccountRegistered():
            return Account(registered=event, password_hash=event.password_hash,
                           email_sealed=event.email is not None)
        case AccountEmailSealed():
            return msgspec.structs.replace(state, email_sealed=True)
        case AccountPasswordChanged():
            return msgspec.structs.replace(state, password_hash=event.password_hash,
                                           password_changes=state.password_changes + 1)
        case AccountClosed():
            return msgspec.structs.replace(state, closed=True)
    return state


EMAIL = StreamKind("account-email", EmailClaim(), evolve_claim,
                   dict.fromkeys((AccountEmailClaimed, AccountEmailReleased), "email_digest"))
ACCOUNT = StreamKind("account", Account(), evolve_account,
                     dict.fromkeys((AccountRegistered, AccountClosed, AccountPasswordChanged,
                                    AccountEmailSealed), "account_id"))
