"""A toy read model for the projection runner's tests (how many events each stream holds), and
events written for it that wait until they pass the store's read barrier."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from uuid import uuid4

from events.accounts import AccountRegistered
from events.base import EventMetadata, PositionedEvent
from events.store import EventStore, PendingEvent, StreamWrite
from tests.helpers import read_everything


class EventsPerStream:
    """A toy read model: how many events each stream holds (one account's registrations, in
    stream ``toy-<account id>``), and the positions applied."""

    indexes: Sequence[str] = ()
    event_types = None

    def __init__(
        self, fail_on_position: int | None = None, name: str = "toy_events_per_stream",
        prefix: str = "toy",
    ) -> None:
        self.fail_on_position = fail_on_position
        self.name = name
        self.counts, self.applied = f"{prefix}_stream_counts", f"{prefix}_applied"
        self.tables = {
            self.counts: "stream_id text PRIMARY KEY, events integer NOT NULL",
            self.applied: "position bigint PRIMARY KEY",
        }

    async def apply(self, connection, tables: Mapping[str, str], events: Sequence[PositionedEvent]):
        for event in events:
            await connection.execute(
                f"""INSERT INTO {tables[self.counts]} VALUES ($1, 1)
                    ON CONFLICT (stream_id) DO UPDATE SET events = EXCLUDED.events + 
                    {tables[self.counts]}.events""",
                f"toy-{event.event.account_id}",
            )
            if event.position == self.fail_on_position:
                raise RuntimeError("the worker dies in the middle of a batch")
            # A primary key: applying an event twice would fail the test loudly.
            await connection.execute(
                f"INSERT INTO {tables[self.applied]} VALUES ($1)", event.position
            )


async def write_events(store: EventStore, streams: int, per_stream: int) -> None:
    """Append, then wait until all of it passes the store's read barrier."""
    before = await store.count()
    for _ in range(streams):
        account_id = uuid4()
        await store.append(
            StreamWrite(
                f"toy-{account_id}",
                0,
                [
                    PendingEvent(
                        event=AccountRegistered(
                            account_id=account_id, email_digest="d", password_hash="-",
                            role="volunteer",
                        ),
                        occurred_at=datetime.now(UTC),
                    )
                    for _ in range(per_stream)
                ],
            ),
            metadata=EventMetadata(actor="test"),
        )
    await read_everything(store, before + streams * per_stream)
