"""The funding report and its changes (API.md, "Statistics, reports and audit").

A replay over more sealed events than ``report_job_min_events`` runs as a worker job: the request
waits ``report_job_wait_seconds`` for it, then answers ``202`` with the job to poll at
``GET /api/reports/jobs/{job_id}``. Without Redis, it replays inline as for a short history.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

import asyncpg
import msgspec
from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency
from litestar.handlers.base import BaseRouteHandler
from litestar.openapi import ResponseSpec
from litestar.params import FromPath, FromQuery, QueryParameter
from litestar.status_codes import HTTP_202_ACCEPTED
from redis.asyncio import Redis

from events.store import EventStore
from projections.funding_report import BERLIN
from projections.report_jobs import Job, JobParams
from services.auth.guards import (
    ADMIN,
    AUDITOR,
    COORDINATOR,
    Connection,
    for_site,
    from_query,
    requires_roles,
)
from services.auth.tokens import Principal
from services.commands.rejections import Invalid, NotFound
from services.platform import instants
from services.platform.instants import parse_day
from services.platform.problems import READ_PROBLEMS, Problem, problem_responses
from services.platform.settings import Settings
from services.reports import formats, jobs, pdf
from services.reports.funding import (
    FundingChanges,
    FundingReport,
    Period,
    Timesheet,
    funding_changes,
    funding_report,
    funding_timesheet,
    sealed_head,
)
from services.volunteers.service import names

log = logging.getLogger(__name__)
_NAMED_SITE = for_site(from_query("site_id"), also=(AUDITOR,))


async def named_site_is_own(connection: Connection, handler: BaseRouteHandler) -> None:
    """A coordinator may name only its own sites; naming none reads all of its own."""
    if "site_id" in connection.query_params:
        await _NAMED_SITE(connection, handler)


MEDIA = {"json": "application/json", "csv": "text/csv", "pdf": "application/pdf"}
"""(Litestar adds "; charset=utf-8" to text/csv.)"""
FirstDay = Annotated[str | None, QueryParameter(name="from", required=False)]
LastDay = Annotated[str | None, QueryParameter(name="to", required=False)]


def parse_instant(field: str, value: str | None) -> datetime | None:
    moment = instants.parse_instant(field, value)
    return moment.astimezone(UTC) if moment is not None else None


def period_of(first: str | None, last: str | None, now: datetime | None = None) -> Period:
    """The days asked for; by default the current year as Berlin's wall clock has it."""
    today = (now or datetime.now(UTC)).astimezone(BERLIN).date()
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


class JobStatus(msgspec.Struct, kw_only=True):
    """A report job still running: poll ``location`` (also the ``Location`` header)."""

    job_id: UUID
    kind: Literal["funding", "changes"]
    status: Literal["running"]
    location: str


ACCEPTED = {HTTP_202_ACCEPTED: ResponseSpec(
    data_container=JobStatus, generate_examples=False,
    description="A long history: the replay runs as a job; poll the Location")}


