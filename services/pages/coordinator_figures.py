"""The coordinator's figures ("Zahlen"): a year of one site, as ``GET /api/stats/attendance``
counts it (the same rows and the same definitions, ``projections.figures``): totals, a chart of
visitors and sessions per month with its table, and the figures per month, offer and category,
volunteer hours and their value included (the funding report's hours)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from types import SimpleNamespace
from typing import Annotated, Any
from uuid import UUID

from litestar import Controller, Request, get
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter
from litestar.response import Template

from projections import attendance_stats
from services.auth.guards import ADMIN, COORDINATOR, for_site, from_path, requires_roles
from services.auth.tokens import Principal
from services.pages import coordinator_reads as reads
from services.pages.auditor import chart_sources, number
from services.pages.coordinator import no_such_site
from services.pages.i18n import language_of
from services.pages.local_time import BERLIN
from services.pages.rendering import page
from services.reads.read_models import ReadModels
from services.reads.routes import MinPosition

YEAR = Annotated[int | None, QueryParameter(name="year", ge=2000, le=2999)]
GROUPINGS = ("month", "offer", "category")


class FigurePages(Controller):
    path = "/coordinator/sites/{site_id:uuid}"
    include_in_schema = False
    guards = [requires_roles(ADMIN, COORDINATOR), for_site(from_path("site_id"))]

    @get("/statistics")
    async def statistics(
        self, site_id: FromPath[UUID], request: Request[Principal, Any, Any],
        read_models: NamedDependency[ReadModels], year: YEAR = None,
        min_position: MinPosition = None,
    ) -> Template:
        site, _ = await reads.site_and_rooms(read_models, site_id, min_position)
        if site is None:
            return no_such_site(request)
        this_year = datetime.now(BERLIN).year
        year = year or this_year
        start = datetime.combine(date(year, 1, 1), time(), BERLIN).astimezone(UTC)
        end = datetime.combine(date(year + 1, 1, 1), time(), BERLIN).astimezone(UTC)
        sites = frozenset({site_id})
        rows, _ = await read_models.read(
            attendance_stats.ATTENDANCE_STATS, min_position,
            lambda connection: attendance_stats.load_rows(connection, from_=start, to=end,
                                                          site_ids=sites))
        moment = datetime.now(UTC)
        grouped = {}
        for group_by in GROUPINGS:
            grouped[group_by], totals = attendance_stats.figures(
                rows, from_=start, to=end, group_by=group_by, now=moment, site_ids=sites)
        language = language_of(request)
        months = [SimpleNamespace(month=g.key, visitors=g.visitors,
                                  sessions_held=g.sessions_held) for g in grouped["month"]]
        return page(request, "coordinator/statistics.html", site=site, year=year,
                    years=list(range(this_year, this_year - 4, -1)), totals=totals,
                    grouped=grouped, number=number(language),
                    charts=chart_sources(SimpleNamespace(months=months), language)
                    if months else None)
