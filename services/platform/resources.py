"""The resources one API process holds: database pool, event store, wake-ups, Redis."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import asyncpg
import redis.asyncio as aioredis

from events.catalog import registry
from events.notify import Coalescer, postgres_notifier
from events.store import EventStore, check_transaction_ids, create_pool
from litestar.connection import ASGIConnection
from litestar.datastructures import State
from litestar.di import Provide

from services.commands.handler import CommandHandler
from services.platform.settings import Settings
from services.platform.wakeup import worker_waker
from services.reads.read_models import ReadModels

WAKE_INTERVAL_SECONDS = 0.025
"""At most one wake-up per 25 ms per API process: under load a worker's catch-up takes a batch
of commits at once instead of one catch-up (and one Redis message) per command."""


@dataclass
class Resources:
    """What the process opened at start; handlers and guards depend on its parts, by type
    (``dependencies``, and the ``..._of(connection)`` accessors for guards)."""

    settings: Settings
    pool: asyncpg.Pool
    store: EventStore
    redis: aioredis.Redis
    notifier: Coalescer
    waker: Coalescer
    commands: CommandHandler
    read_models: ReadModels


@contextlib.asynccontextmanager
async def open_resources(settings: Settings) -> AsyncIterator[Resources]:
    pool = await create_pool(
        settings.database_url, min_size=1, max_size=10, command_timeout=30, timeout=5
    )
    try:
        await check_transaction_ids(pool)
    except BaseException:
        await pool.close()
        raise
    notifier = postgres_notifier(pool, min_interval=WAKE_INTERVAL_SECONDS)
    waker = worker_waker(settings.redis_url, settings.broker_namespace,
                         min_interval=WAKE_INTERVAL_SECONDS)

    def after_commit(position: int) -> None:
        notifier.poke(position)
        waker.poke(position)

    store = EventStore(pool, registry, on_commit=after_commit)
    redis = aioredis.from_url(settings.redis_url, socket_timeout=1.0, socket_connect_timeout=1.0)
    notifier.start()
    waker.start()
    try:
        yield Resources(settings, pool, store, redis, notifier, waker, CommandHandler(store),
                        ReadModels(pool, store))
    finally:
        await waker.close()
        await notifier.close()
        await redis.aclose()
        await pool.close()


def resources_of(connection: ASGIConnection[Any, Any, Any, Any]) -> Resources:
    return connection.app.state.resources  # type: ignore[no-any-return]


def commands_of(connection: ASGIConnection[Any, Any, Any, Any]) -> CommandHandler:
    """The process's command handler, for a guard (handlers declare ``commands``)."""
    return resources_of(connection).commands


def read_models_of(connection: ASGIConnection[Any, Any, Any, Any]) -> ReadModels:
    """The process's read models, for a guard (handlers declare ``read_models``)."""
    return resources_of(connection).read_models


def dependencies() -> dict[str, Provide]:
    """What a handler may declare, each by its name and type: ``commands: CommandHandler``,
    ``read_models: ReadModels``, ``store: EventStore``, ``pool: asyncpg.Pool``,
    ``redis: Redis``, ``settings: Settings``."""

    def part(name: str) -> Provide:
        def provide(state: State) -> Any:
            return getattr(state.resources, name)

        return Provide(provide, sync_to_thread=False)

    names = ("commands", "read_models", "store", "pool", "redis", "settings")
    return {name: part(name) for name in names}
