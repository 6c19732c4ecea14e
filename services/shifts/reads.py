"""The shift board (API.md, "Volunteers and shifts"): the read route."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from litestar import Response, get
from litestar.di import NamedDependency
from litestar.params import FromQuery, QueryParameter

from projections import shift_board
from services.auth.guards import EVERYONE, requires_roles
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
