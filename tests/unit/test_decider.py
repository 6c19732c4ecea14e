"""Deciders as values: which stream an event belongs to, the states a command is decided on, and
how the streams a command touches are found."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import msgspec
import pytest

from events.base import Event
from events.shifts import ShiftClaimed, VolunteerShiftClaimed
from events.sites import SiteAdded
from services.commands.catalog import DECIDERS
from services.commands.decider import Decider, States, Stream, StreamKind, given, touched
from services.shifts.decider import SHIFTS
from services.sites.state import SITE, SiteState

pytestmark = pytest.mark.unit


class Hopped(Event, tag="test.hopped", frozen=True, kw_only=True):
    """A link of a chain of streams: read ``to`` next."""

    at: str
    to: str | None = None


class Counted(Event, tag="test.counted", frozen=True, kw_only=True):
    at: str


class Follow(msgspec.Struct, frozen=True):
    start: str


HOP = StreamKind("hop", None, lambda state, event: event.to, {Hopped: "at"})
COUNT = StreamKind("count", 0, lambda state, event: state + 1, {Counted: "at"})


def decider(*kinds: StreamKind[Any], streams: Any = lambda command, loaded: []) -> Decider[Any]:
    return Decider(commands=(Follow,), kinds=kinds or (HOP, COUNT), streams=streams,
                   decide=lambda command, states: [])


def test_an_event_type_held_by_two_kinds_of_stream_is_refused():
    also_hops = StreamKind("also-hop", None, lambda state, event: state, {Hopped: "to"})
    with pytest.raises(TypeError, match="Hopped is held by two kinds of stream"):
        decider(HOP, also_hops)


def test_a_kind_named_twice_is_one_kind():
    assert decider(HOP, COUNT, HOP).stream_of(Hopped(at="a")) == HOP("a")


def test_the_stream_of_an_event_is_named_by_the_field_its_kind_holds():
    assert decider().stream_of(Hopped(at="a", to="b")) == HOP("a")
    assert HOP("a") == Stream(HOP, "hop-a") and HOP("a") != COUNT("a")
    # Both name the shift and the volunteer; each belongs to the stream its kind holds it by.
    shift, volunteer = uuid4(), uuid4()
    at = datetime(2026, 10, 10, 9, tzinfo=UTC)
    on_the_shift = ShiftClaimed(shift_id=shift, volunteer_id=volunteer)
    on_the_volunteer = VolunteerShiftClaimed(volunteer_id=volunteer, shift_id=shift,
                                             starts_at=at, ends_at=at)
    assert SHIFTS.stream_of(on_the_shift).id == f"shift-{shift}"
    assert SHIFTS.stream_of(on_the_volunteer).id == f"volunteer-{volunteer}"


def test_an_event_in_no_stream_of_the_decider_is_refused():
    with pytest.raises(TypeError, match="SiteAdded is in no stream of this decider"):
        decider().stream_of(SiteAdded(site_id=uuid4(), name="A", village="B"))


def test_a_stream_not_loaded_is_at_its_kinds_initial_state():
    site = SITE(uuid4())
    states = States()
    assert states[site] == SiteState() and states[COUNT("a")] == 0
    assert site not in states, "reading a stream not loaded does not load it"


def test_given_folds_each_event_into_its_own_stream_in_order():
    states = given(decider(), Counted(at="a"), Hopped(at="h", to="x"), Counted(at="a"),
                   Counted(at="b"), Hopped(at="h", to="y"))
    assert (states[COUNT("a")], states[COUNT("b")], states[HOP("h")]) == (2, 1, "y")
    assert states[COUNT("c")] == 0


def chain(record: list[list[str]]):
    """Streams naming the start of the chain, and the next link of every link loaded."""

    def streams(command: Follow, loaded: States) -> list[Stream[Any]]:
        record.append([stream.id for stream in loaded])
        return [HOP(command.start), *(HOP(to) for to in loaded.values() if to is not None)]

    return streams


def test_touched_asks_again_with_what_was_loaded_until_no_new_stream_is_named():
    asked: list[list[str]] = []
    follow = decider(streams=chain(asked))
    history = given(follow, Hopped(at="a", to="b"), Hopped(at="b", to="c"), Hopped(at="c"),
                    Hopped(at="elsewhere", to="a"))
    assert touched(follow, Follow("a"), history) == [HOP("a"), HOP("b"), HOP("c")]
    # Each round sees only the streams named so far, though the history holds more.
    assert asked == [[], ["hop-a"], ["hop-a", "hop-b"], ["hop-a", "hop-b", "hop-c"]]


def test_touched_ends_on_a_cycle_and_without_history():
    follow = decider(streams=chain([]))
    cycle = given(follow, Hopped(at="a", to="b"), Hopped(at="b", to="a"))
    assert touched(follow, Follow("a"), cycle) == [HOP("a"), HOP("b")]
    assert touched(follow, Follow("a")) == [HOP("a")]


def test_every_decider_folds_a_stream_of_one_prefix_with_the_same_kind():
    """One fold per stream: two areas writing to ``volunteer-<id>`` share its kind."""
    by_event: dict[type[Event], set[int]] = {}
    by_prefix: dict[str, set[int]] = {}
    for area in DECIDERS:
        for kind in area.kinds:
            by_prefix.setdefault(kind.prefix, set()).add(id(kind))
            for event_type in kind.holds:
                by_event.setdefault(event_type, set()).add(id(kind))
    assert {prefix for prefix, kinds in by_prefix.items() if len(kinds) > 1} == set()
    assert {t.__name__ for t, kinds in by_event.items() if len(kinds) > 1} == set()
