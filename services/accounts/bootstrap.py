"""The first admin, created on first start from TREFFPUNKT_ADMIN_EMAIL / _PASSWORD."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import NAMESPACE_URL, UUID, uuid5

from argon2 import PasswordHasher

from events.accounts import AccountRegistered
from events.base import EventMetadata
from events.store import EventStore, PendingEvent, StreamWrite

SYSTEM_ACTOR = "system"


def bootstrap_admin_id(email: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"treffpunkt:bootstrap-admin:{email.strip().lower()}")


async def ensure_admin(store: EventStore, email: str, password: str) -> bool:
    """Create the admin account unless it exists; True if it was created now."""
    account_id = bootstrap_admin_id(email)
    stream_id = f"account-{account_id}"
    if await store.read_stream(stream_id):
        return False
    event = AccountRegistered(
        account_id=account_id,
        email=email.strip().lower(),
        password_hash=PasswordHasher().hash(password),
        role="admin",
    )
    result = await store.append(
        StreamWrite(
            stream_id,
            0,
            [PendingEvent(event=event, occurred_at=datetime.now(UTC), event_id=account_id)],
        ),
        metadata=EventMetadata(actor=SYSTEM_ACTOR),
    )
    return not result.replayed
