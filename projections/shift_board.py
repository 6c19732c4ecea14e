"""The shift board: every shift with its capacity and how many hold or wait for a place."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

from events.shifts import (
    ShiftCancelled,
    ShiftClaimed,
    ShiftClaimReleased,
    ShiftCreated,
    ShiftWaitlisted,
    ShiftWaitlistLeft,
)
from projections.row_changes import (
    Delete,
    Evolve,
    Increment,
    RowChange,
    RowProjection,
    Schema,
    Upsert,
)
from projections.runner import fetch_at_live_position


SHIFTS = "shift_board"
SCHEMA = Schema(keys={SHIFTS: ("shift_id",)}, defaults={})


def _counted(shift_id: UUID, **amounts: int) -> Increment:
    """Places taken (``claimed``) and places on the waitlist change by these amounts."""
    return Increment(SHIFTS, {"shift_id": shift_id}, amounts)


evolve = Evolve()


@evolve.on(ShiftCreated)
def _listed(event: ShiftCreated) -> list[RowChange]:
    return [Upsert(SHIFTS, {"shift_id": event.shift_id}, {
        "site_id": event.site_id, "title": event.title, "starts_at": event.starts_at,
        "ends_at": event.ends_at, "capacity": event.capacity, "claimed": 0, "waitlist": 0,
        "required_qualifications": list(event.required_qualifications),
        "session_id": event.session_id})]


@evolve.on(ShiftClaimed)
def _claimed(event: ShiftClaimed) -> list[RowChange]:
    # The first on the waitlist who takes a freed place leaves the waitlist with it.
    if event.from_waitlist:
        return [_counted(event.shift_id, claimed=1, waitlist=-1)]
    return [_counted(event.shift_id, claimed=1)]


@evolve.on(ShiftWaitlisted)
def _waitlisted(event: ShiftWaitlisted) -> list[RowChange]:
    return [_counted(event.shift_id, waitlist=1)]


@evolve.on(ShiftClaimReleased)
def _released(event: ShiftClaimReleased) -> list[RowChange]:
    return [_counted(event.shift_id, claimed=-1)]


@evolve.on(ShiftWaitlistLeft)
def _left(event: ShiftWaitlistLeft) -> list[RowChange]:
    return [_counted(event.shift_id, waitlist=-1)]


@evolve.on(ShiftCancelled)
def _cancelled(event: ShiftCancelled) -> list[RowChange]:
    # A cancelled shift leaves the board (its roster says it was cancelled).
    return [Delete(SHIFTS, {"shift_id": event.shift_id})]


SHIFT_BOARD = RowProjection(
    name="shift_board",
    tables={
        "shift_board": """shift_id uuid PRIMARY KEY, site_id uuid NOT NULL, title text NOT NULL,
                          starts_at timestamptz NOT NULL, ends_at timestamptz NOT NULL,
                          capacity integer NOT NULL, claimed integer NOT NULL,
                          waitlist integer NOT NULL, required_qualifications text[] NOT NULL,
                          session_id uuid""",
    },
    indexes=(
        "CREATE INDEX ON {shift_board} (starts_at)",
        "CREATE INDEX ON {shift_board} (site_id, starts_at)",
    ),
    schema=SCHEMA,
    evolve=evolve,
)


_SHIFTS = """
SELECT shift_id AS id, site_id, title, starts_at, ends_at, capacity, claimed, waitlist,
       required_qualifications, session_id
  FROM shift_board
 WHERE ($1::uuid IS NULL OR site_id = $1)
   AND ($2::timestamptz IS NULL OR ends_at > $2)
   AND ($3::timestamptz IS NULL OR starts_at < $3)
   AND (NOT $4 OR claimed < capacity)"""


async def shifts_at_live_position(
    connection: asyncpg.Connection,
    *,
    site_id: UUID | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    open_only: bool = False,
) -> tuple[list[dict[str, Any]], int]:
    """Shifts overlapping ``[start, end)`` (``open_only``: with a free place), in time order,
    and the position they reflect."""
    return await fetch_at_live_position(
        connection, SHIFT_BOARD.name, _SHIFTS, site_id, start, end, open_only,
        order_by="starts_at, id",
    )


async def shifts(connection: asyncpg.Connection, **filters: Any) -> list[dict[str, Any]]:
    """The shifts of ``shifts_at_live_position``, without the position."""
    return (await shifts_at_live_position(connection, **filters))[0]
