"""The event store on PostgreSQL: atomic multi-stream append, stream reads, gap-free global reads.

``Store`` (events/interface.py) says what it offers; the SQL of the ``events`` table is here,
in events/rows.py (columns, read barrier) and in events/ledger.py, and nowhere else.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Sequence
from datetime import timedelta
from typing import Any
from uuid import UUID

import asyncpg

from events import ledger
from events.base import EventMetadata, EventRegistry, PositionedEvent, StoredEvent
from events.hashing import digest_of
from events.interface import (
    AppendResult,
    ConcurrencyError,
    EventIdsPartlyStored,
    Lag,
    PendingEvent,
    StreamWrite,
    prepare,
)
from events.rows import AFTER_IN_READ_ORDER, COLUMNS, READ_ORDER, READABLE, stored_event

__all__ = [
    "NOTIFY_CHANNEL", "AppendResult", "ConcurrencyError", "EventIdsPartlyStored", "EventStore",
    "HistoryAheadOfCluster", "PendingEvent", "StreamWrite", "check_transaction_ids",
    "create_pool", "init_connection",
]

CONCURRENCY_SQLSTATE = "TPCON"
PARTIAL_IDS_SQLSTATE = "TPIDS"
NOTIFY_CHANNEL = "treffpunkt_events"


class HistoryAheadOfCluster(RuntimeError):
    """The stored events carry transaction ids this PostgreSQL cluster has not reached yet."""


# pg_resetwal -x takes a transaction id within an epoch; a multiple of this is always safe.
_XACT_STATUS_SEGMENT = 1_048_576


async def check_transaction_ids(pool: asyncpg.Pool | asyncpg.Connection) -> None:
    """Refuse a history restored (pg_dump/pg_restore) into a cluster that is behind it.

    Read order and the read barrier use each event's ``transaction_id``, which a restore keeps
    while the new cluster counts its own transactions from where IT is. Below the stored ids,
    restored events would stay hidden behind the barrier and new events would sort before
    them: history reordered. On a healthy cluster every committed id is below the next one.
    """
    row = await pool.fetchrow(
        """SELECT max(transaction_id)::text::bigint AS stored,
                  pg_snapshot_xmax(pg_current_snapshot())::text::bigint AS next
             FROM events"""
    )
    assert row is not None
    if row["stored"] is None or row["stored"] < row["next"]:
        return
    wanted = row["stored"] + 1
    epoch, xid = divmod(wanted, 2**32)
    xid = max(-(-xid // _XACT_STATUS_SEGMENT) * _XACT_STATUS_SEGMENT, _XACT_STATUS_SEGMENT)
    if xid >= 2**32:
        epoch, xid = epoch + 1, _XACT_STATUS_SEGMENT
    raise HistoryAheadOfCluster(
        f"the stored events carry transaction ids up to {row['stored']}, but this PostgreSQL "
        f"cluster is only at {row['next']}: the history was restored into another cluster. "
        "Serving it would hide the restored events and put new ones before them. Stop this "
        f"cluster and advance it: pg_resetwal -e {epoch} -x {xid} -D <its data directory>; "
        "then start it again (README, \"Faults and recovery\")."
    )


async def init_connection(connection: asyncpg.Connection) -> None:
    """Pass json columns through as raw bytes: hashed and decoded without re-encoding."""
    await connection.set_type_codec(
        "json",
        encoder=bytes,
        decoder=bytes,
        schema="pg_catalog",
        format="binary",
    )


async def _reset(connection: asyncpg.Connection) -> None:
    """Before a connection goes back to the pool: end a transaction left open (by a cancelled
    task), and nothing else. Our code keeps no session state (advisory locks are per
    transaction, listeners have connections of their own), so asyncpg's full reset, one more
    round trip on every use, buys nothing."""
    if connection.is_in_transaction():
        await connection.execute("ROLLBACK")


async def create_pool(dsn: str, **kwargs: Any) -> asyncpg.Pool:
    kwargs.setdefault("reset", _reset)
    return await asyncpg.create_pool(dsn, init=init_connection, **kwargs)


_APPEND = "SELECT last_position, replayed FROM append_events($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"

_READ_STREAM = f"""
SELECT {COLUMNS} FROM events
 WHERE stream_id = $1 AND stream_version > $2
 ORDER BY stream_version"""

_READ_APPEND = f"""
SELECT {COLUMNS} FROM events
 WHERE transaction_id = (SELECT transaction_id FROM events WHERE event_id = $1)
 ORDER BY position"""

_READ_ALL = f"""
SELECT {COLUMNS} FROM events
 WHERE {AFTER_IN_READ_ORDER} ORDER BY {READ_ORDER} LIMIT $2"""

_READ_EVENTS = f"""
SELECT position, type, schema_version, data FROM events
 WHERE {AFTER_IN_READ_ORDER} ORDER BY {READ_ORDER} LIMIT $2"""

# Gap-free without a read barrier: every transaction older than the snapshot's xmin has ended,
# and those that committed are visible to this very statement (pg_current_snapshot() is the
# statement's own snapshot). Returning that xmin as the next horizon and reading from the last
# one on may return an event twice but never skips one, and an event is seen as soon as it
# commits, even while an older transaction holds the xmin back.
_READ_TYPES_SINCE = f"""
SELECT horizon.horizon, since.*
  FROM (SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint AS horizon) AS horizon
  LEFT JOIN LATERAL (
       SELECT {COLUMNS} FROM events
        WHERE type = ANY($1::text[])
          AND transaction_id >= $2::text::xid8
          AND recorded_at > clock_timestamp() - $3::interval
        ORDER BY {READ_ORDER}) AS since ON true"""

_HEAD_POSITION = f"""
SELECT position FROM events WHERE {READABLE}
 ORDER BY transaction_id DESC, position DESC LIMIT 1"""

_IN_READ_ORDER = """
SELECT (a.transaction_id, a.position) <= (b.transaction_id, b.position)
  FROM events a, events b WHERE a.position = $1 AND b.position = $2"""

_LAG = f"""
SELECT count(*) AS events,
       coalesce(extract(epoch FROM clock_timestamp() - min(recorded_at)), 0)::float8 AS seconds
  FROM events WHERE {AFTER_IN_READ_ORDER}"""

_STORED_ALREADY = """
SELECT count(*) AS n, max(position) AS last FROM events WHERE event_id = ANY($1)"""


class EventStore:
    """The store on PostgreSQL (``Store``). Its pool is its own: whoever needs the database for
    other tables is given the pool, never reaches through the store."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        registry: EventRegistry,
        *,
        on_commit: Callable[[int], Awaitable[None] | None] | None = None,
    ) -> None:
        self._pool = pool
        self.registry = registry
        self._on_commit = on_commit
        self._transaction_ids_checked = False

    async def append(self, *writes: StreamWrite, metadata: EventMetadata) -> AppendResult:
        """Append to one or several streams atomically, each checked against its expected version.

        Raises ConcurrencyError if any stream moved on, EventIdsPartlyStored if some of the
        event ids are stored and others not; then nothing is written.
        """
        arguments = self._append_arguments(writes, metadata)
        if not self._transaction_ids_checked:
            # Whoever writes first (an API process, `serve` creating the admin, a script).
            await check_transaction_ids(self._pool)
            self._transaction_ids_checked = True
        try:
            try:
                row = await self._pool.fetchrow(_APPEND, *arguments)
            except asyncpg.UniqueViolationError:
                # Two writers passed the checks at once and a unique index let only one through.
                # Once more, now that the winner has committed: if it wrote these very events,
                # this is a replay; otherwise the version check names the conflict.
                row = await self._pool.fetchrow(_APPEND, *arguments)
        except asyncpg.UniqueViolationError as error:
            replay = await self._stored_already(arguments[2])
            if replay is None:
                raise ConcurrencyError(str(error)) from error
            return replay
        except asyncpg.PostgresError as error:
            if error.sqlstate == PARTIAL_IDS_SQLSTATE:
                raise EventIdsPartlyStored(error.message) from error
            if error.sqlstate != CONCURRENCY_SQLSTATE:
                raise
            # The same events may have been committed by a concurrent first attempt between
            # the function's id check and its version check.
            replay = await self._stored_already(arguments[2])
            if replay is None:
                raise ConcurrencyError(error.message, error.detail) from error
            return replay
        assert row is not None
        result = AppendResult(position=row["last_position"], replayed=row["replayed"])
        if self._on_commit is not None and not result.replayed:
            woken = self._on_commit(result.position)
            if woken is not None:
                await woken
        return result

    async def _stored_already(self, event_ids: list[UUID]) -> AppendResult | None:
        row = await self._pool.fetchrow(_STORED_ALREADY, event_ids)
        if row is not None and row["n"] == len(event_ids):
            return AppendResult(position=row["last"], replayed=True)
        return None

    def _append_arguments(
        self, writes: Sequence[StreamWrite], metadata: EventMetadata
    ) -> tuple[list[Any], ...]:
        """The arguments of ``append_events`` (events/migrations/0001_event_store.sql)."""
        prepared = prepare(writes, metadata, self.registry)
        events = prepared.events
        return (
            prepared.stream_ids,
            prepared.expected,
            [event.event_id for event in events],
            [event.stream + 1 for event in events],
            [event.type for event in events],
            [event.schema_version for event in events],
            [event.data for event in events],
            [event.metadata for event in events],
            [event.occurred_at for event in events],
            [digest_of(event) for event in events],
        )

    async def read_stream(self, stream_id: str, after_version: int = 0) -> list[StoredEvent]:
        rows = await self._pool.fetch(_READ_STREAM, stream_id, after_version)
        return self._decoded(rows)

    async def read_append(self, event_id: UUID) -> list[StoredEvent]:
        """Every event of the append (the transaction) that stored ``event_id``, by position."""
        return self._decoded(await self._pool.fetch(_READ_APPEND, event_id))

    async def read_all(self, after: int = 0, limit: int = 1000) -> list[StoredEvent]:
        """Up to ``limit`` events after position ``after``, in global read order.

        ``after`` is the position of the last event the caller has seen (0 for the start).
        """
        return self._decoded(await self._pool.fetch(_READ_ALL, after, limit))

    async def read_events(
        self, after: int = 0, limit: int = 1000, types: Collection[str] | None = None
    ) -> list[PositionedEvent]:
        """As ``read_all``, but only each event and its position (what projections need).

        With ``types`` (tags), events of other types keep their place in the list but are not
        decoded (their ``event`` is None): decoding is most of the cost of reading."""
        decode = self.registry.decode
        return [
            PositionedEvent(
                position,
                decode(tag, schema_version, data) if types is None or tag in types else None,
            )
            for position, tag, schema_version, data in await self._pool.fetch(
                _READ_EVENTS, after, limit)
        ]

    async def read_types_since(
        self, types: Collection[str], horizon: int, *, recorded_within: timedelta
    ) -> tuple[int, list[StoredEvent]]:
        rows = await self._pool.fetch(
            _READ_TYPES_SINCE, list(types), str(horizon), recorded_within)
        found = [row for row in rows if row["position"] is not None]  # else: none, horizon only
        return rows[0]["horizon"], self._decoded(found)

    async def head_position(self) -> int:
        """The position of the last event readable by ``read_all`` now (0 if none)."""
        return await self._pool.fetchval(_HEAD_POSITION) or 0

    async def newest_position(self) -> int:
        return await self._pool.fetchval("SELECT max(position) FROM events") or 0

    async def is_at_or_before(self, position: int, checkpoint: int) -> bool:
        """Whether ``position`` comes at or before ``checkpoint`` in global read order."""
        if position <= 0:
            return True
        if checkpoint <= 0:
            return False
        return bool(await self._pool.fetchval(_IN_READ_ORDER, position, checkpoint))

    async def lag_after(self, position: int) -> Lag:
        """Counted through the read barrier along the ``(transaction_id, position)`` index: its
        cost grows with the lag, not with the history."""
        row = await self._pool.fetchrow(_LAG, position)
        assert row is not None
        return Lag(events=row["events"], seconds=max(row["seconds"], 0.0))

    async def count(self) -> int:
        return await self._pool.fetchval("SELECT count(*) FROM events")

    async def count_by_type(self) -> dict[str, int]:
        rows = await self._pool.fetch("SELECT type, count(*) FROM events GROUP BY type")
        return {row["type"]: row["count"] for row in rows}

    async def has_events_by_others_than(self, actor: str) -> bool:
        return await self._pool.fetchval(
            "SELECT EXISTS (SELECT 1 FROM events WHERE metadata->>'actor' IS DISTINCT FROM $1)",
            actor,
        )

    async def seal(self) -> int:
        return await ledger.seal(self._pool)

    async def ledger_head(self) -> tuple[int, str | None]:
        return await ledger.ledger_head(self._pool)

    async def ledger_hash_at(self, seq: int) -> str | None:
        return await ledger.ledger_hash_at(self._pool, seq)

    async def is_sealed(self, position: int) -> bool:
        return await ledger.is_sealed(self._pool, position)

    async def verify(self) -> ledger.Verification:
        return await ledger.verify(self._pool)

    def _decoded(self, rows: Sequence[asyncpg.Record]) -> list[StoredEvent]:
        decode = self.registry.decode
        return [stored_event(row, decode) for row in rows]
