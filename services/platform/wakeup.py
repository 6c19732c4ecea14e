"""Waking the Dramatiq workers after a commit, without importing the workers package.

The message names the wake actor and carries only a position; if Redis is down the command
still succeeds (its events are stored) and the workers' own ticker catches up later.
"""

from __future__ import annotations

import asyncio

import dramatiq
from dramatiq.brokers.redis import RedisBroker

from events.notify import Coalescer
from projections.wakeup import QUEUE, WAKE_ACTOR


def worker_waker(redis_url: str, namespace: str, *, min_interval: float = 0.0) -> Coalescer:
    broker = RedisBroker(
        url=redis_url, namespace=namespace, socket_timeout=1.0, socket_connect_timeout=1.0
    )
    broker.declare_queue(QUEUE)

    def enqueue(position: int) -> None:
        broker.enqueue(
            dramatiq.Message(
                queue_name=QUEUE, actor_name=WAKE_ACTOR, args=(position,), kwargs={}, options={}
            )
        )

    async def send(position: int) -> None:
        await asyncio.to_thread(enqueue, position)

    return Coalescer("worker-waker", send, min_interval=min_interval)
