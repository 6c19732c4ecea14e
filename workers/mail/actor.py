"""The delivery actor: woken after a catch-up queued mail, and every few seconds by a ticker
(which also queues what the schedule makes due: reminders, qualification warnings, the
coordinators' weekly digest; and retries what waits), so the outbox is delivered without Redis
too."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

import dramatiq

from projections.coordinator_digest import queue_due_digests
from projections.notifier import queue_due_reminders
from projections.qualification_warnings import queue_due_warnings
from projections.wakeup import QUEUE
from workers import resources
from workers.broker import broker  # noqa: F401 - the actor is declared on this broker
from workers.mail import outbox
from workers.one_pass import OnePassAtATime

log = logging.getLogger(__name__)
DELIVER_ACTOR = "deliver_mail"


async def _deliver_once() -> None:
    pool = await resources.pool()
    if await pool.fetchval("SELECT to_regclass('notifier_holdings') IS NOT NULL"):
        now = datetime.now(UTC)
        for what, queue_due in (("reminders", queue_due_reminders),
                                ("qualification warnings", queue_due_warnings),
                                ("coordinators' digests", queue_due_digests)):
            queued = await queue_due(pool, now)
            if queued:
                log.info("%d %s queued", queued, what)
    await outbox.deliver_due(pool)


deliver = OnePassAtATime(_deliver_once)


@dramatiq.actor(actor_name=DELIVER_ACTOR, queue_name=QUEUE, max_retries=3, min_backoff=1000)
async def deliver_mail() -> None:
    await deliver()


def wake_delivery() -> None:
    """Ask a worker to deliver; without Redis, this process delivers (on its own loop)."""
    try:
        deliver_mail.send()
    except Exception:
        log.warning("Redis unavailable: delivering the outbox in this worker")
        asyncio.get_running_loop().create_task(deliver())
