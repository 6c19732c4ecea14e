"""The service's database schema: the event store's migrations, then the service's own."""

from __future__ import annotations

from pathlib import Path

import asyncpg

from events.migrations import apply_migrations

SERVICE_MIGRATIONS = Path(__file__).parent / "migrations"


async def migrate(connection: asyncpg.Connection) -> list[str]:
    return await apply_migrations(connection, SERVICE_MIGRATIONS)
