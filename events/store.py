"""The event store on PostgreSQL: atomic multi-stream append, stream reads, gap-free global reads."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Sequence
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import msgspec

from events.base import Event, EventMetadata, EventRegistry, PositionedEvent, RecordedEvent
from events.hashing import content_digest

CONCURRENCY_SQLSTATE = "TPCON"
PARTIAL_IDS_SQLSTATE = "TPIDS"
NOTIFY_CHANNEL = "treffpunkt_events"

_encode = msgspec.json.Encoder().encode
_decode_metadata = msgspec.json.Decoder(EventMetadata).decode


class ConcurrencyError(Exception):
    """A stream was not at the version the writer expected; nothing was written."""

    def __init__(self, message: str, stream_id: str | None = None) -> None:
        super().__init__(message)
        self.stream_id = stream_id


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


class PendingEvent(msgspec.Struct, frozen=True, kw_only=True):
    """An event about to be appended. ``occurred_at`` is when it happened in the world."""

    event: Event
    occurred_at: datetime
    event_id: UUID = msgspec.field(default_factory=uuid4)


class StreamWrite(msgspec.Struct, frozen=True):
    """Events for one stream, valid only if the stream holds ``expected_version`` events now."""

    stream_id: str
    expected_version: int
    events: Sequence[PendingEvent]


class AppendResult(msgspec.Struct, frozen=True):
    position: int
    """The global position of the last event stored (of the first attempt, on a replay)."""
    replayed: bool = False
    """True when these event ids were stored before: nothing new was written."""


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

_COLUMNS = """position, transaction_id::text::bigint AS transaction_id, event_id, stream_id,
    stream_version, type, schema_version, data, metadata, occurred_at, recorded_at, hash, prev_hash"""

_READ_STREAM = f"""
SELECT {_COLUMNS} FROM events
 WHERE stream_id = $1 AND stream_version > $2
 ORDER BY stream_version"""

# Global order is (transaction_id, position) of the table (qualified: the output column of that
# name is a cast). Only transactions older than every one still in flight are read (the barrier
# is computed once per query): a transaction that took a lower position but commits later is
# therefore read after, never skipped, and the order of what was read never changes.
_AFTER_IN_READ_ORDER = """
 WHERE (transaction_id, position) > (
           coalesce((SELECT transaction_id FROM events WHERE position = $1), '0'::xid8), $1)
   AND transaction_id < (SELECT pg_snapshot_xmin(pg_current_snapshot()))
 ORDER BY events.transaction_id, events.position
 LIMIT $2"""

_READ_ALL = f"SELECT {_COLUMNS} FROM events {_AFTER_IN_READ_ORDER}"

_READ_EVENTS = f"SELECT position, type, schema_version, data FROM events {_AFTER_IN_READ_ORDER}"


class EventStore:
    def __init__(
        self,
        pool: asyncpg.Pool,
        registry: EventRegistry,
        *,
        on_commit: Callable[[int], Awaitable[None] | None] | None = None,
    ) -> None:
        self.pool = pool
        self.registry = registry
        self._on_commit = on_commit
        self._transaction_ids_checked = False

    async def append(self, *writes: StreamWrite, metadata: EventMetadata) -> AppendResult:
        """Append to one or several streams atomically, each checked against its expected version.

        Raises ConcurrencyError if any stream moved on; then nothing is written.
        """
        arguments = self._append_arguments(writes, metadata)
        if not self._transaction_ids_checked:
            # Whoever writes first (an API process, `serve` creating the admin, a script).
            await check_transaction_ids(self.pool)
            self._transaction_ids_checked = True
        try:
            try:
                row = await self.pool.fetchrow(_APPEND, *arguments)
            except asyncpg.UniqueViolationError:
                # Two writers passed the checks at once and a unique index let only one through.
                # Once more, now that the winner has committed: if it wrote these very events,
                # this is a replay; otherwise the version check names the conflict.
                row = await self.pool.fetchrow(_APPEND, *arguments)
        except asyncpg.UniqueViolationError as error:
            replay = await self._stored_already(arguments[2])
            if replay is None:
                raise ConcurrencyError(str(error)) from error
            return replay
        except asyncpg.PostgresError as error:
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
        row = await self.pool.fetchrow(
            "SELECT count(*) AS n, max(position) AS last FROM events WHERE event_id = ANY($1)",
            event_ids,
        )
        if row is not None and row["n"] == len(event_ids):
            return AppendResult(position=row["last"], replayed=True)
        return None

    def _append_arguments(
        self, writes: Sequence[StreamWrite], metadata: EventMetadata
    ) -> tuple[list[Any], ...]:
        if not writes or not any(write.events for write in writes):
            raise ValueError("an append needs at least one event")
        stream_ids = [write.stream_id for write in writes]
        if len(set(stream_ids)) != len(stream_ids):
            raise ValueError("each stream may appear only once in an append")
        # Every append inserts into its streams in one order, by stream id: two appends to the
        # same streams then wait for each other in the unique index instead of deadlocking.
        writes = sorted(writes, key=lambda write: write.stream_id)
        stream_ids.sort()
        metadata_bytes = _encode(metadata)
        expected: list[int] = []
        event_ids: list[UUID] = []
        event_streams: list[int] = []
        types: list[str] = []
        versions: list[int] = []
        data: list[bytes] = []
        metadatas: list[bytes] = []
        occurred: list[datetime] = []
        digests: list[bytes] = []
        for index, write in enumerate(writes, start=1):
            if write.expected_version < 0:
                raise ValueError("expected_version counts events and cannot be negative")
            expected.append(write.expected_version)
            for offset, pending in enumerate(write.events, start=1):
                tag = type(pending.event).__struct_config__.tag
                assert isinstance(tag, str)
                schema_version = self.registry.current_version(tag)
                encoded = _encode(pending.event)
                if pending.occurred_at.tzinfo is None:
                    raise ValueError("occurred_at must carry a UTC offset")
                occurred_at = pending.occurred_at.astimezone(UTC)
                event_ids.append(pending.event_id)
                event_streams.append(index)
                types.append(tag)
                versions.append(schema_version)
                data.append(encoded)
                metadatas.append(metadata_bytes)
                occurred.append(occurred_at)
                digests.append(
                    content_digest(
                        event_id=pending.event_id,
                        stream_id=write.stream_id,
                        stream_version=write.expected_version + offset,
                        type=tag,
                        schema_version=schema_version,
                        data=encoded,
                        metadata=metadata_bytes,
                        occurred_at=occurred_at,
                    )
                )
        if len(set(event_ids)) != len(event_ids):
            raise ValueError("each event id may appear only once in an append")
        return (
            stream_ids,
            expected,
            event_ids,
            event_streams,
            types,
            versions,
            data,
            metadatas,
            occurred,
            digests,
        )

    async def read_stream(self, stream_id: str, after_version: int = 0) -> list[RecordedEvent]:
        rows = await self.pool.fetch(_READ_STREAM, stream_id, after_version)
        return [self.decode_row(row) for row in rows]

    async def read_all(self, after: int = 0, limit: int = 1000) -> list[RecordedEvent]:
        """Up to ``limit`` events after position ``after``, in global read order.

        ``after`` is the position of the last event the caller has seen (0 for the start).
        """
        rows = await self.pool.fetch(_READ_ALL, after, limit)
        return [self.decode_row(row) for row in rows]

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
            for position, tag, schema_version, data in await self.pool.fetch(
                _READ_EVENTS, after, limit)
        ]

    async def head_position(self) -> int:
        """The position of the last event readable by ``read_all`` now (0 if none)."""
        row = await self.pool.fetchval(
            """SELECT position FROM events
                WHERE transaction_id < pg_snapshot_xmin(pg_current_snapshot())
                ORDER BY transaction_id DESC, position DESC LIMIT 1"""
        )
        return row or 0

    async def is_at_or_before(self, position: int, checkpoint: int) -> bool:
        """Whether ``position`` comes at or before ``checkpoint`` in global read order."""
        if position <= 0:
            return True
        if checkpoint <= 0:
            return False
        return bool(
            await self.pool.fetchval(
                """SELECT (a.transaction_id, a.position) <= (b.transaction_id, b.position)
                     FROM events a, events b WHERE a.position = $1 AND b.position = $2""",
                position,
                checkpoint,
            )
        )

    def decode_row(self, row: asyncpg.Record) -> RecordedEvent:
        tag = row["type"]
        return RecordedEvent(
            position=row["position"],
            transaction_id=row["transaction_id"],
            event_id=row["event_id"],
            stream_id=row["stream_id"],
            stream_version=row["stream_version"],
            type=tag,
            schema_version=row["schema_version"],
            event=self.registry.decode(tag, row["schema_version"], row["data"]),
            metadata=_decode_metadata(row["metadata"]),
            occurred_at=row["occurred_at"],
            recorded_at=row["recorded_at"],
            hash=row["hash"],
            prev_hash=row["prev_hash"],
        )
