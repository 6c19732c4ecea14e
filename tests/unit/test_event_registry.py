from __future__ import annotations

import gc
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import msgspec
import pytest

from events.base import Event, EventRegistry, StoredEvent, UnknownEventType

pytestmark = pytest.mark.unit


class PlaceNamed(Event, tag="test.place_named", frozen=True, kw_only=True):
    """Version 1 stored one ``label`` ("Dorftreff in Ahlten"); version 2 splits it in two."""

    schema_version = 2
    name: str
    village: str


class PlaceClosed(Event, tag="test.place_closed", frozen=True, kw_only=True):
    reason: str = ""


class SessionHeld(Event, tag="test.session_held", frozen=True, kw_only=True):
    """v1: ``minutes``; v2: ``duration_minutes``; v3: adds ``attendees`` (default 0)."""

    schema_version = 3
    duration_minutes: int
    attendees: int = 0


class RoomBooked(Event, tag="test.room_booked", frozen=True, kw_only=True):
    room_id: UUID
    guests: list[str]


def registry_with_upcaster() -> EventRegistry:
    registry = EventRegistry()
    registry.register(PlaceNamed, PlaceClosed)

    @registry.upcaster("test.place_named", from_version=1)
    def split_label(old: dict[str, Any]) -> dict[str, Any]:
        name, _, village = old.pop("label").partition(" in ")
        return {**old, "name": name, "village": village}

    return registry


def test_an_event_type_needs_an_explicit_tag():
    class Untagged(Event, frozen=True, kw_only=True):
        name: str

    with pytest.raises(TypeError, match="dotted tag"):
        EventRegistry().register(Untagged)


def test_a_tag_taken_from_the_class_name_is_refused():
    class PlaceRenamed(Event, tag=True, frozen=True, kw_only=True):
        name: str

    assert PlaceRenamed.__struct_config__.tag == "PlaceRenamed"
    with pytest.raises(TypeError, match="dotted tag"):
        EventRegistry().register(PlaceRenamed)


def test_a_tag_without_a_dot_is_refused():
    class Flat(Event, tag="placenamed", frozen=True, kw_only=True):
        name: str

    with pytest.raises(TypeError, match="dotted tag"):
        EventRegistry().register(Flat)


def test_one_tag_cannot_name_two_event_types():
    class Twin(Event, tag="test.place_named", frozen=True, kw_only=True):
        other: int

    registry = EventRegistry()
    registry.register(PlaceNamed)
    with pytest.raises(TypeError, match="already used by PlaceNamed"):
        registry.register(Twin)
    assert registry.type_for("test.place_named") is PlaceNamed


def test_registering_the_same_type_again_is_harmless():
    registry = EventRegistry()
    registry.register(PlaceNamed)
    registry.register(PlaceNamed, PlaceClosed)
    assert registry.tags == ["test.place_closed", "test.place_named"]


def test_the_stored_shape_carries_the_dotted_tag_not_the_class_name():
    encoded = msgspec.json.decode(msgspec.json.encode(PlaceClosed(reason="Umbau")))
    assert encoded == {"type": "test.place_closed", "reason": "Umbau"}


def test_an_event_of_the_current_version_decodes_to_its_own_type():
    registry = registry_with_upcaster()
    assert registry.current_version("test.place_named") == 2
    named = msgspec.json.encode(PlaceNamed(name="Dorftreff", village="Ahlten"))
    closed = msgspec.json.encode(PlaceClosed(reason="Umbau"))
    assert registry.decode("test.place_named", 2, named) == PlaceNamed(
        name="Dorftreff", village="Ahlten"
    )
    assert registry.decode("test.place_closed", 1, closed) == PlaceClosed(reason="Umbau")


def test_an_old_stored_shape_is_upcast_to_the_current_one_when_read():
    stored_v1 = b'{"type":"test.place_named","label":"Dorftreff in Ahlten"}'
    event = registry_with_upcaster().decode("test.place_named", 1, stored_v1)
    assert event == PlaceNamed(name="Dorftreff", village="Ahlten")
    assert type(event) is PlaceNamed


def test_upcasters_are_applied_one_version_after_another():
    registry = EventRegistry()
    registry.register(SessionHeld)
    applied: list[int] = []

    @registry.upcaster("test.session_held", from_version=1)
    def rename_minutes(old: dict[str, Any]) -> dict[str, Any]:
        applied.append(1)
        return {"type": old["type"], "duration_minutes": old["minutes"]}

    @registry.upcaster("test.session_held", from_version=2)
    def count_attendees(old: dict[str, Any]) -> dict[str, Any]:
        applied.append(2)
        return {**old, "attendees": len(old.get("names", []))}

    v1 = b'{"type":"test.session_held","minutes":90}'
    v2 = b'{"type":"test.session_held","duration_minutes":60,"names":["a","b"]}'
    assert registry.decode("test.session_held", 1, v1) == SessionHeld(duration_minutes=90)
    assert applied == [1, 2]
    assert registry.decode("test.session_held", 2, v2) == SessionHeld(
        duration_minutes=60, attendees=2
    )
    assert applied == [1, 2, 2]


def test_the_batch_decoder_decodes_upcasts_and_refuses_as_decode_does():
    decode = registry_with_upcaster().decoder()
    stored_v1 = b'{"type":"test.place_named","label":"Dorftreff in Ahlten"}'
    place = PlaceNamed(name="Dorftreff", village="Ahlten")
    assert decode("test.place_named", 1, stored_v1) == place
    current = b'{"type":"test.place_named","name":"Dorftreff","village":"Ahlten"}'
    assert decode("test.place_named", 2, current) == place
    with pytest.raises(UnknownEventType):
        decode("test.nothing", 1, b"{}")


def test_what_a_read_decodes_is_left_out_of_the_cycle_collectors_passes():
    # Fields that would make them tracked: a UUID, a list. Untracked, a batch of thousands costs
    # the collector nothing.
    registry = EventRegistry()
    registry.register(RoomBooked)
    data = msgspec.json.encode(RoomBooked(room_id=uuid4(), guests=["Anna"]))
    event = registry.decoder()("test.room_booked", 1, data)
    now = datetime.now(UTC)
    stored = StoredEvent(
        position=1, event_id=uuid4(), stream_id="room-1", stream_version=1,
        type="test.room_booked", schema_version=1, data=data, metadata=b"{}", occurred_at=now,
        recorded_at=now, prev_hash=None, hash=b"h", event=event,
    )
    assert not gc.is_tracked(event)
    assert not gc.is_tracked(stored)


def test_an_old_shape_without_an_upcaster_is_refused_clearly():
    registry = EventRegistry()
    registry.register(PlaceNamed)
    with pytest.raises(UnknownEventType, match="no upcaster"):
        registry.decode("test.place_named", 1, b'{"type":"test.place_named","label":"x"}')


def test_an_unknown_tag_is_refused():
    with pytest.raises(UnknownEventType):
        EventRegistry().decode("test.nothing", 1, b"{}")
    with pytest.raises(UnknownEventType):
        EventRegistry().current_version("test.nothing")


def test_every_registered_event_type_of_treffpunkt_has_a_unique_dotted_tag():
    from events.catalog import build_registry

    registry = build_registry()
    assert registry.tags, "the catalog registers no event types"
    for tag in registry.tags:
        area, _, happened = tag.partition(".")
        assert area and happened, tag
        assert registry.type_for(tag).__struct_config__.tag == tag
