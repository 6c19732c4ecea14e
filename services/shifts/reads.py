"""The shift board (API.md, "Volunteers and shifts"): the read route."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

import asyncpg
import msgspec
from litestar import Response, get
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, QueryParameter

from events.store import EventStore
from projections import shift_board, shift_roster
from services.auth.guards import ADMIN, COORDINATOR, EVERYONE, requires_roles
from services.commands.rejections import NotFound
from services.shifts.routes import STAFF_OF_SHIFT
from services.volunteers import service as volunteers
from services.platform.problems import READ_PROBLEMS
from services.reads.read_models import ReadModels
from services.reads.routes import (
    From,
    MinPosition,
    To,
    positioned,
    time_range,
)

OpenOnly = Annotated[bool, QueryParameter(name="open")]


# A plain handler, not a Controller: the write controller serves this same path, and Litestar
# refuses two controllers on one path (each brings its own OPTIONS handler). Register it after
# that controller (services/platform/app.py).
@get("/api/shifts", guards=[requires_roles(*EVERYONE)], tags=["shifts"],
     summary="Shifts in [from, to) with claimed, capacity and waitlist counts",
     responses=READ_PROBLEMS)
async def list_shifts(
    read_models: NamedDependency[ReadModels], site_id: FromQuery[UUID | None] = None,
    start: From = None, end: To = None, open_only: OpenOnly = False,
    min_position: MinPosition = None,
) -> Response[list[dict[str, Any]]]:
    lower, upper = time_range(start, end)
    shifts, position = await read_models.at_live_position(shift_board.SHIFT_BOARD, min_position,
        lambda connection: shift_board.shifts_at_live_position(
            connection, site_id=site_id, start=lower, end=upper, open_only=open_only),
    )
    return positioned(shifts, position)


class Holder(msgspec.Struct):
    volunteer_id: UUID
    name: str | None
    """None once the volunteer's personal data is erased."""


class Waiting(msgspec.Struct):
    volunteer_id: UUID
    name: str | None
    place: int
    """1 for the first in line."""


class Served(msgspec.Struct):
    volunteer_id: UUID
    name: str | None
    walk_in: bool
    """Served without holding a place."""


class Roster(msgspec.Struct):
    shift_id: UUID
    site_id: UUID
    capacity: int
    cancelled: bool
    claimed: list[Holder]
    waitlist: list[Waiting]
    served: list[Served]
    """As last confirmed (empty until attendance is confirmed)."""


@get("/api/shifts/{shift_id:uuid}/roster", guards=[requires_roles(ADMIN, COORDINATOR),
                                                  STAFF_OF_SHIFT],
     tags=["shifts"], summary="Who holds the shift, who waits (in order), who served",
     responses=READ_PROBLEMS)
async def roster(
    shift_id: FromPath[UUID], read_models: NamedDependency[ReadModels],
    store: NamedDependency[EventStore], pool: NamedDependency[asyncpg.Pool],
    min_position: MinPosition = None,
) -> Response[Roster]:
    row, position = await read_models.read(
        shift_roster.SHIFT_ROSTER, min_position,
        lambda connection: shift_roster.roster(connection, shift_id))
    if row is None:
        raise NotFound("shift_id", "not in the roster yet: ask again with min_position",
                       code="not_found")
    places, present, walk_ins = row["places"], row["present"], row["walk_ins"]
    names = await volunteers.names(
        store, pool, [*(p["volunteer_id"] for p in places), *present, *walk_ins])
    waiting = [p["volunteer_id"] for p in places if p["status"] == shift_roster.WAITLISTED]
    return positioned(Roster(
        shift_id=shift_id, site_id=row["site_id"], capacity=row["capacity"],
        cancelled=row["cancelled"],
        claimed=[Holder(p["volunteer_id"], names[p["volunteer_id"]]) for p in places
                 if p["status"] == shift_roster.CLAIMED],
        waitlist=[Waiting(v, names[v], place) for place, v in enumerate(waiting, start=1)],
        served=[*(Served(v, names[v], False) for v in present),
                *(Served(v, names[v], True) for v in walk_ins)],
    ), position)
