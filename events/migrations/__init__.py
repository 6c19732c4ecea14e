"""Plain SQL migrations, applied in file-name order, each recorded once in ``schema_migrations``.

Migrations of other packages (read models) are passed in as further folders; every folder's files
share one ordered history, keyed by ``folder/file``.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import asyncpg

EVENT_STORE_MIGRATIONS = Path(__file__).parent

# Any constant will do: it only keeps two starting processes from migrating at once.
_MIGRATION_LOCK = 7_461_802_311


async def apply_migrations(connection: asyncpg.Connection, *folders: Path) -> list[str]:
    """Apply every migration not applied yet; returns the names applied now."""
    applied_now: list[str] = []
    async with connection.transaction():
        await connection.execute("SELECT pg_advisory_xact_lock($1)", _MIGRATION_LOCK)
        await connection.execute(
            """CREATE TABLE IF NOT EXISTS schema_migrations (
                   name       text PRIMARY KEY,
                   checksum   text NOT NULL,
                   applied_at timestamptz NOT NULL DEFAULT now())"""
        )
        recorded = {
            row["name"]: row["checksum"]
            for row in await connection.fetch("SELECT name, checksum FROM schema_migrations")
        }
        for folder in (EVENT_STORE_MIGRATIONS, *folders):
            for path in sorted(folder.glob("*.sql")):
                name = f"{folder.parent.name}/{path.name}"
                sql = path.read_text(encoding="utf-8")
                checksum = hashlib.sha256(sql.encode()).hexdigest()
                if name in recorded:
                    if recorded[name] != checksum:
                        raise RuntimeError(
                            f"migration {name} changed after it was applied; "
                            "add a new migration instead of editing an old one"
                        )
                    continue
                await connection.execute(sql)
                await connection.execute(
                    "INSERT INTO schema_migrations (name, checksum) VALUES ($1, $2)",
                    name,
                    checksum,
                )
                applied_now.append(name)
    return applied_now
