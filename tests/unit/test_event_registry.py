from __future__ import annotations

from typing import Any

import msgspec
import pytest

from events.base import Event, EventRegistry, UnknownEventType

pytestmark = pytest.mark.unit


class PlaceNamed(Event, tag="test.place_named", frozen=True, kw_only=True):
    schema_version = 2
    name: str
    village: str


def registry_with_upcaster() -> EventRegistry:
    registry = EventRegistry()
    registry.register(PlaceNamed)

    @registry.upcaster("test.place_named", from_version=1)
    def split_label(old: dict[str, Any]) -> dict[str, Any]:
        name, _, village = old.pop("label").partition(" in ")
        return {**old, "name": name, "village": village}

    return registry


def test_an_event_type_needs_an_explicit_dotted_tag():
    class Untagged(Event, frozen=True, kw_only=True):
        name: str

    with pytest.raises(TypeError, match="dotted tag"):
        EventRegistry().register(Untagged)


def test_one_tag_cannot_name_two_event_types():
    class Twin(Event, tag="test.place_named", frozen=True, kw_only=True):
        other: int

    registry = EventRegistry()
    registry.register(PlaceNamed)
    with pytest.raises(TypeError, match="already used"):
        registry.register(Twin)


def test_an_event_of_the_current_version_decodes_directly():
    data = msgspec.json.encode(PlaceNamed(name="Dorftreff", village="Ahlten"))
    assert registry_with_upcaster().decode("test.place_named", 2, data) == PlaceNamed(
        name="Dorftreff", village="Ahlten"
    )


def test_an_old_stored_shape_is_upcast_to_the_current_one_when_read():
    stored_v1 = b'{"type":"test.place_named","label":"Dorftreff in Ahlten"}'
    assert registry_with_upcaster().decode("test.place_named", 1, stored_v1) == PlaceNamed(
        name="Dorftreff", village="Ahlten"
    )


def test_an_old_shape_without_an_upcaster_is_refused_clearly():
    registry = EventRegistry()
    registry.register(PlaceNamed)
    with pytest.raises(UnknownEventType, match="no upcaster"):
        registry.decode("test.place_named", 1, b'{"type":"test.place_named","label":"x"}')


def test_an_unknown_tag_is_refused():
    with pytest.raises(UnknownEventType):
        EventRegistry().decode("test.nothing", 1, b"{}")
