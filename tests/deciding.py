"""Given events, when a command, then events: the shape of every decider's unit test.

``when`` decides the way ``CommandHandler.handle`` does, without a store: the decider sees only
the streams its ``streams`` names (any other stream is at its start), and every event it decides
must belong to one of them. So a test of what a command decides also fails when the decider
reads or writes a stream its ``streams`` forgot.
"""

from __future__ import annotations

from typing import Any

from events.base import Event
from services.commands.decider import Decider, States, given, touched


def when(decider: Decider[Any], command: Any, *events: Event) -> list[Event]:
    """The events ``decider`` decides for ``command`` after ``events``; a rejection propagates."""
    assert type(command) in decider.commands, f"{type(command).__name__} is not its command"
    states = given(decider, *events)
    streams = touched(decider, command, states)
    decided = decider.decide(command, States({stream: states[stream] for stream in streams}))
    strays = [decider.stream_of(e).id for e in decided if decider.stream_of(e) not in streams]
    assert not strays, f"decided events for streams the command does not touch: {strays}"
    return decided


def streams_touched(decider: Decider[Any], command: Any, *events: Event) -> list[str]:
    """The ids of the streams ``command`` reads and writes after ``events``, in the order named."""
    return [stream.id for stream in touched(decider, command, given(decider, *events))]
