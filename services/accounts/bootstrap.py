"""The first admin, created on first start from TREFFPUNKT_ADMIN_EMAIL / _PASSWORD."""

from __future__ import annotations

import asyncpg

from events.store import EventStore
from services.accounts import service
from services.auth.roles import ADMIN
from services.keys import Keys
from services.rejections import Conflict

SYSTEM_ACTOR = "system"


async def ensure_admin(
    pool: asyncpg.Pool, store: EventStore, keys: Keys, email: str, password: str
) -> bool:
    """Create the admin account unless the e-mail has one; True if it was created now."""
    if await service.find_account(store, keys.email_digest(email)) is not None:
        return False
    try:
        await service.register_account(
            pool, store, keys, email=email, password=password, role=ADMIN, site_ids=[],
            volunteer_id=None, actor=SYSTEM_ACTOR,
        )
    except Conflict:
        return False
    return True
