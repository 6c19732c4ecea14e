"""The one Dramatiq broker (Redis) that every actor module imports."""

from __future__ import annotations

import os

import dramatiq
from dramatiq.brokers.redis import RedisBroker
from dramatiq.middleware.asyncio import AsyncIO


REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")


def make_broker(redis_url: str, namespace: str = "treffpunkt") -> RedisBroker:
    broker = RedisBroker(url=redis_url, namespace=namespace)
    broker.add_middleware(AsyncIO())
    return broker


broker = make_broker(
    REDIS_URL,
    os.environ.get("TREFFPUNKT_BROKER_NAMESPACE", "treffpunkt"),
)
dramatiq.set_broker(broker)
