"""The funding report and its changes (API.md, "Statistics, reports and audit")."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any
from uuid import UUID

from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency
from litestar.params import FromQuery, QueryParameter

from litestar.handlers.base import BaseRouteHandler

from services.auth.guards import (
    ADMIN,
    Connection,
    AUDITOR,
    COORDINATOR,
    for_site,
    from_query,
    requires_roles,
)
from services.auth.tokens import Principal
from services.problems import READ_PROBLEMS
from services.rejections import Invalid
from services.reports import formats
from services.reports.funding import (
    FundingChanges,
    FundingReport,
    Period,
    funding_changes,
    funding_report,
)
from services.resources import Resources

_NAMED_SITE = for_site(from_query("site_id"), also=(AUDITOR,))


async def named_site_is_own(connection: Connection, handler: BaseRouteHandler) -> None:
    """A coordinator may name only its own sites; naming none reads all of its own."""
    if "site_id" in connection.query_params:
        await _NAMED_SITE(connection, handler)


MEDIA = {"json": "application/json", "csv": "text/csv; charset=utf-8", "pdf": "application/pdf"}
FirstDay = Annotated[str | None, QueryParameter(name="from", required=False)]
LastDay = Annotated[str | None, QueryParameter(name="to", required=False)]


def parse_day(field: str, value: str | None, default: date) -> date:
    if value is None:
        return default
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise Invalid(field, "must be a date like 2026-03-31", code="invalid_date") from None


def parse_instant(field: str, value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise Invalid(field, "must be an RFC 3339 instant with offset", code="invalid") from None
    if moment.tzinfo is None:
        raise Invalid(field, "needs a UTC offset, e.g. 2026-05-01T12:00:00+02:00",
                      code="offset_required")
    return moment.astimezone(UTC)


def period_of(first: str | None, last: str | None) -> Period:
    today = datetime.now(UTC).date()
    period = Period(first_day=parse_day("from", first, date(today.year, 1, 1)),
                    last_day=parse_day("to", last, date(today.year, 12, 31)))
    if period.last_day < period.first_day:
        raise Invalid("to", "must not be before from", code="range")
    if (period.last_day - period.first_day).days > 366 * 10:
        raise Invalid("to", "a period may span at most ten years", code="range")
    return period


def wanted_format(request: Request[Any, Any, Any], asked: str | None) -> str:
    if asked is not None:
        if asked not in MEDIA:
            raise Invalid("format", "must be json, csv or pdf", code="unknown_format")
        return asked
    accept = request.headers.get("accept", "")
    for name in ("pdf", "csv"):
        if MEDIA[name].split(";")[0] in accept:
            return name
    return "json"


class ReportsController(Controller):
    path = "/api/reports"
    tags = ["reports"]

    @get(
        "/funding",
        guards=[requires_roles(ADMIN, COORDINATOR, AUDITOR), named_site_is_own],
        summary="The funding proof (Verwendungsnachweis), as of any instant; JSON, CSV or PDF",
        responses=READ_PROBLEMS,
    )
    async def funding(
        self,
        request: Request[Principal, Any, Any],
        resources: NamedDependency[Resources],
        first_day: FirstDay = None,
        last_day: LastDay = None,
        site_id: FromQuery[UUID | None] = None,
        as_of: FromQuery[str | None] = None,
        format: FromQuery[str | None] = None,
    ) -> Response[Any]:
        period = period_of(first_day, last_day)
        instant = parse_instant("as_of", as_of)
        chosen = wanted_format(request, format)
        report = await funding_report(resources.store, period, instant,
                                      sites_visible_to(request.user, site_id))
        return render(report, chosen)

    @get(
        "/funding/changes",
        guards=[requires_roles(ADMIN, AUDITOR)],
        summary="What changed in a period's figures between two instants, and why",
        responses=READ_PROBLEMS,
    )
    async def changes(
        self,
        resources: NamedDependency[Resources],
        since: FromQuery[str],
        first_day: FirstDay = None,
        last_day: LastDay = None,
        until: FromQuery[str | None] = None,
    ) -> FundingChanges:
        period = period_of(first_day, last_day)
        start = parse_instant("since", since)
        end = parse_instant("until", until) or datetime.now(UTC)
        assert start is not None
        if end <= start:
            raise Invalid("until", "must be after since", code="range")
        return await funding_changes(resources.store, period, start, end)


def sites_visible_to(principal: Principal, site_id: UUID | None) -> frozenset[UUID] | None:
    """The named site (the guard checked it), else every site — a coordinator's own only."""
    if site_id is not None:
        return frozenset({site_id})
    return frozenset(principal.site_ids) if principal.role == COORDINATOR else None


def render(report: FundingReport, chosen: str) -> Response[Any]:
    name = f"verwendungsnachweis_{report.from_}_{report.to}"
    headers = {"X-Ledger-Head": f"{report.ledger_head.seq}:{report.ledger_head.hash or ''}"}
    if chosen == "csv":
        return Response(formats.as_csv(report), media_type=MEDIA["csv"], headers={
            **headers, "Content-Disposition": f'attachment; filename="{name}.csv"'})
    if chosen == "pdf":
        return Response(formats.as_pdf(report), media_type=MEDIA["pdf"], headers={
            **headers, "Content-Disposition": f'attachment; filename="{name}.pdf"'})
    return Response(report, media_type=MEDIA["json"], headers=headers)
