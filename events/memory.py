"""An event store in memory, with the interface and the behaviour of the PostgreSQL one.

For tests that need no server: command scenarios over several streams run against it in
milliseconds. It keeps what the contract tests (``tests/store_contract.py``) ask of every store:
atomic appends to several streams at their expected versions, replays by event id, the same
digests and hashes (``events.interface.prepare``, ``events.hashing``), a ledger that verifies.
Events are kept as stored bytes and decoded on every read, as PostgreSQL's are.

Every append is a transaction of its own and commits at once, so read order is position order
and nothing waits behind a read barrier. Each call yields to the event loop once before it
acts, as a round trip to a server would: concurrent commands interleave, and a handler's retry
on a conflict is exercised too.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Collection, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from uuid import UUID

import msgspec

from events.base import EventMetadata, EventRegistry, PositionedEvent, StoredEvent
from events.hashing import GENESIS, digest_of, event_hash, ledger_hash
from events.interface import (
    AppendResult,
    ConcurrencyError,
    EventIdsPartlyStored,
    Lag,
    StreamWrite,
    one_each,
    prepare,
)
from events.ledger import Verification, verify_events


class _Sealed(msgspec.Struct, frozen=True):
    position: int
    chain_hash: bytes
    sealed_at: datetime


class InMemoryEventStore:
    """``Store`` in memory, for one process and its tests."""

    def __init__(
        self,
        registry: EventRegistry,
        *,
        on_commit: Callable[[int], Awaitable[None] | None] | None = None,
    ) -> None:
        self.registry = registry
        self._on_commit = on_commit
        self._events: list[StoredEvent] = []
        """By position: the event at position p is ``_events[p - 1]``."""
        self._streams: dict[str, list[StoredEvent]] = {}
        self._by_id: dict[UUID, StoredEvent] = {}
        self._appends: list[list[StoredEvent]] = []
        """By transaction id: the events of transaction t are ``_appends[t - 1]``."""
        self._ledger: list[_Sealed] = []

    def with_registry(self, registry: EventRegistry) -> InMemoryEventStore:
        """This store's history, read and written with ``registry`` (as by a newer service)."""
        other = InMemoryEventStore(registry, on_commit=self._on_commit)
        other._events, other._streams, other._by_id = self._events, self._streams, self._by_id
        other._appends, other._ledger = self._appends, self._ledger
        return other

    async def append(self, *writes: StreamWrite, metadata: EventMetadata) -> AppendResult:
        prepared = prepare(writes, metadata, self.registry)
        await asyncio.sleep(0)
        stored = [self._by_id[e.event_id] for e in prepared.events if e.event_id in self._by_id]
        if stored:
            if len(stored) < len(prepared.events):
                raise EventIdsPartlyStored(
                    "some of these event ids are stored already, others are not")
            return AppendResult(max(event.position for event in stored), replayed=True)
        heads: list[StoredEvent | None] = []
        for stream_id, expected in zip(prepared.stream_ids, prepared.expected):
            stream = self._streams.get(stream_id, [])
            if len(stream) != expected:
                raise ConcurrencyError(
                    f"stream {stream_id} is at version {len(stream)}, expected {expected}",
                    stream_id,
                )
            heads.append(stream[-1] if stream else None)
        transaction: list[StoredEvent] = []
        for pending in prepared.events:
            head = heads[pending.stream]
            prev_hash = head.hash if head is not None else None
            event = StoredEvent(
                position=len(self._events) + 1,
                transaction_id=len(self._appends) + 1,
                event_id=pending.event_id,
                stream_id=pending.stream_id,
                stream_version=pending.stream_version,
                type=pending.type,
                schema_version=pending.schema_version,
                data=pending.data,
                metadata=pending.metadata,
                occurred_at=pending.occurred_at,
                recorded_at=datetime.now(UTC),
                prev_hash=prev_hash,
                hash=event_hash(prev_hash, digest_of(pending)),
            )
            self._events.append(event)
            self._streams.setdefault(event.stream_id, []).append(event)
            self._by_id[event.event_id] = event
            heads[pending.stream] = event
            transaction.append(event)
        self._appends.append(transaction)
        result = AppendResult(transaction[-1].position)
        if self._on_commit is not None:
            woken = self._on_commit(result.position)
            if woken is not None:
                await woken
        return result

    async def read_stream(self, stream_id: str, after_version: int = 0) -> list[StoredEvent]:
        await asyncio.sleep(0)
        return self._decoded(self._streams.get(stream_id, [])[max(after_version, 0):])

    async def read_streams(
        self, streams: Sequence[tuple[str, int]]
    ) -> list[list[StoredEvent]]:
        await asyncio.sleep(0)
        one_each(streams)
        return [self._decoded(self._streams.get(stream_id, [])[max(after_version, 0):])
                for stream_id, after_version in streams]

    async def read_append(self, event_id: UUID) -> list[StoredEvent]:
        await asyncio.sleep(0)
        event = self._by_id.get(event_id)
        if event is None or event.transaction_id is None:
            return []
        return self._decoded(self._appends[event.transaction_id - 1])

    async def read_all(self, after: int = 0, limit: int = 1000) -> list[StoredEvent]:
        await asyncio.sleep(0)
        return self._decoded(self._after(after, limit))

    async def read_events(
        self, after: int = 0, limit: int = 1000, types: Collection[str] | None = None
    ) -> list[PositionedEvent]:
        await asyncio.sleep(0)
        decode = self.registry.decode
        return [
            PositionedEvent(
                event.position,
                decode(event.type, event.schema_version, event.data)
                if types is None or event.type in types else None,
            )
            for event in self._after(after, limit)
        ]

    async def read_types_since(
        self, types: Collection[str], horizon: int, *, recorded_within: timedelta
    ) -> tuple[int, list[StoredEvent]]:
        await asyncio.sleep(0)
        since = datetime.now(UTC) - recorded_within
        found = [
            event for transaction in self._appends[max(horizon - 1, 0):] for event in transaction
            if event.type in types and event.recorded_at > since
        ]
        return len(self._appends) + 1, self._decoded(found)

    async def head_position(self) -> int:
        await asyncio.sleep(0)
        return len(self._events)

    async def newest_position(self) -> int:
        await asyncio.sleep(0)
        return len(self._events)

    async def is_at_or_before(self, position: int, checkpoint: int) -> bool:
        await asyncio.sleep(0)
        if position <= 0:
            return True
        if checkpoint <= 0:
            return False
        known = range(1, len(self._events) + 1)
        return position in known and checkpoint in known and position <= checkpoint

    async def lag_after(self, position: int) -> Lag:
        await asyncio.sleep(0)
        behind = self._after(position, len(self._events))
        if not behind:
            return Lag(events=0, seconds=0.0)
        age = datetime.now(UTC) - min(event.recorded_at for event in behind)
        return Lag(events=len(behind), seconds=max(age.total_seconds(), 0.0))

    async def count(self) -> int:
        await asyncio.sleep(0)
        return len(self._events)

    async def count_by_type(self) -> dict[str, int]:
        await asyncio.sleep(0)
        counts: dict[str, int] = {}
        for event in self._events:
            counts[event.type] = counts.get(event.type, 0) + 1
        return counts

    async def has_events_by_others_than(self, actor: str) -> bool:
        await asyncio.sleep(0)
        return any(event.event_metadata.actor != actor for event in self._events)

    async def seal(self) -> int:
        await asyncio.sleep(0)
        unsealed = self._events[len(self._ledger):]
        chain = self._ledger[-1].chain_hash if self._ledger else GENESIS
        for event in unsealed:
            chain = ledger_hash(chain, event.position, event.recorded_at, event.hash)
            self._ledger.append(_Sealed(event.position, chain, datetime.now(UTC)))
        return len(unsealed)

    async def ledger_head(self) -> tuple[int, str | None]:
        await asyncio.sleep(0)
        return len(self._ledger), self._ledger[-1].chain_hash.hex() if self._ledger else None

    async def ledger_hash_at(self, seq: int) -> str | None:
        await asyncio.sleep(0)
        return self._ledger[seq - 1].chain_hash.hex() if 0 < seq <= len(self._ledger) else None

    async def is_sealed(self, position: int) -> bool:
        await asyncio.sleep(0)
        return 0 < position <= len(self._ledger)

    async def verify(self) -> Verification:
        await asyncio.sleep(0)
        return verify_events(self._history())

    def _history(self) -> Iterator[StoredEvent]:
        """Every event as the ledger's reader sees it: the sealed ones with their entries."""
        for seq, event in enumerate(self._events, start=1):
            if seq <= len(self._ledger):
                entry = self._ledger[seq - 1]
                yield msgspec.structs.replace(
                    event, seq=seq, chain_hash=entry.chain_hash, sealed_at=entry.sealed_at)
            else:
                yield event

    def _after(self, after: int, limit: int) -> list[StoredEvent]:
        # As on PostgreSQL, a position that holds no event reads from the start.
        start = after if 0 < after <= len(self._events) else 0
        return self._events[start:start + limit]

    def _decoded(self, events: list[StoredEvent]) -> list[StoredEvent]:
        decode = self.registry.decode
        return [
            msgspec.structs.replace(
                event, event=decode(event.type, event.schema_version, event.data))
            for event in events
        ]
