"""The event store on PostgreSQL: atomic multi-stream append, stream reads, gap-free global reads.

``Store`` (events/interface.py) says what it offers; the SQL of the ``events`` table is here,
in events/rows.py (columns, read barrier) and in events/ledger.py, and nowhere else.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Sequence
from datetime import timedelta
from typing import Any, NamedTuple
from uuid import UUID

import asyncpg

from events import ledger
from events.base import EventMetadata, EventRegistry, PositionedEvent, StoredEvent
from events.group_commit import GroupCommit
from events.hashing import digest_of
from events.interface import (
    AppendQueueFull,
    AppendResult,
    ConcurrencyError,
    EventIdsPartlyStored,
    Lag,
    PendingEvent,
    PreparedAppend,
    PreparedEvent,
    StreamWrite,
    one_each,
    prepare,
)
from events.rows import (
    AFTER_IN_READ_ORDER, COLUMNS, READ_ORDER, READABLE, stored_event, stored_events,
)
from events.spare_connection import SpareConnection

__all__ = [
    "APPEND", "APPEND_ONE_EVENT", "APPEND_ONE_PER_STREAM", "NOTIFY_CHANNEL", "AppendQueueFull", "AppendResult", "ConcurrencyError",
    "EventIdsPartlyStored", "EventStore", "HistoryAheadOfCluster", "PendingEvent", "StreamWrite", "check_transaction_ids",
    "create_pool", "init_connection",
]

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


_INSERT = """INSERT INTO events (event_id, stream_id, stream_version, type, schema_version,
                        data, metadata, occurred_at, prev_hash, hash, append_index)"""

# One row per written append (its last position), one per stream that moved on (its append).
_ANSWER = """
SELECT append_index AS append_no, max(position) AS position,
       NULL::text AS stream_id, NULL::integer AS version, NULL::integer AS expected
  FROM written GROUP BY append_index
UNION ALL
SELECT append_no, NULL, stream_id, version, expected FROM stream WHERE version <> expected"""

# One statement appends a group of appends (group commit, events/group_commit.py; a single
# append is a group of one), each checked against its own expected versions: an append whose
# stream moved on writes nothing and is answered as a conflict, the others are written. Per
# stream: id, expected version, the index of its append in the group. Per event: id, the
# (1-based) index of its stream, version, type, schema version, data, metadata, occurred_at and
# the digest of its content computed by the writer; the stream chain (sha256 of previous hash
# || digest) is completed here, where the previous hash is known, one step per event of a
# stream. Rows go in in the order given (streams sorted across the group): two writers never
# wait for each other in a cycle. There is no probe for stored event ids: the unique index
# refuses a retry's ids and the client resolves that (``EventStore._resolve``). Answers one row
# per written append (its last position) and one per stream that moved on.
# Each array is passed through a sub-select: a plan made for one array's length is no cheaper
# than one for any length, so PostgreSQL keeps the prepared statement's generic plan instead of
# planning every append anew (which cost as much again as executing it).
APPEND = f"""
WITH RECURSIVE
stream AS (
    SELECT s.*, bool_and(s.version = s.expected) OVER (PARTITION BY s.append_no) AS accepted
      FROM (SELECT s.n, s.stream_id, s.expected, s.append_no,
                   coalesce(head.stream_version, 0) AS version, head.hash
              FROM unnest((SELECT $1::text[]), (SELECT $2::integer[]),
                          (SELECT $3::smallint[])) WITH ORDINALITY
                   AS s (stream_id, expected, append_no, n)
              LEFT JOIN LATERAL (
                   SELECT e.stream_version, e.hash FROM events e
                    WHERE e.stream_id = s.stream_id
                    ORDER BY e.stream_version DESC LIMIT 1) AS head ON true) AS s),
event AS (
    SELECT * FROM unnest((SELECT $4::uuid[]), (SELECT $5::integer[]), (SELECT $6::integer[]),
                         (SELECT $7::text[]), (SELECT $8::integer[]), (SELECT $9::json[]),
                         (SELECT $10::json[]), (SELECT $11::timestamptz[]),
                         (SELECT $12::bytea[]))
           WITH ORDINALITY AS e (event_id, stream, stream_version, type, schema_version, data,
                                 metadata, occurred_at, digest, n)),
chain (n, stream, prev_hash, hash) AS (
    SELECT e.n, e.stream, s.hash, sha256(coalesce(s.hash, ''::bytea) || e.digest)
      FROM event e JOIN stream s ON s.n = e.stream
     WHERE s.accepted AND e.stream_version = s.expected + 1
    UNION ALL
    SELECT e.n, e.stream, c.hash, sha256(c.hash || e.digest)
      FROM chain c JOIN event e ON e.n = c.n + 1 AND e.stream = c.stream),
