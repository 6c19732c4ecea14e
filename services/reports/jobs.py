"""Asking a worker for a long replay, waiting a little for it, and reading what it left.

The job protocol is ``projections.report_jobs``; the message goes out through a Redis broker of
our own (the workers package is not imported here). Any Redis failure while asking is
``JobsUnavailable``: the route then replays inline, as it does for a short history.
"""

from __future__ import annotations

import asyncio
import functools
import time
from datetime import datetime
from uuid import UUID

import dramatiq
import dramatiq.errors
import redis.asyncio as aioredis
import redis.exceptions
from dramatiq.brokers.redis import RedisBroker

from projections.report_jobs import (
    JOB_TTL_SECONDS,
    REPORT_ACTOR,
    REPORT_QUEUE,
    Job,
    JobParams,
    decode_job,
    encode_job,
    job_id_of,
    job_key,
    owners_key,
    result_key,
)

REDIS_FAILURES = (redis.exceptions.RedisError, OSError, dramatiq.errors.BrokerError)


class JobsUnavailable(Exception):
    """Redis (or the broker on it) could not be reached."""


@functools.cache
def _broker(redis_url: str, namespace: str) -> RedisBroker:
    broker = RedisBroker(
        url=redis_url, namespace=namespace, socket_timeout=1.0, socket_connect_timeout=1.0
    )
    broker.declare_queue(REPORT_QUEUE)
    return broker


def _enqueue(redis_url: str, namespace: str, job_id: UUID) -> None:
    _broker(redis_url, namespace).enqueue(dramatiq.Message(
        queue_name=REPORT_QUEUE, actor_name=REPORT_ACTOR, args=(str(job_id),), kwargs={},
        options={},
    ))


async def ask(
    client: aioredis.Redis, redis_url: str, namespace: str, params: JobParams,
    requested_at: datetime, account_id: UUID,
) -> UUID:
    """The job for these parameters, joined if it runs or ran already, else created and sent.

    A job that failed is sent again. The asking account becomes one of the job's owners."""
    job_id = job_id_of(params)
    key, owners = job_key(namespace, job_id), owners_key(namespace, job_id)
    fresh = encode_job(Job(params=params, requested_at=requested_at))
    try:
        async with client.pipeline(transaction=True) as pipe:
            pipe.sadd(owners, str(account_id))
            pipe.expire(owners, JOB_TTL_SECONDS)
            pipe.set(key, fresh, nx=True, ex=JOB_TTL_SECONDS)
            pipe.get(key)
            _, _, created, current = await pipe.execute()
        if not created:
            if current is not None and decode_job(current).status != "failed":
                return job_id
            await client.set(key, fresh, ex=JOB_TTL_SECONDS)
        try:
            await asyncio.to_thread(_enqueue, redis_url, namespace, job_id)
        except REDIS_FAILURES:
            await client.delete(key)  # no job waits for a message that was never sent
            raise
    except REDIS_FAILURES as error:
        raise JobsUnavailable(type(error).__name__) from error
    return job_id


async def look(
    client: aioredis.Redis, namespace: str, job_id: UUID, account_id: UUID
) -> tuple[Job, bytes | None] | None:
    """The job and its result (once done), if it exists and this account asked for it."""
    async with client.pipeline(transaction=False) as pipe:
        pipe.sismember(owners_key(namespace, job_id), str(account_id))
        pipe.get(job_key(namespace, job_id))
        pipe.get(result_key(namespace, job_id))
        owned, raw, result = await pipe.execute()
    if not owned or raw is None:
        return None
    job = decode_job(raw)
    if job.status == "done" and result is None:
        return None  # the result expired just now
    return job, result


async def wait_for(
    client: aioredis.Redis, namespace: str, job_id: UUID, account_id: UUID, seconds: float
) -> tuple[Job, bytes | None] | None:
    """``look`` until the job is no longer running or ``seconds`` have passed."""
    deadline = time.monotonic() + seconds
    pause = 0.02
    while True:
        try:
            seen = await look(client, namespace, job_id, account_id)
        except REDIS_FAILURES as error:
            raise JobsUnavailable(type(error).__name__) from error
        left = deadline - time.monotonic()
        if seen is None or seen[0].status != "running" or left <= 0:
            return seen
        await asyncio.sleep(min(pause, left))
        pause = min(pause * 1.5, 0.25)
