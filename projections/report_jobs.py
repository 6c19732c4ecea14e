"""The report-job protocol between the API (which asks) and the workers (which replay).

A long as-of replay runs as a Dramatiq job. Both sides agree on these names and shapes without
importing each other (as with ``projections.wakeup``). The message carries only the job id; the
job itself lives in Redis, under the broker's namespace, for ``JOB_TTL_SECONDS``:

- ``{ns}:report-job:{id}``         the job (parameters, status, a short error), JSON
- ``{ns}:report-job:{id}:result``  the finished report or changes, JSON
- ``{ns}:report-job:{id}:owners``  the accounts that asked (only they may fetch it)

The id is derived from the parameters and the ledger entry the replay stops at, so identical
requests against the same history coalesce onto one job.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal
from uuid import UUID

import msgspec

REPORT_QUEUE = "treffpunkt-reports"
REPORT_ACTOR = "report_job"
JOB_TTL_SECONDS = 3600
_JOB_IDS = uuid.UUID("0f3a6c1e-5b52-4f0e-9a43-7d1c2f6b8e90")

Status = Literal["running", "done", "failed"]


class JobParams(msgspec.Struct, frozen=True, kw_only=True):
    """What to replay. ``as_of``/``until`` None: as of when the job was asked for."""

    kind: Literal["funding", "changes"]
    first_day: date
    last_day: date
    up_to: int
    """The ledger entry (seq) the replay stops at: the sealed head when the job was asked for."""
    as_of: datetime | None = None
    site_ids: list[UUID] | None = None
    since: datetime | None = None
    until: datetime | None = None


class Job(msgspec.Struct, kw_only=True):
    params: JobParams
    requested_at: datetime
    status: Status = "running"
    error: str | None = None
    """Short and fixed (never a trace, never data of people)."""


def job_id_of(params: JobParams) -> UUID:
    return uuid.uuid5(_JOB_IDS, msgspec.json.encode(params, order="deterministic").decode())


def job_key(namespace: str, job_id: UUID | str) -> str:
    return f"{namespace}:report-job:{job_id}"


def result_key(namespace: str, job_id: UUID | str) -> str:
    return f"{job_key(namespace, job_id)}:result"


def owners_key(namespace: str, job_id: UUID | str) -> str:
    return f"{job_key(namespace, job_id)}:owners"


encode_job = msgspec.json.Encoder().encode
decode_job = msgspec.json.Decoder(Job).decode
