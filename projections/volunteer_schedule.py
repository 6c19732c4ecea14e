"""Each volunteer's schedule: the shifts they hold, and those they wait for (flagged).

Only volunteer ids are kept here, never a name. The projection also knows which volunteers
exist and which were erased, so that an erased volunteer's calendar feed can be gone.
"""

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
from events.volunteers import VolunteerErased, VolunteerRegistered
from projections.row_changes import (
    Delete,
    Evolve,
    RowChange,
    RowProjection,
    Schema,
    Update,
    Upsert,
)

CLAIMED, WAITLISTED = "claimed", "waitlisted"


VOLUNTEERS = "volunteer_schedule_volunteers"
SHIFTS = "volunteer_schedule_shifts"
HOLDINGS = "volunteer_schedule"
SCHEMA = Schema(
    keys={VOLUNTEERS: ("volunteer_id",), SHIFTS: ("shift_id",),
          HOLDINGS: ("volunteer_id", "shift_id")},
    defaults={VOLUNTEERS: {"erased": False}},
)


def _holding(event: ShiftClaimed | ShiftWaitlisted | ShiftClaimReleased | ShiftWaitlistLeft
             ) -> dict[str, UUID]:
    return {"volunteer_id": event.volunteer_id, "shift_id": event.shift_id}


evolve = Evolve()


@evolve.on(VolunteerRegistered)
def _registered(event: VolunteerRegistered) -> list[RowChange]:
    return [Upsert(VOLUNTEERS, {"volunteer_id": event.volunteer_id})]


@evolve.on(VolunteerErased)
def _erased(event: VolunteerErased) -> list[RowChange]:
    return [Update(VOLUNTEERS, {"volunteer_id": event.volunteer_id}, {"erased": True})]


@evolve.on(ShiftCreated)
def _shift(event: ShiftCreated) -> list[RowChange]:
    return [Upsert(SHIFTS, {"shift_id": event.shift_id}, {
        "site_id": event.site_id, "title": event.title, "starts_at": event.starts_at,
        "ends_at": event.ends_at})]


@evolve.on(ShiftClaimed)
def _claimed(event: ShiftClaimed) -> list[RowChange]:
    return [Upsert(HOLDINGS, _holding(event), {"status": CLAIMED})]


@evolve.on(ShiftWaitlisted)
def _waitlisted(event: ShiftWaitlisted) -> list[RowChange]:
    return [Upsert(HOLDINGS, _holding(event), {"status": WAITLISTED})]


@evolve.on(ShiftClaimReleased, ShiftWaitlistLeft)
def _gone(event: ShiftClaimReleased | ShiftWaitlistLeft) -> list[RowChange]:
    return [Delete(HOLDINGS, _holding(event))]


@evolve.on(ShiftCancelled)
def _cancelled(event: ShiftCancelled) -> list[RowChange]:
    return [Delete(HOLDINGS, {"volunteer_id": volunteer_id, "shift_id": event.shift_id})
            for volunteer_id in (*event.released, *event.waitlist)]


VOLUNTEER_SCHEDULE = RowProjection(
    name="volunteer_schedule",
    tables={
        "volunteer_schedule_volunteers": "volunteer_id uuid PRIMARY KEY, erased boolean NOT NULL",
        "volunteer_schedule_shifts": """shift_id uuid PRIMARY KEY, site_id uuid NOT NULL,
                                        title text NOT NULL, starts_at timestamptz NOT NULL,
                                        ends_at timestamptz NOT NULL""",
        "volunteer_schedule": """volunteer_id uuid NOT NULL, shift_id uuid NOT NULL,
                                 status text NOT NULL, PRIMARY KEY (volunteer_id, shift_id)""",
    },
    indexes=(),
    schema=SCHEMA,
    evolve=evolve,
)


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
