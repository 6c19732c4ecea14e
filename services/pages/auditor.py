"""The auditor's pages: the funding report for a chosen period and instant with its chart and
downloads, the changes between two instants, and the verification of the history.

They call what the API routes call (services/reports/, events/ledger.py); the period and the
instants come from form fields in Berlin wall-clock time. A field that cannot be read shows the
form again naming it.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode
from uuid import UUID

import asyncpg
import pygal
from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency
from litestar.params import FromQuery
from litestar.response import Redirect, Template
from pygal.style import Style

from events import ledger
from events.store import EventStore
from projections import directory
from services.auth.guards import ADMIN, AUDITOR, requires_roles
from services.commands.rejections import Invalid, Rejection
from services.pages.i18n import language_of, translator
from services.pages.local_time import day_only, form_value, from_form, moment_label
from services.pages.rendering import page
from services.platform.instants import require_representable
from services.platform.problems import Problem
from services.audit.routes import check_head
from services.reads.read_models import ReadModels
from services.reports.funding import (
    FundingChanges,
    FundingReport,
    Period,
    funding_changes,
    funding_report,
)
from projections.funding_report import BERLIN
from services.reports.routes import FirstDay, LastDay, period_of, render

DOWNLOADS = ("csv", "pdf")
CHANGES_LOOK_BACK = timedelta(days=30)


def instant_of(field: str, value: str | None) -> datetime | None:
    try:
        moment = from_form(value or "")
    except (ValueError, OverflowError):  # no such instant, or none in UTC (the year 1)
        raise Invalid(field, "must be a date and time", code="invalid") from None
    if moment is not None:
        require_representable(field, moment)
    return moment


CHART_SIZES = {"phone": (420, 360, 17), "desktop": (900, 320, 12)}
"""Width, height and font size: the phone's chart is drawn small with large letters, so that
its labels stay legible when the 375-pixel screen shows it."""


def chart_sources(report: FundingReport, language: str) -> dict[str, str]:
    """The chart of visitors and sessions per month, drawn by pygal for phone and desktop width,
    as data URLs for a ``<picture>``: nothing of it enters the page's markup unescaped."""
    translate = translator(language)
    sources = {}
    for size, (width, height, font) in CHART_SIZES.items():
        style = Style(background="white", plot_background="white",
                      colors=("#0b5d3b", "#6b8f71"), font_family="sans-serif",
                      label_font_size=font, major_label_font_size=font,
                      legend_font_size=font, value_font_size=font)
        chart = pygal.Bar(width=width, height=height, style=style, legend_at_bottom=True,
                          x_label_rotation=0 if len(report.months) <= 6 else 40,
                          legend_at_bottom_columns=1 if size == "phone" else 2,
                          truncate_label=-1, truncate_legend=-1, margin=12)
        chart.x_labels = [month.month for month in report.months]
        chart.add(translate("figure.visitors"), [month.visitors for month in report.months])
        chart.add(translate("figure.sessions_held"),
                  [month.sessions_held for month in report.months])
        sources[size] = "data:image/svg+xml;base64," + base64.b64encode(chart.render()).decode()
    return sources


def number(language: str):  # type: ignore[no-untyped-def]
    """Figures as the page's language writes them: 23,5 in German, 23.5 in English; 12.0 as 12."""

    def shown(value: float | int) -> str:
        text = f"{value:.2f}".rstrip("0").rstrip(".") if isinstance(value, float) else str(value)
        return text.replace(".", ",") if language == "de" else text

    return shown


def site_of(site_id: str | None) -> frozenset[UUID] | None:
    if not site_id:
        return None
    try:
        return frozenset({UUID(site_id)})
    except ValueError:
        raise Invalid("site_id", "must be a site's id", code="invalid") from None


def change_rows(found: FundingChanges, language: str) -> list[dict[str, Any]]:
    """Each changed figure with its causes as people read them: what happened (translated),
    by whom, when it was recorded, and the day of the session, shift or line it concerns."""
    translate = translator(language)
    rows = []
    for change in found.changes:
        events = []
        for cause in change.events:
            kind = ("shift.attendance_corrected"
                    if cause.type == "shift.attendance_confirmed" and cause.reason else cause.type)
            label = translate(f"change.{kind}")
            events.append({"position": cause.position,
                           "label": cause.label if label == f"change.{kind}" else label,
                           "actor": cause.actor_name, "reason": cause.reason,
                           "at": moment_label(cause.recorded_at, language),
                           "day": day_only(cause.happened_at, language)})
        rows.append({"site": change.site, "offer": change.offer, "figure": change.figure,
                     "before": change.before, "after": change.after, "events": events})
    return rows


def failed(problem: Rejection | Problem) -> tuple[int, tuple[str, dict[str, Any]]]:
    if isinstance(problem, Rejection):
        return problem.status, ("form.invalid_field", {"field": problem.field})
    return problem.status_code, ("rejected.busy" if problem.status_code == 503
                                 else "rejected.other", {})


async def site_names(read_models: ReadModels) -> tuple[list[dict[str, Any]], dict[UUID, str]]:
    async def query(connection: Any) -> tuple[list[dict], list[dict]]:
        return await directory.sites(connection), await directory.offers(connection, None)

    (sites, offers), _ = await read_models.read(directory.DIRECTORY, None, query)
    names = {site["id"]: site["name"] for site in sites}
    names.update({offer["id"]: offer["title"] for offer in offers})
    return sites, names


