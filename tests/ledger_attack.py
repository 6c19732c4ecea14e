"""An attacker on the ledger in tests: a superuser who switches the append-only triggers off and
rewrites rows."""

from __future__ import annotations


async def as_attacker(pool, *statements: str, arguments: tuple = ()) -> None:
    """A superuser who switches the append-only triggers off and rewrites rows."""
    async with pool.acquire() as connection, connection.transaction():
        await connection.execute("ALTER TABLE events DISABLE TRIGGER USER")
        await connection.execute("ALTER TABLE ledger DISABLE TRIGGER USER")
        for statement in statements:
            await connection.execute(statement, *(arguments if "$1" in statement else ()))
        await connection.execute("ALTER TABLE events ENABLE TRIGGER USER")
        await connection.execute("ALTER TABLE ledger ENABLE TRIGGER USER")