written AS (
    {_INSERT}
    SELECT e.event_id, s.stream_id, e.stream_version, e.type, e.schema_version, e.data,
           e.metadata, e.occurred_at, c.prev_hash, c.hash, s.append_no
      FROM chain c JOIN event e ON e.n = c.n JOIN stream s ON s.n = e.stream
     ORDER BY c.n
    RETURNING append_index, position)
{_ANSWER}"""

# The same for a group in which every stream gets one event (most commands): no chain to walk,
# so no recursion and no second list; about a third less work for PostgreSQL per append.
APPEND_ONE_PER_STREAM = f"""
WITH stream AS (
    SELECT s.*, coalesce(head.stream_version, 0) AS version, head.hash AS head
      FROM unnest((SELECT $1::text[]), (SELECT $2::integer[]), (SELECT $3::smallint[]),
                  (SELECT $4::uuid[]), (SELECT $5::text[]), (SELECT $6::integer[]),
                  (SELECT $7::json[]), (SELECT $8::json[]), (SELECT $9::timestamptz[]),
                  (SELECT $10::bytea[])) WITH ORDINALITY
           AS s (stream_id, expected, append_no, event_id, type, schema_version, data,
                 metadata, occurred_at, digest, n)
      LEFT JOIN LATERAL (
           SELECT e.stream_version, e.hash FROM events e
            WHERE e.stream_id = s.stream_id
            ORDER BY e.stream_version DESC LIMIT 1) AS head ON true),
written AS (
    {_INSERT}
    SELECT s.event_id, s.stream_id, s.expected + 1, s.type, s.schema_version, s.data,
           s.metadata, s.occurred_at, s.head, sha256(coalesce(s.head, ''::bytea) || s.digest),
           s.append_no
      FROM stream s
     WHERE NOT EXISTS (SELECT FROM stream moved
                        WHERE moved.append_no = s.append_no AND moved.version <> moved.expected)
     ORDER BY s.n
    RETURNING append_index, position)
{_ANSWER}"""

# A group of one append of one event (a quiet process's command, most of them): the same checks
# and chain step with plain parameters. Arrays cost the client a type probe per element to encode
# and the server an unnest; this costs neither. Answers the position written (NULL when the
# stream had moved on) and the stream's version found.
APPEND_ONE_EVENT = f"""
WITH head AS (
    SELECT coalesce(h.stream_version, 0) AS version, h.hash
      FROM (SELECT) AS one
      LEFT JOIN LATERAL (
           SELECT e.stream_version, e.hash FROM events e
            WHERE e.stream_id = $1::text
            ORDER BY e.stream_version DESC LIMIT 1) AS h ON true),
written AS (
    {_INSERT}
    SELECT $3::uuid, $1::text, $2::integer + 1, $4::text, $5::integer, $6::json, $7::json,
           $8::timestamptz, head.hash, sha256(coalesce(head.hash, ''::bytea) || $9::bytea), 0
      FROM head
     WHERE head.version = $2::integer
    RETURNING position)
