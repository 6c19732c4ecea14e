"""Each volunteer's schedule: the shifts they hold, and those they wait for (flagged).

Only volunteer ids are kept here, never a name. The projection also knows which volunteers
exist and which were erased, so that an erased volunteer's calendar feed can be gone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Literal
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
from events.volunteers import VolunteerErased, VolunteerRegistered
from projections.row_changes import RowChange, apply_changes

CLAIMED, WAITLISTED = "claimed", "waitlisted"


class VolunteerKnown(RowChange, frozen=True, kw_only=True):
    sql = "INSERT INTO {volunteer_schedule_volunteers} VALUES ($1, false) ON CONFLICT DO NOTHING"
    volunteer_id: UUID


class VolunteerGone(RowChange, frozen=True, kw_only=True):
    sql = "UPDATE {volunteer_schedule_volunteers} SET erased = true WHERE volunteer_id = $1"
    volunteer_id: UUID


class ShiftKnown(RowChange, frozen=True, kw_only=True):
    sql = """INSERT INTO {volunteer_schedule_shifts} VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT DO NOTHING"""
    shift_id: UUID
    site_id: UUID
    title: str
    starts_at: datetime
    ends_at: datetime


class Holding(RowChange, frozen=True, kw_only=True):
    """The volunteer holds a place on the shift, or waits for one."""

    sql = """INSERT INTO {volunteer_schedule} VALUES ($1, $2, $3)
             ON CONFLICT (volunteer_id, shift_id) DO UPDATE SET status = EXCLUDED.status"""
    volunteer_id: UUID
    shift_id: UUID
    status: Literal["claimed", "waitlisted"]


class NotHolding(RowChange, frozen=True, kw_only=True):
    sql = "DELETE FROM {volunteer_schedule} WHERE volunteer_id = $1 AND shift_id = $2"
    volunteer_id: UUID
    shift_id: UUID


def evolve(event: Event) -> list[RowChange]:
    match event:
        case VolunteerRegistered():
            return [VolunteerKnown(volunteer_id=event.volunteer_id)]
        case VolunteerErased():
            return [VolunteerGone(volunteer_id=event.volunteer_id)]
        case ShiftCreated():
            return [ShiftKnown(shift_id=event.shift_id, site_id=event.site_id, title=event.title,
                               starts_at=event.starts_at, ends_at=event.ends_at)]
        case ShiftClaimed():
            return [Holding(volunteer_id=event.volunteer_id, shift_id=event.shift_id,
                            status=CLAIMED)]
        case ShiftWaitlisted():
            return [Holding(volunteer_id=event.volunteer_id, shift_id=event.shift_id,
                            status=WAITLISTED)]
        case ShiftClaimReleased() | ShiftWaitlistLeft():
            return [NotHolding(volunteer_id=event.volunteer_id, shift_id=event.shift_id)]
    return []


class VolunteerSchedule:
    name = "volunteer_schedule"
    tables = {
        "volunteer_schedule_volunteers": "volunteer_id uuid PRIMARY KEY, erased boolean NOT NULL",
        "volunteer_schedule_shifts": """shift_id uuid PRIMARY KEY, site_id uuid NOT NULL,
                                        title text NOT NULL, starts_at timestamptz NOT NULL,
                                        ends_at timestamptz NOT NULL""",
        "volunteer_schedule": """volunteer_id uuid NOT NULL, shift_id uuid NOT NULL,
                                 status text NOT NULL, PRIMARY KEY (volunteer_id, shift_id)""",
    }
    indexes: Sequence[str] = ()

    async def apply(
        self, connection: asyncpg.Connection, tables: Mapping[str, str],
        events: Sequence[RecordedEvent],
    ) -> None:
        await apply_changes(connection, tables, (c for e in events for c in evolve(e.event)))


VOLUNTEER_SCHEDULE = VolunteerSchedule()


async def volunteer(connection: asyncpg.Connection, volunteer_id: UUID) -> dict[str, Any] | None:
    """``{id, erased}``, or None for a volunteer this read model has not seen."""
    row = await connection.fetchrow(
        """SELECT volunteer_id AS id, erased FROM volunteer_schedule_volunteers
            WHERE volunteer_id = $1""",
        volunteer_id,
    )
    return dict(row) if row else None


async def schedule(
    connection: asyncpg.Connection,
    volunteer_id: UUID,
    start: datetime | None = None,
    end: datetime | None = None,
) -> list[dict[str, Any]]:
    """The volunteer's shifts overlapping ``[start, end)``, each with ``status`` and
    ``waitlisted``, in time order."""
    rows = await connection.fetch(
        """SELECT s.shift_id AS id, s.shift_id, s.site_id, s.title, s.starts_at, s.ends_at,
                  h.status, h.status = 'waitlisted' AS waitlisted
             FROM volunteer_schedule h JOIN volunteer_schedule_shifts s USING (shift_id)
            WHERE h.volunteer_id = $1
              AND ($2::timestamptz IS NULL OR s.ends_at > $2)
              AND ($3::timestamptz IS NULL OR s.starts_at < $3)
            ORDER BY s.starts_at, s.shift_id""",
        volunteer_id, start, end,
    )
    return [dict(row) for row in rows]
