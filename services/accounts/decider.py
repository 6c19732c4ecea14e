"""Registering accounts: pure decide/evolve over the e-mail claim stream."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import msgspec

from events.accounts import AccountEmailClaimed, AccountRegistered
from events.base import Event
from services.auth.guards import COORDINATOR, ROLES, VOLUNTEER
from services.rejections import Conflict, Invalid


class RegisterAccount(msgspec.Struct, frozen=True, kw_only=True):
    account_id: UUID
    email_digest: str
    password_hash: str
    role: str
    site_ids: list[UUID]
    volunteer_id: UUID | None
    now: datetime


class EmailClaim(msgspec.Struct, frozen=True):
    account_id: UUID | None = None


initial_state = EmailClaim()


def evolve(state: EmailClaim, event: Event) -> EmailClaim:
    match event:
        case AccountEmailClaimed(account_id=account_id):
            return EmailClaim(account_id)
        case _:
            return state


def decide(command: RegisterAccount, state: EmailClaim) -> list[Event]:
    match command, state:
        case RegisterAccount(role=role), _ if role not in ROLES:
            raise Invalid("role", f"must be one of {', '.join(ROLES)}")
        case RegisterAccount(role=role, site_ids=[]), _ if role == COORDINATOR:
            raise Invalid("site_ids", "a coordinator needs at least one site")
        case RegisterAccount(role=role, volunteer_id=None), _ if role == VOLUNTEER:
            raise Invalid("volunteer_id", "a volunteer's account needs its volunteer")
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
                    site_ids=command.site_ids if command.role == COORDINATOR else [],
                    volunteer_id=command.volunteer_id if command.role == VOLUNTEER else None,
                ),
            ]
    raise AssertionError("unreachable")
