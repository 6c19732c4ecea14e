"""A bench's servers and database: embedded PostgreSQL unless DATABASE_URL is set, and a fresh
migrated database of the bench's own, dropped afterwards."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from services.platform.database import migrate
from services.platform.embedded import EmbeddedServers

ROOT = Path(__file__).resolve().parent.parent


@contextlib.asynccontextmanager
async def fresh_database(server_url: str, prefix: str) -> AsyncIterator[str]:
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(server_url)
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        url = urlunsplit(urlsplit(server_url)._replace(path=f"/{name}"))
        connection = await asyncpg.connect(url)
        await migrate(connection)
        await connection.close()
        yield url
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


def with_database_server(run: Callable[[str], Awaitable[None]]) -> Callable[[], Awaitable[None]]:
    """``run(server_url)`` against DATABASE_URL or an embedded server started for it."""
    async def started() -> None:
        embedded = EmbeddedServers(ROOT / ".treffpunkt" / "bench")
        try:
            server_url, _ = embedded.start(os.environ.get("DATABASE_URL"), "redis://unused")
            await run(server_url)
        finally:
            embedded.stop()
    return started
