"""A COPY of events/store.py's EventStore with experimental changes, measured by bench/store.py
``--prototype``. Not used by the service; events/store.py is the real store.

Changes, each switchable (module flags, set by the bench from ``--prototype-variant``):

- ``FAST_SQL``: an append of one event to one stream (the common command) is one plain SQL
  statement instead of the PL/pgSQL ``append_events``: a CTE reads the stream head (version and
  hash), and ``INSERT ... SELECT ... WHERE head version = expected`` writes the event with its
  chained hash (``sha256(prev || digest)``, as in the function). No row means the version check
  failed; the unique index on event_id turns a retry into a conflict, resolved as a replay by the
  client like before. Anything bigger still goes through ``append_events``.
- ``LIGHT_POOL``: appends and reads take a connection with a plain ``acquire``/``release`` on the
  pool's holders instead of ``Pool.fetchrow`` (whose release runs in an ``asyncio.shield`` task:
  two more turns of the event loop per call).
- ``FAST_DECODE``: ``read_all`` unpacks records by position and decodes with the registry's
  decoder looked up once per batch (upcasting only rows of an older schema version).
- ``TEXT_JSON``: the pool keeps asyncpg's built-in (C) json codec instead of the Python-level
  ``bytes`` codec of ``init_connection``: json columns arrive as str (msgspec decodes str as
  well; a verifier hashes ``text.encode()``, the same UTF-8 bytes), and appends send
  ``encoded.decode()``. The digest is still computed over the encoded bytes.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any
from uuid import UUID

import asyncpg

from events.base import EventMetadata, EventRegistry, StoredEvent
from events.store import (
    _APPEND,
    _READ_ALL,
    CONCURRENCY_SQLSTATE,
    AppendResult,
    ConcurrencyError,
    StreamWrite,
    _reset,
)
from events.store import create_pool as _real_create_pool
from events.rows import stored_event
from events.store import EventStore as _RealStore

__all__ = ["EventStore", "create_pool", "install", "configure"]

FAST_SQL = True
LIGHT_POOL = True
FAST_DECODE = True
TEXT_JSON = True


def configure(variant: str) -> str:
    """``variant``: comma-separated subset of sql,pool,decode,text (or all / none)."""
    global FAST_SQL, LIGHT_POOL, FAST_DECODE, TEXT_JSON
    every = {"sql", "pool", "decode", "text"}
    parts = every if variant == "all" else set(variant.split(",")) - {"none"}
    FAST_SQL, LIGHT_POOL, FAST_DECODE = "sql" in parts, "pool" in parts, "decode" in parts
    TEXT_JSON = "text" in parts
    return ",".join(sorted(parts)) or "none"


async def create_pool(dsn: str, **kwargs: Any) -> asyncpg.Pool:
    if not TEXT_JSON:
        return await _real_create_pool(dsn, **kwargs)
    kwargs.setdefault("reset", _reset)
    return await asyncpg.create_pool(dsn, **kwargs)


async def install(connection: asyncpg.Connection) -> None:
    """Nothing to install: the fast path is a plain statement (kept for the bench's interface)."""


_APPEND_ONE = """
WITH head AS (
    SELECT e.stream_version AS version, e.hash AS hash FROM events e
     WHERE e.stream_id = $1 ORDER BY e.stream_version DESC LIMIT 1)
INSERT INTO events (event_id, stream_id, stream_version, type, schema_version,
                    data, metadata, occurred_at, prev_hash, hash)
SELECT $3, $1, $2 + 1, $4, $5, $6, $7, $8, head.hash, sha256(coalesce(head.hash, ''::bytea) || $9)
  FROM (SELECT 1) AS one LEFT JOIN head ON true
 WHERE coalesce(head.version, 0) = $2
RETURNING position"""


class EventStore(_RealStore):
    def __init__(
        self,
        pool: asyncpg.Pool,
        registry: EventRegistry,
        *,
        on_commit: Callable[[int], Awaitable[None] | None] | None = None,
    ) -> None:
        super().__init__(pool, registry, on_commit=on_commit)

    async def _fetchrow(self, query: str, *args: Any) -> asyncpg.Record | None:
        if not LIGHT_POOL:
            return await self._pool.fetchrow(query, *args)
        connection = await self._pool.acquire()
        try:
            return await connection.fetchrow(query, *args)
        finally:
            await _release(self._pool, connection)

    async def _fetch(self, query: str, *args: Any) -> list[asyncpg.Record]:
        if not LIGHT_POOL:
            return await self._pool.fetch(query, *args)
        connection = await self._pool.acquire()
        try:
            return await connection.fetch(query, *args)
        finally:
            await _release(self._pool, connection)

    async def append(self, *writes: StreamWrite, metadata: EventMetadata) -> AppendResult:
        arguments = self._append_arguments(writes, metadata)
        if TEXT_JSON:
            arguments = (
                *arguments[:6],
                [d.decode() for d in arguments[6]],
                [m.decode() for m in arguments[7]],
                *arguments[8:],
            )
        stream_ids, expected, event_ids, _, types, versions, data, metadatas, occurred, digests = (
            arguments
        )
        if FAST_SQL and len(event_ids) == 1:
            try:
                row = await self._fetchrow(
                    _APPEND_ONE, stream_ids[0], expected[0], event_ids[0], types[0],
                    versions[0], data[0], metadatas[0], occurred[0], digests[0],
                )
            except asyncpg.UniqueViolationError as error:
                # A retry of a stored event (event_id), or a concurrent writer took the version.
                replay = await self._stored_already(event_ids)
                if replay is None:
                    raise ConcurrencyError(str(error), stream_ids[0]) from error
                return replay
            if row is None:
                replay = await self._stored_already(event_ids)
                if replay is None:
                    raise ConcurrencyError(
                        f"stream {stream_ids[0]} is not at version {expected[0]}", stream_ids[0]
                    )
                return replay
            result = AppendResult(position=row[0])
        else:
            try:
                try:
                    row = await self._fetchrow(_APPEND, *arguments)
                except asyncpg.UniqueViolationError:
                    row = await self._fetchrow(_APPEND, *arguments)
            except asyncpg.UniqueViolationError as error:
                replay = await self._stored_already(event_ids)
                if replay is None:
                    raise ConcurrencyError(str(error)) from error
                return replay
            except asyncpg.PostgresError as error:
                if error.sqlstate != CONCURRENCY_SQLSTATE:
                    raise
                replay = await self._stored_already(event_ids)
                if replay is None:
                    raise ConcurrencyError(error.message, error.detail) from error
                return replay
            assert row is not None
            result = AppendResult(position=row[0], replayed=row[1])
        if self._on_commit is not None and not result.replayed:
            woken = self._on_commit(result.position)
            if woken is not None:
                await woken
        return result

    async def _stored_already(self, event_ids: list[UUID]) -> AppendResult | None:
        row = await self._fetchrow(
            "SELECT count(*) AS n, max(position) AS last FROM events WHERE event_id = ANY($1)",
            event_ids,
        )
        if row is not None and row["n"] == len(event_ids):
            return AppendResult(position=row["last"], replayed=True)
        return None

    async def read_all(self, after: int = 0, limit: int = 1000) -> list[StoredEvent]:
        rows = await self._fetch(_READ_ALL, after, limit)
        if not FAST_DECODE:
            return [stored_event(row, self.registry.decode) for row in rows]
        return self.decode_rows(rows)

    def decode_rows(self, rows: Sequence[asyncpg.Record]) -> list[StoredEvent]:
        registry = self.registry
        decode_current = registry._union_decoder().decode
        current = {tag: registry.current_version(tag) for tag in {row[5] for row in rows}}
        out = []
        append = out.append
        for (position, transaction_id, event_id, stream_id, stream_version, tag,
             schema_version, data, metadata, occurred_at, recorded_at, prev_hash, hash_) in rows:
            event = (
                decode_current(data)
                if current[tag] == schema_version
                else registry.decode(tag, schema_version, data)
            )
            append(
                StoredEvent(
                    position=position,
                    transaction_id=transaction_id,
                    event_id=event_id,
                    stream_id=stream_id,
                    stream_version=stream_version,
                    type=tag,
                    schema_version=schema_version,
                    event=event,
                    data=data,
                    metadata=metadata,
                    occurred_at=occurred_at,
                    recorded_at=recorded_at,
                    hash=hash_,
                    prev_hash=prev_hash,
                )
            )
        return out


async def _release(pool: asyncpg.Pool, connection: Any) -> None:
    """Pool.release without its asyncio.shield task: what the pool's holder does, inline.

    Same reset as create_pool's (roll back a transaction left open), then back to the queue."""
    holder = connection._holder
    connection._con._on_release()
    await holder.release(None)
