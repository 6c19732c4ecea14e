"""Deciders as values: kinds of stream, each with its one fold, and the streams a command touches.

A command reads and writes streams of several kinds (a claim: the shift's and the volunteer's).
A ``StreamKind`` is one kind: how its ids are spelt, its one fold (``initial``, ``evolve``) and
the events it holds. A ``Decider`` is what an area exports: the kinds it reads and writes,
``streams(command, loaded)`` naming the streams a command needs, and a pure
``decide(command, states)``. ``CommandHandler.handle`` loads exactly those streams, decides, and
appends each event to its stream with the version it was read at, so there is no glue per
command, and a unit test can ask which streams a command touches (``touched``).

Which streams some commands touch depends on what others hold: releasing a place reads the
waitlisted volunteers' streams, named by the shift's. ``streams`` is therefore asked again with
what has been loaded, until it names nothing new; most commands ignore ``loaded``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar

from events.base import Event

S = TypeVar("S")
C = TypeVar("C")


def _now(event: Event, now: datetime) -> datetime:
    return now


@dataclass(frozen=True, eq=False)
class StreamKind(Generic[S]):
    """One kind of stream (``shift-<id>``): its fold, and which field of each event it holds
    names the stream. Compared by identity."""

    prefix: str
    initial: S
    evolve: Callable[[S, Event], S]
    holds: Mapping[type[Event], str]
    """Event type -> the field holding the id of the stream the event belongs to."""
    occurred_at: Callable[[Event, datetime], datetime] = _now
    """When an event of this stream happened in the world (by default when it is decided;
    visitors were there when their occurrence began, whenever they are counted)."""

    def __call__(self, key: object) -> Stream[S]:
        return Stream(self, f"{self.prefix}-{key}")

    def of(self, event: Event) -> Stream[S]:
        return self(getattr(event, self.holds[type(event)]))


@dataclass(frozen=True, slots=True)
class Stream(Generic[S]):
    """A stream of a kind: ``SHIFT(shift_id)``."""

    kind: StreamKind[S]
    id: str


class States(dict[Stream[Any], Any]):
    """The state of each stream a command touches; a stream not (yet) loaded is at its start."""

    def __missing__(self, stream: Stream[S]) -> S:
        return stream.kind.initial

    def __getitem__(self, stream: Stream[S]) -> S:  # typed: SHIFT(id) gives a ShiftState
        return super().__getitem__(stream)  # type: ignore[no-any-return]

    def fold(self, stream: Stream[Any], event: Event) -> None:
        self[stream] = stream.kind.evolve(self[stream], event)


@dataclass(frozen=True, eq=False)
class Decider(Generic[C]):
    """What an area decides.

    ``commands`` are the command types it decides; ``kinds`` are the kinds of stream its
    commands read or write (each event type held by exactly one of them);
    ``streams(command, loaded)`` names every stream a command reads or writes;
    ``decide(command, states)`` is pure and raises a ``Rejection`` or returns the events."""

    commands: tuple[type[C], ...]
    kinds: tuple[StreamKind[Any], ...]
    streams: Callable[[C, States], Iterable[Stream[Any]]]
    decide: Callable[[C, States], list[Event]]
    _holder: dict[type[Event], StreamKind[Any]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        holder: dict[type[Event], StreamKind[Any]] = {}
        for kind in self.kinds:
            for event_type in kind.holds:
                if holder.setdefault(event_type, kind) is not kind:
                    raise TypeError(f"{event_type.__name__} is held by two kinds of stream")
        object.__setattr__(self, "_holder", holder)

    def occurred_at(self, event: Event, now: datetime) -> datetime:
        return self._holder[type(event)].occurred_at(event, now)

    def stream_of(self, event: Event) -> Stream[Any]:
        try:
            return self._holder[type(event)].of(event)
        except KeyError:
            raise TypeError(f"{type(event).__name__} is in no stream of this decider") from None


def touched(decider: Decider[C], command: C, given: States | None = None) -> list[Stream[Any]]:
    """Every stream ``command`` reads or writes, on the states ``given`` (folded events)."""
    states = given if given is not None else States()
    seen: dict[Stream[Any], None] = {}
    while True:
        new = [stream for stream in decider.streams(command, _loaded(states, seen))
               if stream not in seen]
        if not new:
            return list(seen)
        seen.update(dict.fromkeys(new))


def _loaded(states: States, streams: Iterable[Stream[Any]]) -> States:
    return States({stream: states[stream] for stream in streams})


def given(decider: Decider[Any], *events: Event) -> States:
    """The states of the streams ``events`` belong to, each folded in order (for tests)."""
    states = States()
    for event in events:
        states.fold(decider.stream_of(event), event)
    return states
