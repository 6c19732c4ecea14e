"""Helpers shared by tests: reading through the store's barrier, and apps reused across tests.

Readers only pass transactions older than every transaction in flight on the whole PostgreSQL
cluster, so another session's open transaction (a parallel test run on the same server, say)
can hold them back for a moment. Tests wait for what they need instead of assuming it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient

from events import ledger
from events.base import StoredEvent
from events.interface import Store
from services.platform.app import create_app
from services.platform.settings import Settings


async def read_everything(store: Store, expected: int, timeout: float = 20) -> list[StoredEvent]:
    async def poll() -> list[StoredEvent]:
        while len(events := await store.read_all(0, limit=100_000)) < expected:
            await asyncio.sleep(0.02)
        return events

    return await asyncio.wait_for(poll(), timeout)


async def seal_everything(pool, timeout: float = 20) -> None:
    async def poll() -> None:
        while True:
            await ledger.seal(pool)
            if await pool.fetchval(
                "SELECT (SELECT count(*) FROM events) = (SELECT count(*) FROM ledger)"
            ):
                return
            await asyncio.sleep(0.02)

    await asyncio.wait_for(poll(), timeout)


class FollowingSettings:
    """The settings of whichever test runs an app now: what ``create_app`` reads when the app
    starts (database, Redis, broker namespace) is read through this, from ``current``."""

    def __init__(self, current: Settings) -> None:
        self.current = current

    def __getattr__(self, name: str) -> Any:
        return getattr(self.current, name)


@dataclass
class IdleApp:
    app: Litestar
    settings: FollowingSettings
    state_at_creation: frozenset[str]


_idle_apps: dict[tuple[str, str], list[IdleApp]] = {}


@contextlib.asynccontextmanager
async def app_client(settings: Settings) -> AsyncIterator[AsyncTestClient]:
    """``AsyncTestClient(create_app(settings))``, started and stopped, with an app built once.

    ``create_app`` registers every handler (half a second, hundreds of times a run). An app
    some earlier test built with the same fixed parts (secret, public address) and stopped is
    taken instead: its lifespan opens this test's servers, and what its handlers kept in the
    app's state (per-process caches) is dropped. Apps running at once are separate apps."""
    if not settings.secret_key:  # a random secret per process: not the same app
        async with AsyncTestClient(create_app(settings)) as client:
            yield client
        return
    idle = _idle_apps.setdefault((settings.secret_key, settings.public_base_url()), [])
    if idle:
        taken = idle.pop()
        for name in set(taken.app.state.keys()) - taken.state_at_creation:
            del taken.app.state[name]
    else:
        following = FollowingSettings(settings)
        app = create_app(following)  # type: ignore[arg-type]
        taken = IdleApp(app, following, frozenset(app.state.keys()))
    taken.settings.current = settings
    try:
        async with AsyncTestClient(taken.app) as client:
            # Handlers are given the settings themselves (their type is checked), not the proxy.
            taken.app.state.resources.settings = settings
            yield client
    finally:
        idle.append(taken)
