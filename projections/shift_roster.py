"""Each shift's roster: the shift (title, times, places, required qualifications, session),
who holds it, who waits (in the order they joined), and who served when (the latest
confirmation's actual times, else the shift's); a cancelled shift stays, marked.

Volunteers are kept by id only (names are decrypted when read, and gone once a volunteer is
erased). The waitlist's order is the order of the events that put each volunteer on it, so this
read model's evolve step sees each event's position (``since``). A title PostgreSQL cannot hold
is written made safe, as in every read model (``projections/repairs.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any
from uuid import UUID

import asyncpg
import msgspec

from events.base import Event, PositionedEvent
from events.shifts import (
    ShiftAttendanceConfirmed,
    ShiftCancelled,
    ShiftClaimed,
    ShiftClaimReleased,
    ShiftCreated,
    ShiftWaitlisted,
    ShiftWaitlistLeft,
)
from projections import repairs
from projections.pipeline import Pipeline
from projections.row_changes import Delete, RowChange, Schema, Update, Upsert, statements

SHIFTS, PLACES, TIMES = "shift_roster_shifts", "shift_roster", "shift_roster_times"
CLAIMED, WAITLISTED = "claimed", "waitlisted"
SCHEMA = Schema(keys={SHIFTS: ("shift_id",), PLACES: ("shift_id", "volunteer_id"),
                      TIMES: ("shift_id", "volunteer_id")},
                defaults={SHIFTS: {"cancelled": False, "present": [], "walk_ins": [],
                                   "confirmed": False}})

Step = Callable[[Any, int], list[RowChange]]
_STEPS: dict[type[Event], Step] = {}


def _on(*kinds: type[Event]) -> Callable[[Step], Step]:
    def register(step: Step) -> Step:
        _STEPS.update(dict.fromkeys(kinds, step))
        return step
    return register


def _place(event: Any) -> dict[str, UUID]:
    return {"shift_id": event.shift_id, "volunteer_id": event.volunteer_id}


@_on(ShiftCreated)
def _created(event: ShiftCreated, position: int) -> list[RowChange]:
    return [Upsert(SHIFTS, {"shift_id": event.shift_id}, {
        "site_id": event.site_id, "capacity": event.capacity, "title": event.title,
        "starts_at": event.starts_at, "ends_at": event.ends_at,
        "required_qualifications": list(event.required_qualifications),
        "session_id": event.session_id})]


@_on(ShiftClaimed)
def _claimed(event: ShiftClaimed, position: int) -> list[RowChange]:
    return [Upsert(PLACES, _place(event), {"status": CLAIMED, "since": position})]


@_on(ShiftWaitlisted)
def _waitlisted(event: ShiftWaitlisted, position: int) -> list[RowChange]:
    return [Upsert(PLACES, _place(event), {"status": WAITLISTED, "since": position})]


@_on(ShiftClaimReleased, ShiftWaitlistLeft)
def _gone(event: ShiftClaimReleased | ShiftWaitlistLeft, position: int) -> list[RowChange]:
    return [Delete(PLACES, _place(event))]


@_on(ShiftAttendanceConfirmed)
def _served(event: ShiftAttendanceConfirmed, position: int) -> list[RowChange]:
    # A later confirmation replaces the earlier one: each person it names gets its time again
    # (a time left from an earlier one is of someone no longer named, and never read).
    return [Update(SHIFTS, {"shift_id": event.shift_id}, {
        "present": list(event.present), "walk_ins": list(event.walk_ins), "confirmed": True}),
            *(Upsert(TIMES, {"shift_id": event.shift_id, "volunteer_id": volunteer_id}, {
                "started_at": span.started_at if span else event.starts_at,
                "ended_at": span.ended_at if span else event.ends_at})
              for volunteer_id in (*event.present, *event.walk_ins)
              for span in [event.times.get(volunteer_id)])]


@_on(ShiftCancelled)
def _cancelled(event: ShiftCancelled, position: int) -> list[RowChange]:
    return [Update(SHIFTS, {"shift_id": event.shift_id}, {"cancelled": True}),
            *(Delete(PLACES, {"shift_id": event.shift_id, "volunteer_id": volunteer_id})
              for volunteer_id in (*event.released, *event.waitlist))]


def changes(events: Sequence[PositionedEvent]) -> list[RowChange]:
    """The row changes of a batch (pure: each event and its position)."""
    return [change for recorded in events
            if (step := _STEPS.get(type(recorded.event))) is not None
            for change in step(recorded.event, recorded.position)]


class RosterProjection:
    """A read model like ``RowProjection``, whose steps also see each event's position."""

    name = "shift_roster"
    tables = {
        SHIFTS: """shift_id uuid PRIMARY KEY, site_id uuid NOT NULL, capacity integer NOT NULL,
                   title text NOT NULL, starts_at timestamptz NOT NULL,
                   ends_at timestamptz NOT NULL, required_qualifications text[] NOT NULL,
                   session_id uuid, cancelled boolean NOT NULL, present uuid[] NOT NULL,
                   walk_ins uuid[] NOT NULL, confirmed boolean NOT NULL""",
        PLACES: """shift_id uuid NOT NULL, volunteer_id uuid NOT NULL, status text NOT NULL,
                   since bigint NOT NULL, PRIMARY KEY (shift_id, volunteer_id)""",
        TIMES: """shift_id uuid NOT NULL, volunteer_id uuid NOT NULL,
                  started_at timestamptz NOT NULL, ended_at timestamptz NOT NULL,
                  PRIMARY KEY (shift_id, volunteer_id)""",
    }
    indexes: tuple[str, ...] = ()
    event_types = frozenset(kind.__struct_config__.tag for kind in _STEPS)  # type: ignore[misc]

    async def apply(self, connection: Pipeline, tables: Mapping[str, str],
                    events: Sequence[PositionedEvent]) -> None:
        planned = statements(tables, SCHEMA, changes(events))
        if any(repairs.NUL_IN_JSON in rows for _, rows in planned):
            events, made = repairs.repair_batch(self.name, events, _rows_of)
            planned = statements(tables, SCHEMA, changes(events))
            await repairs.record(connection, made)
        for sql, rows in planned:
            await connection.execute(sql, rows.decode())


_encode = msgspec.json.Encoder().encode


def _rows_of(event: Event) -> bytes:
    step = _STEPS.get(type(event))
    return _encode(step(event, 0) if step else [])


SHIFT_ROSTER = RosterProjection()


async def roster(connection: asyncpg.Connection, shift_id: UUID) -> dict[str, Any] | None:
    """The shift (site, title, times, capacity, required qualifications, session), whether it
    is cancelled, its places in order (``claimed`` first, then the waitlist), whether its
    attendance was ``confirmed``, who served (``present``, ``walk_ins``) and the ``times`` each
    served; None for a shift not (yet) in the read model."""
    shift = await connection.fetchrow(
        """SELECT shift_id, site_id, title, starts_at, ends_at, capacity,
                  required_qualifications, session_id, cancelled, present, walk_ins, confirmed
             FROM shift_roster_shifts WHERE shift_id = $1""", shift_id)
    if shift is None:
        return None
    places = await connection.fetch(
        """SELECT volunteer_id, status FROM shift_roster WHERE shift_id = $1
            ORDER BY status, since""", shift_id)
    times = await connection.fetch(
        """SELECT volunteer_id, started_at, ended_at FROM shift_roster_times
            WHERE shift_id = $1""", shift_id)
    return {**dict(shift), "places": [dict(row) for row in places],
            "times": {row["volunteer_id"]: (row["started_at"], row["ended_at"])
                      for row in times}}