SELECT (SELECT position FROM written) AS position, version FROM head"""

_READ_STREAM = f"""
SELECT {COLUMNS} FROM events
 WHERE stream_id = $1 AND stream_version > $2
 ORDER BY stream_version"""


def _read_streams_statement(count: int) -> str:
    """``_READ_STREAM`` for ``count`` streams at once ($1, $2 the first's id and version, $3,
    $4 the second's, ...): a branch per stream, each the same index range scan as the single
    read (an unnest of arrays joined to events cost PostgreSQL more than the round trips it
    saved), ordered by stream id and version."""
    branches = [
        f"SELECT {COLUMNS} FROM events WHERE stream_id = ${2 * n + 1}::text "
        f"AND stream_version > ${2 * n + 2}::integer"
        for n in range(count)
    ]
    return "\nUNION ALL\n".join(branches) + "\nORDER BY stream_id, stream_version"


_READ_STREAMS = {count: _read_streams_statement(count) for count in range(2, 9)}

_READ_APPEND = f"""
SELECT {COLUMNS} FROM events,
       (SELECT transaction_id, append_index FROM events WHERE event_id = $1) AS one
 WHERE events.transaction_id = one.transaction_id
   AND events.append_index IS NOT DISTINCT FROM one.append_index
 ORDER BY events.position"""

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


class _Conflict(NamedTuple):
    """An append of a group whose stream had moved on: nothing of it was written."""

    stream_id: str
    version: int
    expected: int


_ALONE = "alone"
"""An append's group hit a unique index twice (a retry's stored event ids, or a race lost
twice): the append is written once more on its own and resolved there."""

# A unique index let only one of two writers through (or they waited for each other's keys).
_RACED = (asyncpg.UniqueViolationError, asyncpg.DeadlockDetectedError)


def group_arguments(appends: Sequence[PreparedAppend]) -> tuple[list[Any], ...]:
    """The arguments of ``APPEND`` for a group of appends (a single append: a group of one),
    with every stream of the group in one sorted order."""
    streams = sorted(
        (stream_id, number, index)
        for number, prepared in enumerate(appends)
        for index, stream_id in enumerate(prepared.stream_ids)
    )
    events_of: list[list[list[PreparedEvent]]] = []
    for prepared in appends:
        by_stream: list[list[PreparedEvent]] = [[] for _ in prepared.stream_ids]
        for event in prepared.events:
            by_stream[event.stream].append(event)
        events_of.append(by_stream)
    stream_ids, expected, append_nos = [], [], []
    event_ids, event_streams, versions, types, schema_versions = [], [], [], [], []
    data, metadata, occurred_at, digests = [], [], [], []
    for n, (stream_id, number, index) in enumerate(streams, start=1):
        stream_ids.append(stream_id)
        expected.append(appends[number].expected[index])
        append_nos.append(number)
        for event in events_of[number][index]:
            event_ids.append(event.event_id)
            event_streams.append(n)
            versions.append(event.stream_version)
            types.append(event.type)
            schema_versions.append(event.schema_version)
            data.append(event.data)
            metadata.append(event.metadata)
            occurred_at.append(event.occurred_at)
            digests.append(digest_of(event))
    return (
        stream_ids, expected, append_nos, event_ids, event_streams, versions, types,
        schema_versions, data, metadata, occurred_at, digests,
    )


def _one_per_stream(arguments: tuple[list[Any], ...]) -> tuple[list[Any], ...]:
    """``APPEND_ONE_PER_STREAM``'s arguments: ``APPEND``'s without the event's stream and
    version (each event is the next of its own stream)."""
    stream_ids, expected, append_nos, event_ids, _, _, *fields = arguments
    return (stream_ids, expected, append_nos, event_ids, *fields)


class EventStore:
    """The store on PostgreSQL (``Store``). Its pool is its own: whoever needs the database for
    other tables is given the pool, never reaches through the store.

    Appends go through a group commit (events/group_commit.py): at most ``max_waiting`` wait
    in this process (more are refused with ``AppendQueueFull``), ``max_in_flight`` groups are
    written at once."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        registry: EventRegistry,
        *,
        on_commit: Callable[[int], Awaitable[None] | None] | None = None,
        max_waiting: int = 256,
        max_in_flight: int = 2,
    ) -> None:
        self._pool = pool
        self.registry = registry
        self._on_commit = on_commit
        self._transaction_ids_checked = False
        self._connection = SpareConnection(pool)
        self._group_commit = GroupCommit(
            self._write_group, max_waiting=max_waiting, max_in_flight=max_in_flight)

    async def append(self, *writes: StreamWrite, metadata: EventMetadata) -> AppendResult:
        """Append to one or several streams atomically, each checked against its expected version.

        Raises ConcurrencyError if any stream moved on, EventIdsPartlyStored if some of the
        event ids are stored and others not; then nothing is written. AppendQueueFull if too
        many appends wait in this process already (nothing written).
        """
        prepared = prepare(writes, metadata, self.registry)
        if not self._transaction_ids_checked:
            # Whoever writes first (an API process, `serve` creating the admin, a script).
            await check_transaction_ids(self._pool)
            self._transaction_ids_checked = True
        outcome = await self._group_commit.submit(prepared)
        if outcome == _ALONE:
            [outcome] = await self._write_group([prepared])
        if isinstance(outcome, int):
            result = AppendResult(position=outcome)
        else:
            result = await self._resolve(prepared, outcome)
        if self._on_commit is not None and not result.replayed:
            woken = self._on_commit(result.position)
            if woken is not None:
                await woken
        return result

    async def _write_group(self, appends: Sequence[PreparedAppend]) -> list[int | _Conflict | str]:
        """Each append's last position, or its first stream that moved on, or ``_ALONE``."""
        if len(appends) == 1 and len(appends[0].events) == 1:
            return [await self._write_one_event(appends[0])]
        arguments = group_arguments(appends)
        statement = APPEND
        if len(arguments[0]) == len(arguments[3]):  # one event per stream
            statement, arguments = APPEND_ONE_PER_STREAM, _one_per_stream(arguments)
        rows = await self._fetch_once_more_if_raced(statement, arguments)
        if rows is None:
            return [_ALONE] * len(appends)
        outcomes: list[int | _Conflict | str] = [_ALONE] * len(appends)
        for number, position, stream_id, version, expected in rows:
            if stream_id is None:
                outcomes[number] = position
                continue
            seen = outcomes[number]
            if not isinstance(seen, _Conflict) or stream_id < seen.stream_id:
                outcomes[number] = _Conflict(stream_id, version, expected)
        return outcomes

    async def _fetch_once_more_if_raced(
        self, statement: str, arguments: Sequence[Any]
    ) -> list[asyncpg.Record] | None:
        """An append statement's rows; None if it raced twice (``_ALONE``).

        Two writers can pass the version checks at once, and a unique index lets only one
        through. Once more, now that the winner has committed: the version check names the
        conflict (or the stored events, if they were these)."""
        try:
            try:
                return await self._fetch(statement, arguments)
            except _RACED:
                return await self._fetch(statement, arguments)
        except _RACED:
            return None

    async def _fetch(self, statement: str, arguments: Sequence[Any]) -> list[asyncpg.Record]:
        """An append's statement on the writing connection (``SpareConnection``)."""
        connection = await self._connection.acquire()
        try:
            rows = await connection.fetch(statement, *arguments)
        except BaseException:
            await self._connection.release(connection)
            raise
        await self._connection.put_back(connection)
        return rows

    async def _write_one_event(self, prepared: PreparedAppend) -> int | _Conflict | str:
        """``_write_group`` for a group of one append of one event (``APPEND_ONE_EVENT``)."""
        [event] = prepared.events
        expected = prepared.expected[0]
        arguments = (
            event.stream_id, expected, event.event_id, event.type, event.schema_version,
            event.data, event.metadata, event.occurred_at, digest_of(event),
        )
        rows = await self._fetch_once_more_if_raced(APPEND_ONE_EVENT, arguments)
        if rows is None:
            return _ALONE
        [(position, version)] = rows
        if position is None:
            return _Conflict(event.stream_id, version, expected)
        return position

    async def _resolve(self, prepared: PreparedAppend, outcome: _Conflict | str) -> AppendResult:
        """An append not written: a replay if all its event ids are stored (a retry, also after
        its stream moved on), refused if some are, else a conflict."""
        event_ids = [event.event_id for event in prepared.events]
        stored, last = await self._pool.fetchrow(_STORED_ALREADY, event_ids)
        if stored == len(event_ids):
            return AppendResult(position=last, replayed=True)
        if stored:
            raise EventIdsPartlyStored("some of these event ids are stored already, others are not")
        if isinstance(outcome, _Conflict):
            raise ConcurrencyError(
                f"stream {outcome.stream_id} is at version {outcome.version}, "
                f"expected {outcome.expected}",
                outcome.stream_id,
            )
        raise ConcurrencyError(f"another writer took a version of {', '.join(prepared.stream_ids)}")

    def _append_arguments(
        self, writes: Sequence[StreamWrite], metadata: EventMetadata
    ) -> tuple[list[Any], ...]:
        """The arguments of ``APPEND`` for one append (for tests that hold it open)."""
        return group_arguments([prepare(writes, metadata, self.registry)])

    async def read_stream(self, stream_id: str, after_version: int = 0) -> list[StoredEvent]:
        rows = await self._pool.fetch(_READ_STREAM, stream_id, after_version)
        return self._decoded(rows)

    async def read_streams(
        self, streams: Sequence[tuple[str, int]]
    ) -> list[list[StoredEvent]]:
        one_each(streams)
        if len(streams) == 1:
            [(stream_id, after_version)] = streams
            return [await self.read_stream(stream_id, after_version)]
        if not streams:
            return []
        statement = _READ_STREAMS.get(len(streams)) or _read_streams_statement(len(streams))
        arguments = [value for stream in streams for value in stream]
        events: dict[str, list[StoredEvent]] = {stream_id: [] for stream_id, _ in streams}
        for event in self._decoded(await self._pool.fetch(statement, *arguments)):
            events[event.stream_id].append(event)
        return list(events.values())

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
        decode = self.registry.decoder()
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
        decode = self.registry.decoder()
        # Rows of the horizon and ``COLUMNS``: taken by name. A row without an event: none found.
        found = [stored_event(row, decode) for row in rows if row["position"] is not None]
        return rows[0]["horizon"], found

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
        return stored_events(rows, self.registry.decoder())
