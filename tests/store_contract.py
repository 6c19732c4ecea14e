"""The contract of an event store (``events.interface.Store``), for every implementation.

``StoreContract`` is subclassed once per store, each with a ``contract_store`` fixture: in the
unit tier for the in-memory store (tests/unit/test_store_contract.py), in the integration tier
for PostgreSQL (tests/integration/test_store_contract.py). What only PostgreSQL can show (the
read barrier under concurrent transactions, races, the append-only triggers, NOTIFY) is tested
in tests/integration/test_event_store.py and test_ledger.py. Reads in global order wait for
what they expect (``read_everything``): on PostgreSQL another session's open transaction can hold
the read barrier back for a moment.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from uuid import UUID, uuid4

import msgspec
import pytest

from events.base import Event, EventMetadata, EventRegistry
from events.hashing import digest_of, event_hash
from events.interface import (
    ConcurrencyError,
    EventIdsPartlyStored,
    PendingEvent,
    Store,
    StreamWrite,
)
from tests.helpers import read_everything

METADATA = EventMetadata(
    actor="account:test", correlation_id="corr-1", causation_id="cause-1", idempotency_key="idem-1"
)
# A session held in the past: what happened in the world, not when it was recorded.
HAPPENED = datetime(2024, 5, 4, 18, 30, 15, 250_000, tzinfo=UTC)


class Noted(Event, tag="test.noted", frozen=True, kw_only=True):
    text: str


class Counted(Event, tag="test.counted", frozen=True, kw_only=True):
    visitors: int


class LabelledV1(Event, tag="test.labelled", frozen=True, kw_only=True):
    label: str


class LabelledV2(Event, tag="test.labelled", frozen=True, kw_only=True):
    schema_version = 2
    name: str
    village: str


def contract_registry() -> EventRegistry:
    """The events of the contract, with ``test.labelled`` at version 1."""
    registry = EventRegistry()
    registry.register(Noted, Counted, LabelledV1)
    return registry


def registry_at_v2() -> EventRegistry:
    """The same events, ``test.labelled`` at version 2 with its upcaster from 1."""
    registry = EventRegistry()
    registry.register(Noted, Counted, LabelledV2)

    @registry.upcaster("test.labelled", from_version=1)
    def split_label(old: dict[str, Any]) -> dict[str, Any]:
        name, _, village = old["label"].partition(" in ")
        return {"type": old["type"], "name": name, "village": village}

    return registry


def noted(text: str = "x", occurred_at: datetime = HAPPENED, event_id: UUID | None = None):
    return PendingEvent(
        event=Noted(text=text), occurred_at=occurred_at, event_id=event_id or uuid4()
    )


def write(stream: str, expected: int, *texts: str) -> StreamWrite:
    return StreamWrite(stream, expected, [noted(text) for text in texts or ("x",)])


async def version_of(store: Store, stream: str) -> int:
    events = await store.read_stream(stream)
    return events[-1].stream_version if events else 0


class StoreContract:
    """What every store does. Subclasses provide the fixture ``contract_store`` (a store over
    ``contract_registry()``, empty) and ``store_over(registry)`` (another store over the same
    history, reading it with another registry)."""

    @pytest.fixture
    def store(self, contract_store: Store) -> Store:
        return contract_store

    def store_over(self, store: Store, registry: EventRegistry) -> Store:
        raise NotImplementedError

    # --- appending -----------------------------------------------------------------------------

    async def test_an_append_stores_every_field_and_reads_it_back(self, store):
        berlin = timezone(timedelta(hours=2))
        result = await store.append(
            StreamWrite("note-1", 0, [noted("a"), noted("b", HAPPENED.astimezone(berlin))]),
            metadata=METADATA,
        )

        events = await store.read_stream("note-1")
        assert [e.event for e in events] == [Noted(text="a"), Noted(text="b")]
        assert [e.stream_version for e in events] == [1, 2]
        assert [e.stream_id for e in events] == ["note-1", "note-1"]
        assert result.position == events[-1].position and not result.replayed
        assert events[0].position < events[1].position
        for event in events:
            assert event.type == "test.noted" and event.schema_version == 1
            assert event.event_metadata == METADATA
            assert event.data == msgspec.json.encode(event.event)
            assert event.occurred_at == HAPPENED  # the same instant, whatever offset it came in
            assert event.recorded_at.tzinfo is not None and event.recorded_at > HAPPENED
        assert events[0].prev_hash is None and events[1].prev_hash == events[0].hash

    async def test_metadata_with_only_an_actor_round_trips(self, store):
        await store.append(write("note-1", 0), metadata=EventMetadata(actor="system"))
        [event] = await store.read_stream("note-1")
        assert event.metadata == b'{"actor":"system"}'
        assert event.event_metadata == EventMetadata(actor="system")

    async def test_a_stream_is_read_after_a_version(self, store):
        await store.append(write("note-1", 0, "a", "b"), metadata=METADATA)
        await store.append(write("note-1", 2, "c"), metadata=METADATA)
        await store.append(write("note-2", 0, "other"), metadata=METADATA)
        assert [e.event.text for e in await store.read_stream("note-1", after_version=1)] == [
            "b", "c"]
        assert await store.read_stream("note-1", after_version=3) == []
        assert await store.read_stream("nobody") == []

    async def test_several_streams_are_read_at_once_each_after_its_version(self, store):
        await store.append(write("note-1", 0, "a", "b"), metadata=METADATA)
        await store.append(write("note-2", 0, "other"), write("note-1", 2, "c"), metadata=METADATA)
        await store.append(write("note-0", 0, "x", "y", "z"), metadata=METADATA)
        read = await store.read_streams([("note-2", 0), ("note-1", 1), ("nobody", 0),
                                         ("note-0", 2)])
        assert [[e.event.text for e in events] for events in read] == [
            ["other"], ["b", "c"], [], ["z"]]
        assert read[1] == await store.read_stream("note-1", after_version=1)
        assert await store.read_streams([("note-1", 0)]) == [await store.read_stream("note-1")]
        assert await store.read_streams([]) == []
        with pytest.raises(ValueError):
            await store.read_streams([("note-1", 0), ("note-1", 2)])

    async def test_each_event_hash_chains_the_digest_of_its_content_to_its_predecessor(self, store):
        await store.append(write("note-1", 0, "a", "b"), metadata=METADATA)
        await store.append(write("note-1", 2, "c"), write("note-2", 0, "d"), metadata=METADATA)
        for stream in ("note-1", "note-2"):
            previous = None
            for event in await store.read_stream(stream):
                assert event.prev_hash == previous
                assert event.hash == event_hash(previous, digest_of(event))
                previous = event.hash

    async def test_the_same_append_hashes_to_the_known_values_in_every_store(self, store):
        """A known answer for the whole path: encoding of data and metadata, digest, chain."""
        ids = [UUID(f"00000000-0000-0000-0000-00000000000{n}") for n in (1, 2)]
        await store.append(
            StreamWrite("session-7", 0, [
                PendingEvent(event=Counted(visitors=12), occurred_at=HAPPENED, event_id=ids[0]),
                PendingEvent(event=Counted(visitors=13), occurred_at=HAPPENED, event_id=ids[1]),
            ]),
            metadata=EventMetadata(actor="account:1", idempotency_key="k"),
        )
        first, second = await store.read_stream("session-7")
        assert first.data == b'{"type":"test.counted","visitors":12}'
        assert first.metadata == b'{"actor":"account:1","idempotency_key":"k"}'
        assert first.hash.hex() == (
            "0da915a0cda373852a47661bb117329dfb495259ffea704a12fc745013a0de99")
        assert second.hash.hex() == (
            "bba7df79337dd1aa53ce35be68526cf96078cd65998f136ad36ab58124bd2580")

    async def test_an_append_to_several_streams_is_one_transaction(self, store):
        await store.append(write("note-a", 0), metadata=METADATA)
        result = await store.append(
            write("note-a", 1, "a2"), write("note-b", 0, "b1", "b2"), write("note-c", 0, "c1"),
            metadata=METADATA,
        )
        assert result.position == await store.newest_position()
        assert [await version_of(store, s) for s in ("note-a", "note-b", "note-c")] == [2, 2, 1]
        together = await store.read_append((await store.read_stream("note-c"))[0].event_id)
        assert sorted((e.stream_id, e.stream_version) for e in together) == [
            ("note-a", 2), ("note-b", 1), ("note-b", 2), ("note-c", 1)]
        assert len({e.transaction_id for e in together}) == 1
        assert [e.position for e in together] == sorted(e.position for e in together)
        assert together[-1].position == result.position
        [alone] = await store.read_append((await store.read_stream("note-a"))[0].event_id)
        assert alone.stream_version == 1 and alone.transaction_id != together[0].transaction_id
        assert await store.read_append(uuid4()) == []

    async def test_a_wrong_expected_version_on_any_one_of_several_streams_writes_nothing(
        self, store
    ):
        await store.append(write("s-0", 0), write("s-1", 0, "a", "b"), metadata=METADATA)
        for wrong_stream in range(3):
            expected = [1, 2, 0]  # s-0 holds 1 event, s-1 holds 2, s-2 is new
            expected[wrong_stream] += 1
            with pytest.raises(ConcurrencyError) as error:
                await store.append(
                    *(write(f"s-{i}", version, "new") for i, version in enumerate(expected)),
                    metadata=METADATA,
                )
            assert error.value.stream_id == f"s-{wrong_stream}"
            assert await store.count() == 3
            assert [await version_of(store, f"s-{i}") for i in range(3)] == [1, 2, 0]

    async def test_a_wrong_expected_version_writes_nothing(self, store):
        await store.append(write("note-1", 0), metadata=METADATA)
        for wrong in (0, 2, 5):
            with pytest.raises(ConcurrencyError):
                await store.append(write("note-1", wrong, "late"), metadata=METADATA)
        with pytest.raises(ConcurrencyError):
            await store.append(write("never-written", 1), metadata=METADATA)
        assert await store.count() == 1

    async def test_an_append_naming_one_event_id_twice_is_refused(self, store):
        twice = noted("twice")
        with pytest.raises(ValueError, match="event id"):
            await store.append(StreamWrite("note-1", 0, [twice, twice]), metadata=METADATA)
        with pytest.raises(ValueError, match="event id"):
            await store.append(
                StreamWrite("note-1", 0, [twice]), StreamWrite("note-2", 0, [twice]),
                metadata=METADATA,
            )
        assert await store.count() == 0

    async def test_bad_appends_are_refused_before_anything_is_written(self, store):
        with pytest.raises(ValueError):
            await store.append(metadata=METADATA)
        with pytest.raises(ValueError):
            await store.append(StreamWrite("n", 0, []), metadata=METADATA)
        with pytest.raises(ValueError):
            await store.append(write("n", 0), write("n", 0), metadata=METADATA)
        with pytest.raises(ValueError):
            await store.append(write("n", -1), metadata=METADATA)
        with pytest.raises(ValueError, match="UTC offset"):
            await store.append(
                StreamWrite("n", 0, [noted(occurred_at=datetime(2026, 3, 2, 17, 0))]),
                metadata=METADATA,
            )
        assert await store.count() == 0

    # --- idempotency ---------------------------------------------------------------------------

    async def test_a_retried_append_with_the_same_event_ids_stores_nothing_new(self, store):
        pending = [noted("a"), noted("b")]
        first = await store.append(StreamWrite("note-1", 0, pending), metadata=METADATA)
        again = await store.append(StreamWrite("note-1", 0, pending), metadata=METADATA)
        assert not first.replayed
        assert again.replayed and again.position == first.position
        assert await store.count() == 2

    async def test_a_retry_after_the_stream_moved_on_is_still_a_replay(self, store):
        pending = [noted("first")]
        first = await store.append(StreamWrite("note-1", 0, pending), metadata=METADATA)
        await store.append(write("note-1", 1, "second"), metadata=METADATA)
        again = await store.append(StreamWrite("note-1", 0, pending), metadata=METADATA)
        assert again.replayed and again.position == first.position
        assert await store.count() == 2

    async def test_reusing_some_stored_event_ids_with_new_ones_is_refused_and_writes_nothing(
        self, store
    ):
        stored = noted("a")
        await store.append(StreamWrite("note-1", 0, [stored]), metadata=METADATA)
        with pytest.raises(EventIdsPartlyStored):
            await store.append(StreamWrite("note-1", 1, [stored, noted("b")]), metadata=METADATA)
        assert await store.count() == 1

    # --- reading everything in global order ----------------------------------------------------

    async def test_everything_is_read_in_order_from_any_position_in_pages(self, store):
        for n in range(5):
            await store.append(write(f"note-{n % 2}", n // 2, str(n)), metadata=METADATA)
        everything = await read_everything(store, 5)
        assert [e.event.text for e in everything] == ["0", "1", "2", "3", "4"]
        assert [e.position for e in await store.read_all(everything[1].position, limit=2)] == [
            e.position for e in everything[2:4]]
        assert await store.read_all(everything[-1].position) == []
        assert await store.head_position() == everything[-1].position
        assert await store.newest_position() == everything[-1].position

    async def test_read_events_decodes_only_the_types_asked_for_and_keeps_the_others_place(
        self, store
    ):
        await store.append(write("note-1", 0, "a"), metadata=METADATA)
        await store.append(
            StreamWrite("session-1", 0, [PendingEvent(event=Counted(visitors=3),
                                                      occurred_at=HAPPENED)]),
            metadata=METADATA,
        )
        await read_everything(store, 2)
        every = await store.read_events()
        assert [e.event for e in every] == [Noted(text="a"), Counted(visitors=3)]
        some = await store.read_events(types={"test.counted"})
        assert [e.position for e in some] == [e.position for e in every]
        assert [e.event for e in some] == [None, Counted(visitors=3)]
        assert await store.read_events(every[0].position, limit=5) == every[1:]

    async def test_the_order_of_positions_is_the_read_order(self, store):
        first = (await store.append(write("note-1", 0), metadata=METADATA)).position
        second = (await store.append(write("note-2", 0), metadata=METADATA)).position
        assert await store.is_at_or_before(first, second)
        assert await store.is_at_or_before(second, second)
        assert not await store.is_at_or_before(second, first)
        assert await store.is_at_or_before(0, 0) and not await store.is_at_or_before(first, 0)
        assert not await store.is_at_or_before(second + 1000, second)

    async def test_an_empty_store_is_at_position_zero_and_behind_by_nothing(self, store):
        assert await store.head_position() == 0 and await store.newest_position() == 0
        assert await store.read_all() == [] and await store.count() == 0
        lag = await store.lag_after(0)
        assert (lag.events, lag.seconds) == (0, 0.0)

    async def test_the_lag_after_a_position_counts_the_readable_events_after_it(self, store):
        first = (await store.append(write("note-1", 0), metadata=METADATA)).position
        await store.append(write("note-1", 1, "b", "c"), metadata=METADATA)
        await read_everything(store, 3)
        assert (await store.lag_after(0)).events == 3
        behind = await store.lag_after(first)
        assert behind.events == 2 and behind.seconds >= 0
        assert (await store.lag_after(await store.head_position())).events == 0

    async def test_events_of_some_types_are_read_since_a_horizon(self, store):
        horizon, found = await store.read_types_since(
            ["test.counted"], 0, recorded_within=timedelta(hours=1))
        assert found == []
        await store.append(write("note-1", 0), metadata=METADATA)
        counted = PendingEvent(event=Counted(visitors=4), occurred_at=HAPPENED)
        await store.append(StreamWrite("session-1", 0, [counted]), metadata=METADATA)
        next_horizon, found = await store.read_types_since(
            ["test.counted"], horizon, recorded_within=timedelta(hours=1))
        assert [e.event for e in found] == [Counted(visitors=4)]
        assert next_horizon >= horizon
        _, none_recent = await store.read_types_since(
            ["test.counted"], horizon, recorded_within=timedelta(0))
        assert none_recent == []

    # --- figures about the history -------------------------------------------------------------

    async def test_events_are_counted_in_all_and_by_type(self, store):
        await store.append(write("note-1", 0, "a", "b"), metadata=METADATA)
        counted = PendingEvent(event=Counted(visitors=4), occurred_at=HAPPENED)
        await store.append(StreamWrite("session-1", 0, [counted]), metadata=METADATA)
        assert await store.count() == 3
        assert await store.count_by_type() == {"test.noted": 2, "test.counted": 1}

    async def test_it_tells_whether_anyone_but_one_actor_wrote(self, store):
        assert not await store.has_events_by_others_than("system")
        await store.append(write("note-1", 0), metadata=EventMetadata(actor="system"))
        assert not await store.has_events_by_others_than("system")
        await store.append(write("note-1", 1), metadata=METADATA)
        assert await store.has_events_by_others_than("system")

    # --- upcasting -----------------------------------------------------------------------------

    async def test_a_stored_old_shape_is_upcast_when_read(self, store):
        await store.append(
            StreamWrite("place-1", 0, [PendingEvent(event=LabelledV1(label="Dorftreff in Ahlten"),
                                                    occurred_at=HAPPENED)]),
            metadata=METADATA,
        )
        newer = self.store_over(store, registry_at_v2())
        [from_stream], [from_all] = await newer.read_stream("place-1"), await read_everything(
            newer, 1)
        for event in (from_stream, from_all):
            assert event.event == LabelledV2(name="Dorftreff", village="Ahlten")
            assert event.schema_version == 1  # the stored row is what it was
            assert msgspec.json.decode(event.data) == {"type": "test.labelled",
                                                       "label": "Dorftreff in Ahlten"}
        # A new event is stored at the current version and read without an upcaster.
        await newer.append(
            StreamWrite("place-1", 1, [PendingEvent(
                event=LabelledV2(name="Scheune", village="Ahlten"), occurred_at=HAPPENED)]),
            metadata=METADATA,
        )
        assert [e.schema_version for e in await newer.read_stream("place-1")] == [1, 2]

    # --- the ledger ----------------------------------------------------------------------------

    async def test_sealing_chains_every_event_and_the_history_verifies(self, store):
        assert await store.ledger_head() == (0, None)
        assert (await store.verify()).ok
        await store.append(write("note-1", 0, "a", "b"), write("note-2", 0, "c"),
                           metadata=METADATA)
        await store.append(write("note-1", 2, "d"), metadata=METADATA)
        await read_everything(store, 4)
        unsealed = await store.verify()
        assert unsealed.ok and unsealed.events_checked == 4 and unsealed.head is None
        assert not await store.is_sealed(await store.head_position())

        assert await store.seal() == 4
        assert await store.seal() == 0
        seq, head = await store.ledger_head()
        assert seq == 4 and head is not None
        assert await store.ledger_hash_at(4) == head
        assert await store.ledger_hash_at(1) not in (None, head)
        assert await store.ledger_hash_at(5) is None
        assert all([await store.is_sealed(e.position) for e in await store.read_all()])
        verdict = await store.verify()
        assert verdict.ok and verdict.events_checked == 4 and verdict.head == head

        await store.append(write("note-2", 1, "e"), metadata=METADATA)
        await read_everything(store, 5)
        assert await store.seal() == 1
        assert (await store.ledger_head())[0] == 5 and await store.ledger_hash_at(4) == head
