"""Accounts: pure decide/evolve over two kinds of stream.

``account-email-<digest>`` (``EMAIL``, the e-mail's claim) guarantees that one e-mail names one
account at a time; ``account-<id>`` (``ACCOUNT``) holds the account. Registering writes to both
in one append, and links a volunteer's account to the volunteer's stream in the same append;
closing an account releases its e-mail.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any
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
from services.auth.roles import COORDINATOR, ROLES, VOLUNTEER
from services.accounts.state import ACCOUNT, EMAIL, Account, EmailClaim
from services.commands.decider import Decider, States, Stream
from services.commands.rejections import Conflict, Invalid, NotFound
from services.sites.state import SITE
from services.volunteers.state import VOLUNTEER as VOLUNTEER_STREAM
from services.volunteers.decider import LinkAccount, decide_person


class RegisterAccount(msgspec.Struct, frozen=True, kw_only=True):
    account_id: UUID
    email_digest: str
    password_hash: str
    role: str
    site_ids: list[UUID]
    volunteer_id: UUID | None
    now: datetime
    email: bytes | None = None
    """A coordinator's address, sealed under the account's key (``AccountRegistered.email``)."""
    invited: bool = False


class CloseAccount(msgspec.Struct, frozen=True, kw_only=True):
    account_id: UUID
    reason: str
    now: datetime


def decide_register(
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
                    email=command.email,
                    invited=command.invited,
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


def _links_volunteer(command: RegisterAccount) -> bool:
    return command.role == VOLUNTEER and command.volunteer_id is not None


def _named_sites(command: RegisterAccount) -> list[UUID]:
    """The sites a coordinator's account names (read only: they must exist)."""
    return list(dict.fromkeys(command.site_ids)) if command.role == COORDINATOR else []


def streams(command: RegisterAccount, loaded: States) -> list[Stream[Any]]:
    touched: list[Stream[Any]] = [EMAIL(command.email_digest), ACCOUNT(command.account_id)]
    touched += map(SITE, _named_sites(command))
    if _links_volunteer(command):
        touched.append(VOLUNTEER_STREAM(command.volunteer_id))
    return touched


def decide(command: RegisterAccount, states: States) -> list[Event]:
    """Claim the e-mail and register the account; a volunteer's account is linked to the
    volunteer in the same append."""
    existing = [site for site in _named_sites(command) if states[SITE(site)].exists]
    events = decide_register(command, states[EMAIL(command.email_digest)], existing)
    if _links_volunteer(command):
        assert command.volunteer_id is not None
        link = LinkAccount(volunteer_id=command.volunteer_id, account_id=command.account_id,
                           now=command.now)
        events += decide_person(link, states[VOLUNTEER_STREAM(command.volunteer_id)])
    return events


ACCOUNTS = Decider(commands=(RegisterAccount,), kinds=(EMAIL, ACCOUNT, SITE, VOLUNTEER_STREAM),
                   streams=streams, decide=decide)


def _closing_streams(command: CloseAccount, loaded: States) -> list[Stream[Any]]:
    account = loaded[ACCOUNT(command.account_id)]
    if not account.active:
        return [ACCOUNT(command.account_id)]
    return [ACCOUNT(command.account_id), EMAIL(account.registered.email_digest)]


def _decide_closing(command: CloseAccount, states: States) -> list[Event]:
    events = decide_close(command, states[ACCOUNT(command.account_id)])
    if not events:
        raise Conflict("account_id", "this account is closed already", code="closed")
    return events


CLOSING = Decider(commands=(CloseAccount,), kinds=(ACCOUNT, EMAIL), streams=_closing_streams,
                  decide=_decide_closing)
"""Closing an account on its own (erasing a volunteer closes its accounts with it)."""


class ChangePassword(msgspec.Struct, frozen=True, kw_only=True):
    """Choose a password through a link issued at the account's ``password_changes`` count."""

    account_id: UUID
    issued_at_change: int
    password_hash: str
    sign_out_everywhere: bool = False
    invitation: bool = False
    """The link is an invitation: only an account nobody ever set a password of accepts it."""
    now: datetime


def _decide_password(command: ChangePassword, states: States) -> list[Event]:
    account = states[ACCOUNT(command.account_id)]
    if not account.active:
        raise NotFound("token", "this link's account is closed", code="link_invalid")
    if account.password_changes != command.issued_at_change:
        raise Conflict("token", "this link was used already", code="link_spent")
    if command.invitation and account.password_set:
        raise Conflict("token", "this account has a password already: ask for a new one with "
                       "'forgot password'", code="has_password")
    return [AccountPasswordChanged(account_id=command.account_id,
                                   password_hash=command.password_hash,
                                   sign_out_everywhere=command.sign_out_everywhere,
                                   changes=account.password_changes + 1)]


PASSWORDS = Decider(commands=(ChangePassword,), kinds=(ACCOUNT,),
                    streams=lambda command, loaded: [ACCOUNT(command.account_id)],
                    decide=_decide_password)
"""A password chosen through a single-use link (reset or invitation)."""


class SealEmail(msgspec.Struct, frozen=True, kw_only=True):
    """Keep a coordinator's address (sealed under its account's key) if it is not yet kept."""

    account_id: UUID
    email: bytes
    now: datetime


def decide_seal(command: SealEmail, account: Account) -> list[Event]:
    """Only an open coordinator's account without its address gets it (a twin sign-in that
    came second is refused, and the caller lets it be)."""
    registered = account.registered
    if not account.active or registered is None or registered.role != COORDINATOR:
        raise Conflict("account_id", "only an open coordinator's address is kept",
                       code="not_a_coordinator")
    if account.email_sealed:
        raise Conflict("account_id", "the account's address is kept already", code="kept")
    return [AccountEmailSealed(account_id=command.account_id, email=command.email)]


SEALING = Decider(commands=(SealEmail,), kinds=(ACCOUNT,),
                  streams=lambda command, loaded: [ACCOUNT(command.account_id)],
                  decide=lambda command, states: decide_seal(
                      command, states[ACCOUNT(command.account_id)]))
"""A coordinator account registered before addresses were kept gets its address when it
signs in (the weekly digest is mailed to it)."""
