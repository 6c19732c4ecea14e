"""Stored text a read model cannot hold, made safe on its way in.

Events keep what they were given, byte for byte: their hashes cover it. But PostgreSQL's text
cannot hold NUL (U+0000), and an event stored before the checks of ``services/text.py`` may
carry one in a title. Written as it is, it would fail its read model's batch on every try, for
good (a rebuild replays the same event). So a read model writes each NUL of such an event as
U+FFFD, logs the repair (the read model, the event's position and the field, never the value)
and records it in ``projection_repairs``, which ``/metrics`` counts.

Finding one costs next to nothing: a batch's rows travel to PostgreSQL as JSON, where a NUL
is spelled ``\\u0000``; only a batch whose JSON holds that looks at its events one by one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

import msgspec

from events.base import Event, PositionedEvent

log = logging.getLogger(__name__)

NUL = "\x00"
REPLACEMENT = "\ufffd"
NUL_IN_JSON = b"\\u0000"
"""How a NUL reads in JSON (a text may spell it too, escaped: then the events are looked at for
nothing, and none is repaired)."""

_RECORD = """
INSERT INTO projection_repairs (name, position, field)
SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[])
    ON CONFLICT DO NOTHING"""


class Repair(msgspec.Struct, frozen=True):
    name: str
    """The read model."""
    position: int
    field: str
    """The event's field, e.g. ``title``, ``breakdown[*]`` (a key or value of a mapping)."""


def repaired(event: Event, only: str | None = None) -> tuple[Event, list[str]]:
    """``event`` with every NUL in its text (mapping keys too) replaced by U+FFFD, or only those
    of the field ``only``; and the fields repaired."""
    fields: list[str] = []
    return _repair(event, "", fields, only), fields


def _repair(value: Any, path: str, fields: list[str], only: str | None) -> Any:
    if isinstance(value, str):
        if NUL not in value or only not in (None, path):
            return value
        fields.append(path)
        return value.replace(NUL, REPLACEMENT)
    if isinstance(value, msgspec.Struct):
        changes = {}
        for name in value.__struct_fields__:
            item = getattr(value, name)
            made_safe = _repair(item, f"{path}.{name}" if path else name, fields, only)
            if made_safe is not item:
                changes[name] = made_safe
        return msgspec.structs.replace(value, **changes) if changes else value
    before = len(fields)
    if isinstance(value, dict):
        inner = f"{path}[*]"  # never the key itself: it is data
        items: Any = {_repair(key, inner, fields, only): _repair(item, inner, fields, only)
                      for key, item in value.items()}
    elif isinstance(value, list | tuple | set | frozenset):
        items = type(value)(_repair(item, f"{path}[{index}]", fields, only)
                            for index, item in enumerate(value))
    else:
        return value
    return items if len(fields) > before else value


def repair_batch(
    name: str, events: Sequence[PositionedEvent], rows_of: Callable[[Event], bytes]
) -> tuple[list[PositionedEvent], list[Repair]]:
    """The batch with each event made safe whose rows (as ``rows_of`` encodes them) hold a NUL,
    and the repairs, each logged: the fields whose repair changes the rows."""
    safe: list[PositionedEvent] = []
    repairs: list[Repair] = []
    for recorded in events:
        event = recorded.event
        if event is not None and NUL_IN_JSON in (rows := rows_of(event)):
            made_safe, fields = repaired(event)
            for field in dict.fromkeys(fields):
                if rows_of(repaired(event, only=field)[0]) == rows:
                    continue  # a field this read model does not keep
                log.warning("read model %s: the event at position %d holds a NUL in %s; "
                            "written as U+FFFD", name, recorded.position, field)
                repairs.append(Repair(name, recorded.position, field))
            recorded = msgspec.structs.replace(recorded, event=made_safe)
        safe.append(recorded)
    return safe, repairs


async def record(connection: Any, repairs: Sequence[Repair]) -> None:
    """Record repairs in the caller's transaction (once each, however often they are made)."""
    if repairs:
        await connection.execute(_RECORD, [r.name for r in repairs],
                                 [r.position for r in repairs], [r.field for r in repairs])
