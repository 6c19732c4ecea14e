"""Dramatiq actors. Every actor is safe to run twice: a wake-up only starts a catch-up, and a
report job replays a fixed prefix of the ledger into the same figures."""

from __future__ import annotations

import dramatiq

from projections.wakeup import QUEUE, WAKE_ACTOR
from workers import report_jobs  # noqa: F401 - registers the report job's actor
from workers.broker import broker
from workers.catch_up import CatchUpTicker, catch_up
from workers.mail.actor import deliver


class MailTicker(CatchUpTicker):
    """Delivers the outbox every few seconds: reminders that are due, retries, and all that
    was queued while Redis was down."""

    def __init__(self) -> None:
        super().__init__(work=deliver, name="mail")


broker.add_middleware(CatchUpTicker())
broker.add_middleware(MailTicker())


@dramatiq.actor(actor_name=WAKE_ACTOR, queue_name=QUEUE, max_retries=3, min_backoff=200)
async def wake(position: int = 0) -> None:
    await catch_up()
