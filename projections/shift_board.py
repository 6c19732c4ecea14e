"""The shift board: every shift with its capacity and how many hold or wait for a place."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

from events.base import Event, RecordedEvent
from events.shifts import (
    ShiftClaimed,
    ShiftClaimReleased,
    ShiftCreated,
    ShiftWaitlisted,
    ShiftWaitlistLeft,
)
from projections.row_changes import RowChange, apply_changes


class ShiftListed(RowChange, frozen=True, kw_only=True):
    sql = """INSERT INTO {shift_board} VALUES ($1, $2, $3, $4, $5, $6, 0, 0, $7, $8)
             ON CONFLICT DO NOTHING"""
    shift_id: UUID
    site_id: UUID
    title: str
    starts_at: datetime
    ends_at: datetime
    capacity: int
    required_qualifications: list[str]
    session_id: UUID | None


class Counted(RowChange, frozen=True, kw_only=True):
    """Places taken and places on the waitlist change by these amounts."""

    sql = """UPDATE {shift_board} SET claimed = claimed + $2, waitlist = waitlist + $3
              WHERE shift_id = $1"""
    shift_id: UUID
    claimed: int = 0
    waitlist: int = 0


def evolve(event: Event) -> list[RowChange]:
    match event:
        case ShiftCreated():
            return [ShiftListed(
                shift_id=event.shift_id, site_id=event.site_id, title=event.title,
                starts_at=event.starts_at, ends_at=event.ends_at, capacity=event.capacity,
                required_qualifications=list(event.required_qualifications),
                session_id=event.session_id,
            )]
        case ShiftClaimed():
            # The first on the waitlist who takes a freed place leaves the waitlist with it.
            return [Counted(shift_id=event.shift_id, claimed=1,
                            waitlist=-1 if event.from_waitlist else 0)]
        case ShiftWaitlisted():
            return [Counted(shift_id=event.shift_id, waitlist=1)]
        case ShiftClaimReleased():
            return [Counted(shift_id=event.shift_id, claimed=-1)]
        case ShiftWaitlistLeft():
            return [Counted(shift_id=event.shift_id, waitlist=-1)]
    return []


class ShiftBoard:
    name = "shift_board"
    tables = {
        "shift_board": """shift_id uuid PRIMARY KEY, site_id uuid NOT NULL, title text NOT NULL,
                          starts_at timestamptz NOT NULL, ends_at timestamptz NOT NULL,
                          capacity integer NOT NULL, claimed integer NOT NULL,
                          waitlist integer NOT NULL, required_qualifications text[] NOT NULL,
                          session_id uuid""",
    }
    indexes: Sequence[str] = (
        "CREATE INDEX ON {shift_board} (starts_at)",
        "CREATE INDEX ON {shift_board} (site_id, starts_at)",
    )

    async def apply(
        self, connection: asyncpg.Connection, tables: Mapping[str, str],
        events: Sequence[RecordedEvent],
    ) -> None:
        await apply_changes(connection, tables, (c for e in events for c in evolve(e.event)))


SHIFT_BOARD = ShiftBoard()


async def shifts(
    connection: asyncpg.Connection,
    *,
    site_id: UUID | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    open_only: bool = False,
) -> list[dict[str, Any]]:
    """Shifts overlapping ``[start, end)``; ``open_only``: those with a free place."""
    rows = await connection.fetch(
        """SELECT shift_id AS id, site_id, title, starts_at, ends_at, capacity, claimed,
                  waitlist, required_qualifications, session_id
             FROM shift_board
            WHERE ($1::uuid IS NULL OR site_id = $1)
              AND ($2::timestamptz IS NULL OR ends_at > $2)
              AND ($3::timestamptz IS NULL OR starts_at < $3)
              AND (NOT $4 OR claimed < capacity)
            ORDER BY starts_at, shift_id""",
        site_id, start, end, open_only,
    )
    return [dict(row) for row in rows]
