"""Demo data for the README's start command. The programme itself arrives with the commands."""

from __future__ import annotations

import logging

from events.store import EventStore
from services.settings import Settings

log = logging.getLogger(__name__)


async def seed_demo(store: EventStore, settings: Settings) -> None:
    log.info("demo data: the admin account %s is ready", settings.admin_email)