class ReportsController(Controller):
    path = "/api/reports"
    tags = ["reports"]

    @get(
        "/funding",
        guards=[requires_roles(ADMIN, COORDINATOR, AUDITOR), named_site_is_own],
        summary="The funding proof (Verwendungsnachweis), as of any instant; JSON, CSV or PDF",
        responses={**READ_PROBLEMS, **ACCEPTED},
    )
    async def funding(
        self,
        request: Request[Principal, Any, Any],
        store: NamedDependency[EventStore],
        redis: NamedDependency[Redis],
        settings: NamedDependency[Settings],
        first_day: FirstDay = None,
        last_day: LastDay = None,
        site_id: FromQuery[UUID | None] = None,
        as_of: FromQuery[str | None] = None,
        format: FromQuery[str | None] = None,
    ) -> Response[Any]:
        period = period_of(first_day, last_day)
        instant = parse_instant("as_of", as_of)
        chosen = wanted_format(request, format)
        sites = sites_visible_to(request.user, site_id)
        requested_at = datetime.now(UTC)
        sealed = await sealed_head(store)
        if sealed > settings.report_job_min_events:
            params = JobParams(kind="funding", first_day=period.first_day,
                               last_day=period.last_day, up_to=sealed, as_of=instant,
                               site_ids=sorted(sites, key=str) if sites is not None else None)
            answer = await through_job(request, redis, settings, params, requested_at, chosen,
                                       format)
            if answer is not None:
                return answer
        report = await funding_report(store, period, instant or requested_at, sites,
                                      up_to=sealed)
        return render(report, chosen)

    @get(
        "/funding/changes",
        guards=[requires_roles(ADMIN, AUDITOR)],
        summary="What changed in a period's figures between two instants, and why",
        responses={**READ_PROBLEMS, **ACCEPTED},
    )
    async def changes(
        self,
        request: Request[Principal, Any, Any],
        store: NamedDependency[EventStore],
        redis: NamedDependency[Redis],
        settings: NamedDependency[Settings],
        since: FromQuery[str],
        first_day: FirstDay = None,
        last_day: LastDay = None,
        until: FromQuery[str | None] = None,
        site_id: FromQuery[UUID | None] = None,
    ) -> Response[FundingChanges]:
        period = period_of(first_day, last_day)
        start = parse_instant("since", since)
        requested_at = datetime.now(UTC)
        given_end = parse_instant("until", until)
        end = given_end or requested_at
        assert start is not None
        if end <= start:
            raise Invalid("until", "must be after since", code="range")
        sites = frozenset({site_id}) if site_id is not None else None
        sealed = await sealed_head(store)
        if sealed > settings.report_job_min_events:
            params = JobParams(kind="changes", first_day=period.first_day,
                               last_day=period.last_day, up_to=sealed, since=start,
                               until=given_end,
                               site_ids=[site_id] if site_id is not None else None)
            answer = await through_job(request, redis, settings, params, requested_at, "json", None)
            if answer is not None:
                return answer
        changes = await funding_changes(store, period, start, end, up_to=sealed, site_ids=sites)
        return Response(changes, media_type=MEDIA["json"])

    @get(
        "/funding/timesheet",
        guards=[requires_roles(ADMIN, COORDINATOR, AUDITOR), named_site_is_own],
        summary="The timesheet annex: volunteer hours per person and day (JSON, CSV or PDF)",
        responses=READ_PROBLEMS,
    )
    async def timesheet(
        self,
        request: Request[Principal, Any, Any],
        store: NamedDependency[EventStore],
        pool: NamedDependency[asyncpg.Pool],
        first_day: FirstDay = None,
        last_day: LastDay = None,
        site_id: FromQuery[UUID | None] = None,
        as_of: FromQuery[str | None] = None,
        format: FromQuery[str | None] = None,
    ) -> Response[Any]:
        """Replayed inline whatever the history's length (no job): the names are put in here,
        from the volunteers' keys, which only this process reads."""
        period = period_of(first_day, last_day)
        instant = parse_instant("as_of", as_of) or datetime.now(UTC)
        chosen = wanted_format(request, format)
        sheet = await funding_timesheet(store, period, instant,
                                        sites_visible_to(request.user, site_id))
        return render_timesheet(await named(store, pool, sheet), chosen)

    @get(
        "/jobs/{job_id:uuid}",
        guards=[requires_roles(ADMIN, COORDINATOR, AUDITOR)],
        summary="A report job: 202 while it runs, then the report (JSON, CSV or PDF)",
        responses={**READ_PROBLEMS, **ACCEPTED, **problem_responses(502)},
    )
    async def job(
        self,
        request: Request[Principal, Any, Any],
        redis: NamedDependency[Redis], settings: NamedDependency[Settings],
        job_id: FromPath[UUID],
        format: FromQuery[str | None] = None,
    ) -> Response[Any]:
        """Only the account that asked for the job sees it; for anyone else it does not exist."""
        chosen = wanted_format(request, format)
        try:
            seen = await jobs.look(redis, settings.broker_namespace, job_id,
                                   request.user.account_id)
        except jobs.REDIS_FAILURES:
            raise Problem(503, "Report jobs unavailable",
                          "The job store is not reachable right now; try again shortly.",
                          headers={"Retry-After": "2"}) from None
        if seen is None:
            raise NotFound("job_id", "no such report job (or it expired)", code="not_found")
        return answer_of(job_id, *seen, chosen, format)


