"""Accounts: pure decide/evolve over two streams.

``account-email-<digest>`` (the e-mail's claim, folded into ``EmailClaim``) guarantees that one
e-mail names one account at a time; ``account-<id>`` (folded into ``Account``) holds the account.
Registering writes to both in one append; closing an account releases its e-mail.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from uuid import UUID

import msgspec

from events.accounts import (
    AccountClosed,
    AccountEmailClaimed,
    AccountEmailReleased,
    AccountRegistered,
)
from events.base import Event
from services.auth.roles import COORDINATOR, ROLES, VOLUNTEER
from services.rejections import Conflict, Invalid, NotFound


class RegisterAccount(msgspec.Struct, frozen=True, kw_only=True):
    account_id: UUID
    email_digest: str
    password_hash: str
    role: str
    site_ids: list[UUID]
    volunteer_id: UUID | None
    now: datetime


class CloseAccount(msgspec.Struct, frozen=True, kw_only=True):
    account_id: UUID
    reason: str
    now: datetime


class EmailClaim(msgspec.Struct, frozen=True):
    account_id: UUID | None = None


class Account(msgspec.Struct, frozen=True, kw_only=True):
    registered: AccountRegistered | None = None
    closed: bool = False

    @property
    def active(self) -> bool:
        return self.registered is not None and not self.closed


initial_claim = EmailClaim()
initial_account = Account()
initial_state = initial_claim  # registering decides on the e-mail's claim


def evolve(state: EmailClaim, event: Event) -> EmailClaim:
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
            return Account(registered=event)
        case AccountClosed():
            return msgspec.structs.replace(state, closed=True)
    return state


def decide(
    command: RegisterAccount, state: EmailClaim, existing_sites: Collection[UUID] = ()
) -> list[Event]:
    """Decided on the e-mail's claim; ``existing_sites``: those of ``site_ids`` that exist."""
    unknown_sites = [site for site in command.site_ids if site not in existing_sites]
    match command, state:
        case RegisterAccount(role=role), _ if role not in ROLES:
            raise Invalid("role", f"must be one of {', '.join(ROLES)}")
        case RegisterAccount(role=role, site_ids=[]), _ if role == COORDINATOR:
            raise Invalid("site_ids", "a coordinator needs at least one site")
        case RegisterAccount(role=role, site_ids=[_, *_]), _ if role != COORDINATOR:
            raise Invalid("site_ids", "only a coordinator's account names sites",
                          code="not_a_coordinator")
        case RegisterAccount(), _ if unknown_sites:
            raise Invalid("site_ids", f"no such site: {unknown_sites[0]}", code="site_not_found")
        case RegisterAccount(role=role, volunteer_id=None), _ if role == VOLUNTEER:
            raise Invalid("volunteer_id", "a volunteer's account needs its volunteer")
        case RegisterAccount(role=role, volunteer_id=UUID()), _ if role != VOLUNTEER:
            raise Invalid("volunteer_id", "only a volunteer's account names a volunteer",
                          code="not_a_volunteer")
        case RegisterAccount(), EmailClaim(account_id=UUID()):
            raise Conflict("email", "this e-mail already has an account")
        case RegisterAccount(), _:
            return [
                AccountEmailClaimed(
                    account_id=command.account_id, email_digest=command.email_digest
                ),
                AccountRegistered(
                    account_id=command.account_id,
                    email_digest=command.email_digest,
                    password_hash=command.password_hash,
                    role=command.role,
                    site_ids=command.site_ids,
                    volunteer_id=command.volunteer_id,
                ),
            ]
    raise AssertionError("unreachable")


def decide_close(command: CloseAccount, state: Account) -> list[Event]:
    """Closing an account; the e-mail's release goes to the claim stream."""
    match command, state:
        case CloseAccount(), Account(registered=None):
            raise NotFound("account_id", "no such account")
        case CloseAccount(), Account(closed=True):
            return []
        case CloseAccount(account_id=account_id, reason=reason), Account(registered=registered):
            return [
                AccountClosed(account_id=account_id, reason=reason),
                AccountEmailReleased(account_id=account_id, email_digest=registered.email_digest),
            ]
    raise AssertionError("unreachable")
