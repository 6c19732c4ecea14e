"""Databases of the test servers: the templates and a test's own copy, dropped afterwards."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator

import asyncpg


async def on_the_server(servers, statement: str) -> None:
    """One statement on the server's own database, on a connection held only for it (a test
    process holds no connection while its tests run but the ones they use)."""
    admin = await asyncpg.connect(servers.database_url)
    try:
        await admin.execute(statement)
    finally:
        await admin.close()


@contextlib.asynccontextmanager
async def a_database(servers, name: str, template: str | None = None) -> AsyncIterator[str]:
    """The database ``name`` (a copy of ``template``, if given), dropped afterwards; its URL."""
    copied = f' TEMPLATE "{template}"' if template else ""
    await on_the_server(servers, f'CREATE DATABASE "{name}"{copied}')
    try:
        yield servers.database_url_for(name)
    finally:
        await on_the_server(servers, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def a_copy_of(servers, template: str) -> contextlib.AbstractAsyncContextManager[str]:
    """A database of a test's own copied from ``template`` (the migrated schema, or the seeded
    demo); its URL."""
    return a_database(servers, f"treffpunkt_test_{servers.run_id}_{uuid.uuid4().hex[:8]}",
                      template)
