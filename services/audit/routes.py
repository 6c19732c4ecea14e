"""The audit routes (API.md, "Statistics, reports and audit"): the raw history, its verification
and its export for verification offline. Auditors and admins only; nothing here writes."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlencode
from uuid import UUID

import asyncpg
import msgspec
from litestar import Controller, Response, get
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter
from litestar.response import Stream

from events import export, ledger
from events.base import StoredEvent
from services.auth.guards import ADMIN, AUDITOR, requires_roles
from services.commands.rejections import Invalid
from services.platform.problems import READ_PROBLEMS
from services.reads.routes import MAX_POSITION, NO_CONTROL_CHARACTERS

MAX_PAGE = 1000
After = Annotated[int, QueryParameter(ge=0, le=MAX_POSITION,
                                      description="position of the last event seen")]
Limit = Annotated[int, QueryParameter(ge=1, le=MAX_PAGE)]
StreamName = Annotated[str | None, QueryParameter(min_length=1, max_length=200,
                                                  pattern=NO_CONTROL_CHARACTERS)]
EventType = Annotated[str | None, QueryParameter(min_length=1, max_length=200,
                                                 pattern=NO_CONTROL_CHARACTERS)]


class LedgerEntry(msgspec.Struct):
    seq: int
    chain_hash: str
    sealed_at: datetime | None


class AuditedEvent(msgspec.Struct):
    """One event as stored. ``data`` and ``metadata`` are the stored JSON, passed through."""

    id: UUID
    position: int
    event_id: UUID
    stream_id: str
    stream_version: int
    type: str
    schema_version: int
    data: Any
    metadata: Any
    occurred_at: datetime
    recorded_at: datetime
    hash: str
    prev_hash: str | None
    ledger: LedgerEntry | None


class HeadCheck(msgspec.Struct):
    """Whether the ledger holds a head (printed on a report), and where and when."""

    known: bool
    seq: int | None
    sealed_at: datetime | None
    hash: str


HEX_HASH = re.compile(r"\A[0-9a-fA-F]{64}\Z")


async def check_head(pool: asyncpg.Pool, given: str) -> HeadCheck:
    """``given``: the 64 hex digits of a chain hash, as printed (spaces and a ``seq:`` before it
    are allowed, as copied from a PDF)."""
    text = "".join(given.split())
    text = text.rpartition(":")[2]
    if not HEX_HASH.match(text):
        raise Invalid("hash", "must be a chain hash: 64 hexadecimal digits", code="invalid")
    entry = await ledger.entry_with_hash(pool, bytes.fromhex(text))
    if entry is None:
        return HeadCheck(known=False, seq=None, sealed_at=None, hash=text.lower())
    return HeadCheck(known=True, seq=entry[0], sealed_at=entry[1], hash=text.lower())


class AuditVerdict(msgspec.Struct, omit_defaults=True):
    ok: bool
    events_checked: int
    head: str | None
    first_bad_position: int | None = None
    problem: str | None = None


def ledger_entry(event: StoredEvent) -> LedgerEntry | None:
    if event.seq is None or event.chain_hash is None:
        return None
    return LedgerEntry(seq=event.seq, chain_hash=event.chain_hash.hex(), sealed_at=event.sealed_at)


def audited(event: StoredEvent) -> AuditedEvent:
    return AuditedEvent(
        id=event.event_id,
        position=event.position,
        event_id=event.event_id,
        stream_id=event.stream_id,
        stream_version=event.stream_version,
        type=event.type,
        schema_version=event.schema_version,
        # The stored bytes go out unchanged, not decoded and encoded again.
        data=msgspec.Raw(event.data),
        metadata=msgspec.Raw(event.metadata),
        occurred_at=event.occurred_at,
        recorded_at=event.recorded_at,
        hash=event.hash.hex(),
        prev_hash=event.prev_hash.hex() if event.prev_hash is not None else None,
        ledger=ledger_entry(event),
    )


def paging_headers(page: list[StoredEvent], full: bool, query: dict[str, Any]) -> dict[str, str]:
    """``X-Next-After``: the last position of the page, to go on from (``after=``); and when
    the page is full, so that more may follow, an RFC 8288 ``Link: <…>; rel="next"``."""
    if not page:
        return {}
    after = page[-1].position
    headers = {"X-Next-After": str(after)}
    if full:
        query = {key: value for key, value in query.items() if value is not None}
        headers["Link"] = f'</api/audit/events?{urlencode({**query, "after": after})}>; rel="next"'
    return headers


async def export_stream(pool: asyncpg.Pool) -> AsyncIterator[bytes]:
    async with ledger.snapshot(pool) as connection:
        async for line in export.export_lines(ledger.stored_events(connection)):
            yield line


class AuditController(Controller):
    path = "/api/audit"
    tags = ["audit"]
    guards = [requires_roles(ADMIN, AUDITOR)]

    @get("/events", summary="The raw history in global read order, with each event's hash data",
         responses=READ_PROBLEMS)
    async def events(
        self,
        pool: NamedDependency[asyncpg.Pool],
        after: After = 0,
        limit: Limit = 100,
        stream: StreamName = None,
        type: EventType = None,  # noqa: A002 - the query parameter's name in API.md
    ) -> Response[list[AuditedEvent]]:
        if after and not await ledger.is_stored(pool, after):
            raise Invalid("after", "no event is stored at this position")
        page = await ledger.history_page(
            pool, after=after, limit=limit, stream_id=stream, type=type
        )
        headers = paging_headers(
            page, len(page) == limit, {"limit": limit, "stream": stream, "type": type}
        )
        return Response([audited(event) for event in page], headers=headers)

    @get("/verify", summary="Recompute every event hash and the ledger chain",
         responses=READ_PROBLEMS)
    async def verify(self, pool: NamedDependency[asyncpg.Pool]) -> AuditVerdict:
        result = await ledger.verify(pool)
        return AuditVerdict(
            ok=result.ok, events_checked=result.events_checked, head=result.head,
            first_bad_position=result.first_bad_position, problem=result.problem,
        )

    @get("/heads/{chain_hash:str}", summary="Whether the ledger holds this head (printed on a "
         "report), its entry number and when it was sealed", responses=READ_PROBLEMS)
    async def head(self, chain_hash: FromPath[str],
                   pool: NamedDependency[asyncpg.Pool]) -> HeadCheck:
        return await check_head(pool, chain_hash)

    @get("/export", summary="The whole history as JSON Lines, verifiable offline",
         media_type=export.MEDIA_TYPE, responses=READ_PROBLEMS)
    async def download(self, pool: NamedDependency[asyncpg.Pool]) -> Stream:
        return Stream(
            export_stream(pool),
            media_type=export.MEDIA_TYPE,
            headers={"Content-Disposition": 'attachment; filename="treffpunkt-history.jsonl"'},
        )