class AuditorPages(Controller):
    path = "/auditor"
    guards = [requires_roles(ADMIN, AUDITOR)]
    include_in_schema = False

    @get("/")
    async def start(self) -> Redirect:
        return Redirect("/auditor/report", status_code=303)

    @get("/report")
    async def report(
        self, request: Request[Any, Any, Any], read_models: NamedDependency[ReadModels],
        store: NamedDependency[EventStore],
        first_day: FirstDay = None, last_day: LastDay = None,
        as_of: FromQuery[str | None] = None, site_id: FromQuery[str | None] = None,
    ) -> Template:
        form = {"from": first_day or "", "to": last_day or "", "as_of": as_of or "",
                "site_id": site_id or ""}
        sites, _ = await site_names(read_models)
        try:
            period, instant, sites_chosen = self._report_query(first_day, last_day, as_of,
                                                               site_id)
            report = await funding_report(store, period, instant, sites_chosen)
        except (Rejection, Problem) as problem:
            status, error = failed(problem)
            return page(request, "auditor/report.html", status_code=status, form=form,
                        sites=sites, error=error, report=None)
        language = language_of(request)
        form.update({"from": period.first_day.isoformat(), "to": period.last_day.isoformat()})
        query = {key: value for key, value in form.items() if value}
        return page(
            request, "auditor/report.html", form=form, sites=sites, report=report, error=None,
            as_of_label=moment_label(report.as_of, language),
            period_label=f"{day_only(period.first_day, language)} – "
                         f"{day_only(period.last_day, language)}",
            charts=chart_sources(report, language) if report.months else None,
            number=number(language),
            downloads={kind: "/auditor/report/download?" + urlencode({**query, "format": kind})
                       for kind in DOWNLOADS},
        )

    @get("/report/download")
    async def download(
        self, store: NamedDependency[EventStore], format: FromQuery[str],
        first_day: FirstDay = None, last_day: LastDay = None,
        as_of: FromQuery[str | None] = None, site_id: FromQuery[str | None] = None,
    ) -> Response[Any]:
        # A bad field here is answered as the API answers it (problem+json naming it): the
        # links come from the report page, which has already read every field.
        if format not in DOWNLOADS:
            raise Invalid("format", "must be csv or pdf", code="unknown_format")
        period, instant, sites_chosen = self._report_query(first_day, last_day, as_of, site_id)
        report = await funding_report(store, period, instant, sites_chosen)
        return render(report, format)

    @get("/changes")
    async def changes(
        self, request: Request[Any, Any, Any], read_models: NamedDependency[ReadModels],
        store: NamedDependency[EventStore],
        first_day: FirstDay = None, last_day: LastDay = None,
        since: FromQuery[str | None] = None, until: FromQuery[str | None] = None,
        site_id: FromQuery[str | None] = None,
    ) -> Template:
        moment = datetime.now(UTC)
        form = {"from": first_day or "", "to": last_day or "",
                "since": since or form_value(moment - CHANGES_LOOK_BACK), "until": until or "",
                "site_id": site_id or ""}
        sites, _ = await site_names(read_models)
        language = language_of(request)
        try:
            period = period_of(first_day or None, last_day or None)
            start = instant_of("since", form["since"])
            end = instant_of("until", until) or moment
            if start is None:
                raise Invalid("since", "name an instant", code="required")
            if end <= start:
                raise Invalid("until", "must be after since", code="range")
            found = await funding_changes(store, period, start, end,
                                          site_ids=site_of(site_id))
        except (Rejection, Problem) as problem:
            status, error = failed(problem)
            return page(request, "auditor/changes.html", status_code=status, form=form,
                        sites=sites, error=error, changes=None)
        form.update({"from": period.first_day.isoformat(), "to": period.last_day.isoformat()})
        return page(request, "auditor/changes.html", form=form, sites=sites, error=None,
                    changes=change_rows(found, language), number=number(language),
                    since_label=moment_label(found.since, language),
                    until_label=moment_label(found.until, language))

    @get("/verify")
    async def verify(
        self, request: Request[Any, Any, Any], pool: NamedDependency[asyncpg.Pool],
        store: NamedDependency[EventStore], head: FromQuery[str | None] = None,
    ) -> Template:
        """The whole history verified; with ``head`` (pasted from a report), whether the
        ledger holds it, when it was sealed, and what changed in that year's figures since."""
        language = language_of(request)
        result = await ledger.verify(pool)
        checked: dict[str, Any] | None = None
        error = None
        if head:
            try:
                found = await check_head(pool, head)
            except Rejection as problem:
                error = ("form.invalid_field", {"field": problem.field})
            else:
                checked = {"known": found.known, "seq": found.seq, "hash": found.hash,
                           "sealed": moment_label(found.sealed_at, language)
                           if found.sealed_at else None, "changes": None}
                if found.sealed_at is not None:
                    year = found.sealed_at.astimezone(BERLIN).year
                    since = await funding_changes(
                        store, period_of(f"{year}-01-01", f"{year}-12-31"),
                        found.sealed_at, datetime.now(UTC))
                    checked.update(year=year, changes=change_rows(since, language))
        return page(request, "auditor/verify.html", result=result, head=head or "",
                    checked=checked, error=error, number=number(language),
                    checked_at=moment_label(datetime.now(UTC), language))

    @staticmethod
    def _report_query(
        first_day: str | None, last_day: str | None, as_of: str | None, site_id: str | None,
    ) -> tuple[Period, datetime | None, frozenset[UUID] | None]:
        period = period_of(first_day or None, last_day or None)
        return period, instant_of("as_of", as_of), site_of(site_id)
