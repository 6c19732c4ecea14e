"""The ``events`` table as SQL reads it: one column list, one read barrier, one row mapper.

Only ``events/`` writes SQL against the table; every stored event leaves it as a
``StoredEvent`` made here, whoever reads it (the store, the ledger, the export, the audit API).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import asyncpg
import msgspec

from events.base import Event, StoredEvent

COLUMNS = """events.position, events.transaction_id::text::bigint AS transaction_id,
    events.event_id, events.stream_id, events.stream_version, events.type, events.schema_version,
    events.data, events.metadata, events.occurred_at, events.recorded_at, events.prev_hash,
    events.hash"""

LEDGER_COLUMNS = "ledger.seq, ledger.chain_hash, ledger.sealed_at"
"""With ``COLUMNS``, from ``events`` joined to ``ledger``: each event with its ledger entry."""

READABLE = "events.transaction_id < (SELECT pg_snapshot_xmin(pg_current_snapshot()))"
"""The read barrier: only transactions older than every one still in flight are read (computed
once per query). A transaction that took a lower position but commits later is therefore read
after, never skipped, and the order of what was read never changes."""

READ_ORDER = "events.transaction_id, events.position"
"""Global read order (qualified: the output column ``transaction_id`` of ``COLUMNS`` is a cast)."""

AFTER_IN_READ_ORDER = f"""(events.transaction_id, events.position) > (
        coalesce((SELECT transaction_id FROM events WHERE position = $1), '0'::xid8), $1)
    AND {READABLE}"""
"""The condition of every gap-free read: readable events after position ``$1`` (0 for the
start) in read order. Follow it with ``ORDER BY {READ_ORDER}``."""

Decode = Callable[[str, int, bytes], Event]


def stored_event(row: asyncpg.Record, decode: Decode | None = None) -> StoredEvent:
    """The record of a row of ``COLUMNS``; with ``decode`` (``EventRegistry.decode``) its event
    decoded too."""
    tag, schema_version, data = row["type"], row["schema_version"], row["data"]
    return StoredEvent(
        position=row["position"],
        transaction_id=row["transaction_id"],
        event_id=row["event_id"],
        stream_id=row["stream_id"],
        stream_version=row["stream_version"],
        type=tag,
        schema_version=schema_version,
        data=data,
        metadata=row["metadata"],
        occurred_at=row["occurred_at"],
        recorded_at=row["recorded_at"],
        prev_hash=row["prev_hash"],
        hash=row["hash"],
        event=decode(tag, schema_version, data) if decode is not None else None,
    )


def stored_events(rows: Iterable[asyncpg.Record], decode: Decode) -> list[StoredEvent]:
    """``stored_event`` of many rows of ``COLUMNS`` alone, decoded: the columns taken by place
    (one unpacking instead of thirteen look-ups by name per row, the most of a read's cost after
    the decoding itself)."""
    return [
        StoredEvent(
            position=position, transaction_id=transaction_id, event_id=event_id,
            stream_id=stream_id, stream_version=stream_version, type=tag,
            schema_version=schema_version, data=data, metadata=metadata,
            occurred_at=occurred_at, recorded_at=recorded_at, prev_hash=prev_hash, hash=hash_,
            event=decode(tag, schema_version, data),
        )
        for (position, transaction_id, event_id, stream_id, stream_version, tag, schema_version,
             data, metadata, occurred_at, recorded_at, prev_hash, hash_) in rows
    ]


def sealed_event(row: asyncpg.Record) -> StoredEvent:
    """The record of a row of ``COLUMNS`` and ``LEDGER_COLUMNS`` (NULL for an unsealed event)."""
    return msgspec.structs.replace(
        stored_event(row), seq=row["seq"], chain_hash=row["chain_hash"], sealed_at=row["sealed_at"]
    )