async def through_job(
    request: Request[Principal, Any, Any], redis: Redis, settings: Settings, params: JobParams,
    requested_at: datetime, chosen: str, asked_format: str | None,
) -> Response[Any] | None:
    """Ask a worker for the replay and wait a little; None when Redis is out of reach (the
    caller replays inline)."""
    account = request.user.account_id
    try:
        job_id = await jobs.ask(redis, settings.redis_url, settings.broker_namespace,
                                params, requested_at, account)
        seen = await jobs.wait_for(redis, settings.broker_namespace, job_id, account,
                                   settings.report_job_wait_seconds)
    except jobs.JobsUnavailable as error:
        log.warning("report jobs unavailable (%s): replaying inline", error)
        return None
    if seen is None:  # expired or dropped in the blink of an eye: replay inline
        return None
    return answer_of(job_id, *seen, chosen, asked_format)


def answer_of(
    job_id: UUID, job: Job, result: bytes | None, chosen: str, asked_format: str | None,
) -> Response[Any]:
    """The job's answer: the report as the route would give it (in the ``chosen`` format),
    202 while it runs, or a problem if it failed. A changes report is JSON only."""
    if job.status == "failed":
        raise Problem(502, "Report job failed", job.error or "The replay stopped.")
    if job.status == "running" or result is None:
        location = f"/api/reports/jobs/{job_id}"
        if asked_format is not None:
            location += f"?format={asked_format}"
        return Response(
            JobStatus(job_id=job_id, kind=job.params.kind, status="running", location=location),
            status_code=HTTP_202_ACCEPTED, media_type=MEDIA["json"],
            headers={"Location": location, "Retry-After": "1"},
        )
    if job.params.kind == "changes":
        return Response(msgspec.json.decode(result, type=FundingChanges), media_type=MEDIA["json"])
    return render(msgspec.json.decode(result, type=FundingReport), chosen)


def sites_visible_to(principal: Principal, site_id: UUID | None) -> frozenset[UUID] | None:
    """The named site (the guard checked it), else every site — a coordinator's own only."""
    if site_id is not None:
        return frozenset({site_id})
    return frozenset(principal.site_ids) if principal.role == COORDINATOR else None


def render(report: FundingReport, chosen: str) -> Response[Any]:
    places = ([site.village or site.name for site in report.sites]
              if report.site_ids is not None else [])
    return _answer(report, chosen, "Verwendungsnachweis", places, formats.as_csv, pdf.as_pdf)


async def named(store: EventStore, pool: asyncpg.Pool, sheet: Timesheet) -> Timesheet:
    """The timesheet with each volunteer's name, or "gelöscht" once erased."""
    found = await names(store, pool, (line.volunteer_id for line in sheet.lines))
    for item in (*sheet.lines, *sheet.people):
        name = None if item.erased else found.get(item.volunteer_id)
        item.name = name if name is not None else formats.ERASED_NAME
        item.erased = name is None
    sheet.lines.sort(key=lambda line: (line.erased, line.name or "", str(line.volunteer_id),
                                       line.day, line.activity))
    sheet.people.sort(key=lambda person: (person.erased, person.name or "",
                                          str(person.volunteer_id)))
    return sheet


def render_timesheet(sheet: Timesheet, chosen: str) -> Response[Any]:
    places = (sorted({line.village or line.site for line in sheet.lines})
              if sheet.site_ids is not None else [])
    return _answer(sheet, chosen, "Stundennachweis", places, formats.timesheet_csv,
                   pdf.timesheet_pdf)


def _answer(document: Any, chosen: str, kind: str, places: list[str],
            as_csv: Any, as_pdf: Any) -> Response[Any]:
    head = document.ledger_head
    headers = {"X-Ledger-Head": f"{head.seq}:{head.hash or ''}"}
    if chosen == "json":
        return Response(document, media_type=MEDIA["json"], headers=headers)
    name = formats.file_name(kind, document.from_, document.to, places, document.as_of, chosen)
    body = as_csv(document) if chosen == "csv" else as_pdf(document)
    return Response(body, media_type=MEDIA[chosen], headers={
        **headers, "Content-Disposition": f'attachment; filename="{name}"'})
