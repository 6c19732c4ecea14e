"""Tamper evidence: how an event's hash and the ledger chain are computed.

Pure functions over bytes and plain values, shared by the store (when writing), the online
verifier and the offline verifier of an export, so all three agree by construction.

- ``content_digest`` covers everything the writer decided: id, stream, version, type, schema
  version, the stored data and metadata exactly as stored, and ``occurred_at``.
- ``event_hash`` chains an event to its stream's previous event: sha256(prev_hash || digest).
  The store computes this step in SQL (``sha256``) so an append needs no extra round trip.
- ``ledger_hash`` chains every event in global read order, together with the position and
  ``recorded_at`` that the database assigned; changing, deleting or inserting any event breaks it.
"""

from __future__ import annotations

import hashlib
import struct
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from uuid import UUID

import msgspec

if TYPE_CHECKING:
    from events.base import StoredEvent
    from events.interface import PreparedEvent

GENESIS = b"\x00" * 32


def canonical_time(value: datetime) -> str:
    if value.tzinfo is None:
        raise ValueError("timestamps must carry a UTC offset")
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def content_digest(
    *,
    event_id: UUID,
    stream_id: str,
    stream_version: int,
    type: str,
    schema_version: int,
    data: bytes,
    metadata: bytes,
    occurred_at: datetime,
) -> bytes:
    canonical = msgspec.json.encode(
        [
            str(event_id),
            stream_id,
            stream_version,
            type,
            schema_version,
            hashlib.sha256(data).hexdigest(),
            hashlib.sha256(metadata).hexdigest(),
            canonical_time(occurred_at),
        ]
    )
    return hashlib.sha256(canonical).digest()


def digest_of(event: StoredEvent | PreparedEvent) -> bytes:
    """``content_digest`` of a stored event's fields, or of one about to be stored."""
    return content_digest(
        event_id=event.event_id,
        stream_id=event.stream_id,
        stream_version=event.stream_version,
        type=event.type,
        schema_version=event.schema_version,
        data=event.data,
        metadata=event.metadata,
        occurred_at=event.occurred_at,
    )


def event_hash(prev_hash: bytes | None, digest: bytes) -> bytes:
    return hashlib.sha256((prev_hash or b"") + digest).digest()


def ledger_hash(previous: bytes, position: int, recorded_at: datetime, hash_: bytes) -> bytes:
    return hashlib.sha256(
        previous
        + struct.pack(">q", position)
        + canonical_time(recorded_at).encode()
        + hash_
    ).digest()
