"""What every event store offers, and what its implementations share.

Two stores implement ``Store``: ``events.store.EventStore`` on PostgreSQL (the service's) and
``events.memory.InMemoryEventStore`` (for tests that need no server). Both pass the same
contract tests (``tests/store_contract.py``). They share how an append is checked and encoded
(``prepare``) and hashed (``events.hashing``), so the same events get the same hashes in both.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Protocol
from uuid import UUID, uuid4

import msgspec

from events.base import Event, EventMetadata, EventRegistry, PositionedEvent, StoredEvent

if TYPE_CHECKING:
    from events.ledger import Verification

_encode = msgspec.json.Encoder().encode


class ConcurrencyError(Exception):
    """A stream was not at the version the writer expected; nothing was written."""

    def __init__(self, message: str, stream_id: str | None = None) -> None:
        super().__init__(message)
        self.stream_id = stream_id


class EventIdsPartlyStored(Exception):
    """Some event ids of an append are stored already and others are not; nothing was written.

    Not a retry (that repeats all of them): a request that reused ids for other events."""


class AppendQueueFull(Exception):
    """Too many appends wait in this process already; this one was refused at once and nothing
    was written. Try again shortly (the API answers 503 with Retry-After)."""


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


class Lag(msgspec.Struct, frozen=True):
    events: int
    """Readable events after a position."""
    seconds: float
    """Age of the oldest of them (0 when there are none)."""


class PreparedEvent(msgspec.Struct, frozen=True, kw_only=True):
    """One event of an append as it will be stored (its digest: ``events.hashing.digest_of``)."""

    event_id: UUID
    stream: int
    """The index of its stream in ``PreparedAppend.stream_ids`` (from 0)."""
    stream_id: str
    stream_version: int
    type: str
    schema_version: int
    data: bytes
    metadata: bytes
    occurred_at: datetime


class PreparedAppend(msgspec.Struct, frozen=True):
    stream_ids: list[str]
    """Sorted: every append takes its streams in one order (no two appends wait in a cycle)."""
    expected: list[int]
    events: list[PreparedEvent]
    """By stream, in the order of ``stream_ids``, then in the order given."""


def prepare(
    writes: Sequence[StreamWrite], metadata: EventMetadata, registry: EventRegistry
) -> PreparedAppend:
    """Check an append and encode its events as they will be stored.

    Raises ValueError for an append no store may take: no events, a stream or an event id
    named twice, a negative expected version, an ``occurred_at`` without UTC offset."""
    if not writes or not any(write.events for write in writes):
        raise ValueError("an append needs at least one event")
    stream_ids = [write.stream_id for write in writes]
    if len(set(stream_ids)) != len(stream_ids):
        raise ValueError("each stream may appear only once in an append")
    writes = sorted(writes, key=lambda write: write.stream_id)
    metadata_bytes = _encode(metadata)
    events: list[PreparedEvent] = []
    for index, write in enumerate(writes):
        if write.expected_version < 0:
            raise ValueError("expected_version counts events and cannot be negative")
        for offset, pending in enumerate(write.events, start=1):
            tag = type(pending.event).__struct_config__.tag
            assert isinstance(tag, str)
            if pending.occurred_at.tzinfo is None:
                raise ValueError("occurred_at must carry a UTC offset")
            events.append(PreparedEvent(
                event_id=pending.event_id,
                stream=index,
                stream_id=write.stream_id,
                stream_version=write.expected_version + offset,
                type=tag,
                schema_version=registry.current_version(tag),
                data=_encode(pending.event),
                metadata=metadata_bytes,
                occurred_at=pending.occurred_at.astimezone(UTC),
            ))
    if len({event.event_id for event in events}) != len(events):
        raise ValueError("each event id may appear only once in an append")
    return PreparedAppend(
        [write.stream_id for write in writes], [write.expected_version for write in writes], events
    )


def one_each(streams: Sequence[tuple[str, int]]) -> None:
    """Refuse a ``read_streams`` that names a stream twice (its answer would be ambiguous)."""
    if len({stream_id for stream_id, _ in streams}) != len(streams):
        raise ValueError("each stream may be named only once in read_streams")


class Store(Protocol):
    """An event store: what a command handler, a projection runner and a report need."""

    registry: EventRegistry

    # --- writing and reading what was decided -------------------------------------------------

    async def append(self, *writes: StreamWrite, metadata: EventMetadata) -> AppendResult:
        """Append to one or several streams atomically, each at its expected version.

        ConcurrencyError if any stream moved on; EventIdsPartlyStored if some of the event
        ids are stored and others not; then nothing is written. Event ids stored already, all
        of them: nothing is written and the result is ``replayed``."""
        ...

    async def read_stream(self, stream_id: str, after_version: int = 0) -> list[StoredEvent]:
        """The stream's events after ``after_version``, decoded, in version order."""
        ...

    async def read_streams(
        self, streams: Sequence[tuple[str, int]]
    ) -> list[list[StoredEvent]]:
        """For each (stream id, after version), as ``read_stream``, in the order given, all
        read at once (one round trip, one snapshot). Each stream id at most once."""
        ...

    async def read_append(self, event_id: UUID) -> list[StoredEvent]:
        """Every event of the append that stored ``event_id``, decoded, by position; [] if
        no such event is stored."""
        ...

    # --- reading everything in global read order ----------------------------------------------

    async def read_all(self, after: int = 0, limit: int = 1000) -> list[StoredEvent]:
        """Up to ``limit`` events after position ``after`` (0: from the start), decoded, in
        global read order; only what is readable now (an event committed late comes later,
        never skipped)."""
        ...

    async def read_events(
        self, after: int = 0, limit: int = 1000, types: Collection[str] | None = None
    ) -> list[PositionedEvent]:
        """As ``read_all``, only each event and its position; with ``types`` (tags), events of
        other types keep their place but are not decoded (``event`` is None)."""
        ...

    async def read_types_since(
        self, types: Collection[str], horizon: int, *, recorded_within: timedelta
    ) -> tuple[int, list[StoredEvent]]:
        """(next horizon, the events of ``types`` committed since ``horizon`` and recorded within
        the last ``recorded_within``), decoded. Start from horizon 0, then pass the horizon
        answered: an event may come twice, but none is missed, and each as soon as it is
        committed, even while an older transaction is still in flight."""
        ...

    async def head_position(self) -> int:
        """The position of the last event readable by ``read_all`` now (0 if none)."""
        ...

    async def newest_position(self) -> int:
        """The highest position committed (0 if none), readable or not yet."""
        ...

    async def is_at_or_before(self, position: int, checkpoint: int) -> bool:
        """Whether ``position`` comes at or before ``checkpoint`` in global read order."""
        ...

    async def lag_after(self, position: int) -> Lag:
        """The readable events after ``position`` in read order: how many, and how old the
        oldest of them is."""
        ...

    # --- figures about the history ------------------------------------------------------------

    async def count(self) -> int:
        """How many events are stored (committed)."""
        ...

    async def count_by_type(self) -> dict[str, int]:
        """How many events of each type are stored."""
        ...

    async def has_events_by_others_than(self, actor: str) -> bool:
        """Whether any stored event's metadata names another actor than ``actor``."""
        ...

    # --- the ledger ---------------------------------------------------------------------------

    async def seal(self) -> int:
        """Extend the ledger with every event readable now, in read order; how many."""
        ...

    async def ledger_head(self) -> tuple[int, str | None]:
        """(number of sealed events, the ledger's head hash in hex; None if nothing is sealed)."""
        ...

    async def ledger_hash_at(self, seq: int) -> str | None:
        """The ledger's hash (hex) at entry ``seq``; None if there is no such entry."""
        ...

    async def is_sealed(self, position: int) -> bool:
        ...

    async def verify(self) -> Verification:
        """Recompute every event hash, every stream link and the ledger chain."""
        ...
