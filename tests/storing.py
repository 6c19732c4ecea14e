"""Events stored as they are in tests, past every check of the deciders, as an older version of
the service may have stored them; the position of the last once all are readable."""

from __future__ import annotations

from datetime import UTC, datetime

from events.base import Event, EventMetadata
from events.store import EventStore, PendingEvent, StreamWrite
from services.commands.catalog import occurred_at, stream_of
from tests.helpers import read_everything


OLD_INSTANCE = EventMetadata(actor="account:an-older-version")


async def stored(store: EventStore, *events: Event) -> int:
    """Append each event to its stream as the stream stands, past every check; the position of
    the last, once every one of them is readable."""
    position = 0
    for event in events:
        stream = stream_of(event).id
        version = len(await store.read_stream(stream))
        pending = PendingEvent(event=event, occurred_at=occurred_at(event, datetime.now(UTC)))
        result = await store.append(StreamWrite(stream, version, [pending]),
                                    metadata=OLD_INSTANCE)
        position = result.position
    await read_everything(store, await store.count())
    return position
