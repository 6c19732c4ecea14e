"""Events of the accounts stream (``account-<id>``)."""

from __future__ import annotations

from uuid import UUID

from events.base import Event


class AccountRegistered(Event, tag="account.registered", frozen=True, kw_only=True):
    account_id: UUID
    email: str
    password_hash: str
    role: str
    site_ids: list[UUID] = []
    volunteer_id: UUID | None = None


EVENTS = (AccountRegistered,)
