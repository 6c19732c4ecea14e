"""Running a command: load streams, fold, decide, append with expected versions, retry."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any
from datetime import datetime

from events.base import Event, EventMetadata
from events.store import AppendResult, ConcurrencyError, EventStore, PendingEvent, StreamWrite

MAX_ATTEMPTS = 20


async def load(
    store: EventStore,
    stream_id: str,
    evolve: Callable[[Any, Event], Any],
    initial: Any,
) -> tuple[Any, int]:
    """Fold a stream into its state; returns (state, version)."""
    state, version = initial, 0
    for recorded in await store.read_stream(stream_id):
        state = evolve(state, recorded.event)
        version = recorded.stream_version
    return state, version


def pending(events: Sequence[Event], occurred_at: datetime) -> list[PendingEvent]:
    return [PendingEvent(event=event, occurred_at=occurred_at) for event in events]


async def append_with_retry(
    store: EventStore,
    attempt: Callable[[], Any],
    metadata: EventMetadata,
) -> tuple[AppendResult, Any]:
    """Call ``attempt()`` -> (writes, answer) until its append is not beaten by another writer."""
    for _ in range(MAX_ATTEMPTS):
        writes, answer = await attempt()
        try:
            return await store.append(*writes, metadata=metadata), answer
        except ConcurrencyError:
            continue
    raise ConcurrencyError("too much contention; try again")


__all__ = ["StreamWrite", "append_with_retry", "load", "pending"]
