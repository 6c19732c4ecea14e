"""The report job: a long as-of replay of the funding report, off the API process.

The message carries the job id; the job (its parameters) waits in Redis, where the result goes
too, for an hour. Safe to run twice: a finished job is left alone, and a second run would write
the same figures (the replay stops at the ledger entry named in the job).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import dramatiq
import msgspec

from events.catalog import registry
from events.store import EventStore
from projections.funding_report import Period, funding_changes, funding_report
from projections.report_jobs import (
    JOB_TTL_SECONDS,
    REPORT_ACTOR,
    REPORT_QUEUE,
    Job,
    decode_job,
    encode_job,
    job_key,
    result_key,
)
from workers import resources
from workers.broker import broker

log = logging.getLogger(__name__)


async def replay(store: EventStore, job: Job) -> bytes:
    """The report or changes the job asks for, as JSON."""
    params = job.params
    period = Period(first_day=params.first_day, last_day=params.last_day)
    sites = frozenset(params.site_ids) if params.site_ids is not None else None
    if params.kind == "funding":
        report = await funding_report(store, period, params.as_of or job.requested_at, sites,
                                      up_to=params.up_to)
        return msgspec.json.encode(report)
    assert params.since is not None
    changes = await funding_changes(store, period, params.since,
                                    params.until or job.requested_at, up_to=params.up_to,
                                    site_ids=sites)
    return msgspec.json.encode(changes)


@dramatiq.actor(actor_name=REPORT_ACTOR, queue_name=REPORT_QUEUE, max_retries=0,
                time_limit=15 * 60 * 1000)
async def report_job(job_id: str) -> None:
    redis = resources.redis()
    namespace = broker.namespace
    raw = await redis.get(job_key(namespace, job_id))
    if raw is None:
        log.info("report job %s expired before it ran", job_id)
        return
    job = decode_job(raw)
    if job.status == "done":
        return
    started = datetime.now(UTC)
    try:
        store = EventStore(await resources.pool(), registry)
        result = await replay(store, job)
    except Exception as error:
        # The log has the trace; the job keeps only the kind of failure.
        log.exception("report job %s failed", job_id)
        job.status, job.error = "failed", f"The replay stopped ({type(error).__name__})."
        await redis.set(job_key(namespace, job_id), encode_job(job), ex=JOB_TTL_SECONDS)
        return
    job.status = "done"
    async with redis.pipeline(transaction=True) as pipe:
        pipe.set(result_key(namespace, job_id), result, ex=JOB_TTL_SECONDS)
        pipe.set(job_key(namespace, job_id), encode_job(job), ex=JOB_TTL_SECONDS)
        await pipe.execute()
    log.info("report job %s done in %.2f s (%d events)", job_id,
             (datetime.now(UTC) - started).total_seconds(), job.params.up_to)
