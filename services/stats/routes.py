"""``GET /api/stats/attendance``: sessions held, visitors and volunteer hours, grouped.

Figures of what began in ``[from, to)`` (both required), grouped by Europe/Berlin ``month``,
``offer``, ``category`` or ``site``; what "held" means is in ``projections.figures``.
Admins and auditors read every site, or the one named by ``site_id``; a coordinator names one
of its own sites.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal
from uuid import UUID

import msgspec
from litestar import Controller, Response, get
from litestar.di import NamedDependency
from litestar.params import FromQuery, QueryParameter

from projections import attendance_stats
from services.auth.guards import AUDITOR, for_site, from_query
from services.commands.rejections import Invalid
from services.platform.problems import READ_PROBLEMS
from services.reads.read_models import ReadModels
from services.reads.routes import (
    From,
    MinPosition,
    To,
    positioned,
    time_range,
)

GroupBy = Annotated[
    Literal["month", "offer", "category", "site"], QueryParameter(name="group_by")
]


class AttendanceStats(msgspec.Struct, kw_only=True, rename={"from_": "from"}):
    from_: datetime
    to: datetime
    group_by: str
    site_id: UUID | None
    groups: list[attendance_stats.Group]
    totals: attendance_stats.Figures


class StatsController(Controller):
    path = "/api/stats"
    tags = ["statistics"]

    @get(
        "/attendance",
        guards=[for_site(from_query("site_id"), also=(AUDITOR,))],
        summary="Sessions held, visitors and volunteer hours in [from, to), grouped",
        responses=READ_PROBLEMS,
    )
    async def attendance(
        self, read_models: NamedDependency[ReadModels], start: From = None, end: To = None,
        group_by: GroupBy = "month", site_id: FromQuery[UUID | None] = None,
        min_position: MinPosition = None,
    ) -> Response[AttendanceStats]:
        lower, upper = time_range(start, end)
        if lower is None:
            raise Invalid("from", "name the start of the period", code="required")
        if upper is None:
            raise Invalid("to", "name the end of the period", code="required")
        sites = frozenset({site_id}) if site_id is not None else None
        rows, position = await read_models.read(attendance_stats.ATTENDANCE_STATS, min_position,
            lambda connection: attendance_stats.load_rows(
                connection, from_=lower, to=upper, site_ids=sites),
        )
        groups, totals = attendance_stats.figures(
            rows, from_=lower, to=upper, group_by=group_by, now=datetime.now(UTC), site_ids=sites)
        return positioned(AttendanceStats(
            from_=lower, to=upper, group_by=group_by, site_id=site_id, groups=groups,
            totals=totals), position)
