"""Room calendars: every occurrence of every booking of a room (plain bookings, offer sessions
and trainings all book rooms through ``room.booked``).

A cancelled occurrence stays as a row with ``cancelled = true``: the JSON calendar shows it
flagged (so a coordinator sees that the evening was called off), the .ics feed leaves it out.
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid5

import asyncpg

from events.rooms import RoomAdded, RoomBooked, RoomOccurrencesCancelled
from projections.row_changes import Evolve, RowChange, RowProjection, Schema, Update, Upsert
from projections.runner import fetch_at_live_position


ROOMS, OCCURRENCES = "room_calendar_rooms", "room_calendar"
SCHEMA = Schema(keys={ROOMS: ("room_id",), OCCURRENCES: ("booking_id", "starts_at")},
                defaults={OCCURRENCES: {"cancelled": False}})


evolve = Evolve()


@evolve.on(RoomAdded)
def _room(event: RoomAdded) -> list[RowChange]:
    return [Upsert(ROOMS, {"room_id": event.room_id},
                   {"site_id": event.site_id, "name": event.name})]


@evolve.on(RoomBooked)
def _booked(event: RoomBooked) -> list[RowChange]:
    return [
        Upsert(OCCURRENCES, {"booking_id": event.booking_id, "starts_at": o.starts_at}, {
            "ends_at": o.ends_at, "room_id": event.room_id, "title": event.title,
            "session_id": event.session_id, "training_id": event.training_id})
        for o in event.occurrences
    ]


@evolve.on(RoomOccurrencesCancelled)
def _cancelled(event: RoomOccurrencesCancelled) -> list[RowChange]:
    return [Update(OCCURRENCES, {"booking_id": event.booking_id, "starts_at": starts_at},
                   {"cancelled": True})
            for starts_at in event.occurrence_starts_at]


ROOM_CALENDAR = RowProjection(
    name="room_calendar",
    tables={
        "room_calendar_rooms": """room_id uuid PRIMARY KEY, site_id uuid NOT NULL,
                                  name text NOT NULL""",
        "room_calendar": """booking_id uuid NOT NULL, starts_at timestamptz NOT NULL,
                            ends_at timestamptz NOT NULL, room_id uuid NOT NULL,
                            title text NOT NULL, session_id uuid, training_id uuid,
                            cancelled boolean NOT NULL,
                            PRIMARY KEY (booking_id, starts_at)""",
    },
    indexes=("CREATE INDEX ON {room_calendar} (room_id, starts_at)",),
    schema=SCHEMA,
    evolve=evolve,
)


# Queries -------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=16_384)
def occurrence_id(booking_id: UUID, starts_at: datetime) -> UUID:
    """A stable id of one occurrence (an occurrence is not an entity of its own).

    Remembered: a calendar read derives one per row, and uuid5 took 8 % of an API process's
    CPU in a run of the load mix's reads."""
    return uuid5(booking_id, starts_at.astimezone(UTC).isoformat())


_OCCURRENCE_COLUMNS = """
       booking_id, title, starts_at, ends_at, cancelled,
       CASE WHEN session_id IS NOT NULL THEN 'session'
            WHEN training_id IS NOT NULL THEN 'training'
            ELSE 'booking' END AS kind,
       session_id, training_id"""

# Occurrences of room $1 overlapping [$2, $3); cancelled ones only when $4.
_OCCURRENCES_OF_ROOM = """room_id = $1
   AND ($2::timestamptz IS NULL OR ends_at > $2)
   AND ($3::timestamptz IS NULL OR starts_at < $3)
   AND ($4 OR NOT cancelled)"""

# The room (none: no row) with each of its occurrences, a row each (no occurrence: one row,
# its occurrence columns NULL).
_CALENDAR = f"""
SELECT rooms.room_id, rooms.site_id, rooms.name AS room_name, occurrence.*
  FROM room_calendar_rooms AS rooms
  LEFT JOIN LATERAL (SELECT {_OCCURRENCE_COLUMNS} FROM room_calendar
                      WHERE {_OCCURRENCES_OF_ROOM}) AS occurrence ON true
 WHERE rooms.room_id = $1"""

_OCCURRENCE_KEYS = ("booking_id", "title", "starts_at", "ends_at", "cancelled", "kind",
                    "session_id", "training_id")


def _occurrence(row: Any) -> dict[str, Any]:
    return {"id": occurrence_id(row["booking_id"], row["starts_at"]),
            **{key: row[key] for key in _OCCURRENCE_KEYS}}


async def occurrences(
    connection: asyncpg.Connection,
    room_id: UUID,
    start: datetime | None,
    end: datetime | None,
    *,
    include_cancelled: bool = True,
) -> list[dict[str, Any]]:
    """The room's occurrences overlapping the half-open range ``[start, end)``, in time order."""
    rows = await connection.fetch(
        f"""SELECT {_OCCURRENCE_COLUMNS} FROM room_calendar WHERE {_OCCURRENCES_OF_ROOM}
             ORDER BY starts_at, booking_id""",
        room_id, start, end, include_cancelled,
    )
    return [_occurrence(row) for row in rows]


async def calendar_at_live_position(
    connection: asyncpg.Connection,
    room_id: UUID,
    start: datetime | None,
    end: datetime | None,
    *,
    include_cancelled: bool = True,
) -> tuple[tuple[dict[str, Any] | None, list[dict[str, Any]]], int]:
    """``((room, occurrences), position)``: the room (None if there is none), its occurrences as
    ``occurrences`` gives them, and the position both reflect; one statement instead of three."""
    rows, position = await fetch_at_live_position(
        connection, ROOM_CALENDAR.name, _CALENDAR, room_id, start, end, include_cancelled,
        order_by="starts_at, booking_id",
    )
    if not rows:
        return (None, []), position
    room = {"id": rows[0]["room_id"], "site_id": rows[0]["site_id"], "name": rows[0]["room_name"]}
    return (room, [_occurrence(row) for row in rows if row["booking_id"] is not None]), position
