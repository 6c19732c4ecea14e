"""The volunteer's pages: shifts near in time to claim (or to wait for), my shifts with release
and the calendar feed link, my trainings and qualifications.

A command runs as the API runs it (``CommandHandler.handle``); then the browser is sent to a page
that waits for the read model with ``min_position``, so the result shows at once. A refused
command shows the shifts page again with the reason in plain words.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from itertools import groupby
from typing import Any
from urllib.parse import urlencode
from uuid import UUID

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.exceptions import PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from events.shifts import ShiftWaitlisted
from projections import directory, shift_board, training_records, volunteer_schedule
from services.auth.guards import VOLUNTEER, Connection, requires_roles
from services.auth.tokens import Principal
from services.commands.http import metadata_for, now
from services.pages.i18n import language_of, translator
from services.pages.local_time import day_label, day_only, local, time_span
from services.pages.rendering import page
from services.commands.handler import CommandHandler
from services.commands.rejections import Rejection
from services.pages.refusals import words_of
from services.platform.problems import Problem
from services.reads.read_models import ReadModels
from services.reads.routes import MinPosition
from services.shifts.decider import SHIFTS, ClaimShift, ReleaseClaim
from services.volunteers.schedule import feed_url

SHIFTS_AHEAD = timedelta(days=28)
OUTCOMES = ("claimed", "waitlisted", "released")


async def with_a_volunteer_record(connection: Connection, _: BaseRouteHandler) -> None:
    """A volunteer account always names its volunteer; one that does not may not act."""
    if connection.user.volunteer_id is None:
        raise PermissionDeniedException("This account names no volunteer")


def volunteer_id_of(request: Request[Principal, Any, Any]) -> UUID:
    volunteer_id = request.user.volunteer_id
    assert volunteer_id is not None  # the controller's guard
    return volunteer_id


def refusal(problem: Rejection | Problem, language: str) -> tuple[str, dict[str, Any]]:
    """The i18n key and values that say in plain words why a command was refused."""
    if isinstance(problem, Problem):
        return ("rejected.busy", {}) if problem.status_code == 503 else ("rejected.other", {})
    if problem.members.get("code") == "qualification_missing":
        named = qualification_names(language)
        return "rejected.qualification_missing", {
            "missing": ", ".join(named(str(name)) for name in problem.members.get("missing", []))}
    return words_of(problem) or "rejected.other", {}


def status_of(problem: Rejection | Problem) -> int:
    return problem.status if isinstance(problem, Rejection) else problem.status_code


class Reads:
    """A page's reads of read models at ``min_position`` (the position of the command just
    run). Should a read model not catch up within the wait, the page shows what it has and says
    so (``behind``) rather than answering 503."""

    def __init__(self, read_models: ReadModels, min_position: int | None) -> None:
        self.read_models = read_models
        self.min_position = min_position
        self.behind = False

    async def __call__(self, projection: Any, query: Callable[[Any], Awaitable[Any]]) -> Any:
        try:
            waited_for = None if self.behind else self.min_position  # wait once, not per read
            rows, _ = await self.read_models.read(projection, waited_for, query)
        except Problem as problem:
            if problem.status_code != 503:
                raise
            self.behind = True
            rows, _ = await self.read_models.read(projection, None, query)
        return rows


def qualification_names(language: str):  # type: ignore[no-untyped-def]
    """A qualification as people say it: the demo's codes (``food_hygiene``) by their name,
    any other text as the coordinator wrote it."""
    translate = translator(language)

    def named(qualification: str) -> str:
        key = f"qualification.{qualification}"
        shown = translate(key)
        return qualification if shown == key else shown

    return named


EXPIRING_WITHIN = timedelta(days=60)
"""A qualification ending this soon is shown as a warning, with its date."""


def standing(valid_until: datetime, now: datetime) -> str:
    """``expired``, ``expiring`` (within ``EXPIRING_WITHIN``) or ``valid``."""
    if valid_until <= now:
        return "expired"
    return "expiring" if valid_until - now <= EXPIRING_WITHIN else "valid"


def qualification_rows(rows: list[dict[str, Any]], now: datetime,
                       language: str) -> list[dict[str, Any]]:
    return [{**row, "standing": standing(row["valid_until"], now),
             "until": day_only(row["valid_until"], language)} for row in rows]


def by_day(shifts: list[dict[str, Any]], language: str) -> list[tuple[str, list[dict[str, Any]]]]:
    return [(day_label(day, language), list(group))
            for day, group in groupby(shifts, key=lambda shift: local(shift["starts_at"]).date())]


class VolunteerPages(Controller):
    path = "/volunteer"
    guards = [requires_roles(VOLUNTEER), with_a_volunteer_record]
    include_in_schema = False

    @get("/shifts")
    async def open_shifts(
        self, request: Request[Principal, Any, Any], read_models: NamedDependency[ReadModels],
        village: FromQuery[str | None] = None, min_position: MinPosition = None,
    ) -> Template:
        return await self._shifts_page(request, read_models, village, min_position)

    @post("/shifts/{shift_id:uuid}/claim")
    async def claim(
        self, shift_id: FromPath[UUID], request: Request[Principal, Any, Any],
        commands: NamedDependency[CommandHandler], read_models: NamedDependency[ReadModels],
        village: FromQuery[str | None] = None,
    ) -> Template | Redirect:
        try:
            result = await commands.handle(SHIFTS, ClaimShift(
                shift_id=shift_id, volunteer_id=volunteer_id_of(request), now=now(),
            ), metadata_for(request))
        except (Rejection, Problem) as problem:
            return await self._shifts_page(request, read_models, village, None,
                                           error=refusal(problem, language_of(request)),
                                           status_code=status_of(problem))
        waitlisted = any(isinstance(event, ShiftWaitlisted) for event in result.events)
        outcome = "waitlisted" if waitlisted else "claimed"
        query = urlencode({"min_position": result.position, "done": outcome})
        return Redirect(f"/volunteer/my-shifts?{query}", status_code=303)

    @get("/my-shifts")
    async def my_shifts(
        self, request: Request[Principal, Any, Any], read_models: NamedDependency[ReadModels],
        min_position: MinPosition = None, done: FromQuery[str | None] = None,
    ) -> Template:
        return await self._my_shifts_page(request, read_models, min_position,
                                          done=done if done in OUTCOMES else None)

    @post("/my-shifts/{shift_id:uuid}/release")
    async def release(
        self, shift_id: FromPath[UUID], request: Request[Principal, Any, Any],
        commands: NamedDependency[CommandHandler], read_models: NamedDependency[ReadModels],
    ) -> Template | Redirect:
        try:
            result = await commands.handle(SHIFTS, ReleaseClaim(
                shift_id=shift_id, volunteer_id=volunteer_id_of(request), now=now(),
            ), metadata_for(request))
        except (Rejection, Problem) as problem:
            return await self._my_shifts_page(request, read_models, None,
                                              error=refusal(problem, language_of(request)),
                                              status_code=status_of(problem))
        query = urlencode({"min_position": result.position, "done": "released"})
        return Redirect(f"/volunteer/my-shifts?{query}", status_code=303)

    @get("/trainings")
    async def trainings(
        self, request: Request[Principal, Any, Any], read_models: NamedDependency[ReadModels],
        min_position: MinPosition = None,
    ) -> Template:
        volunteer_id = volunteer_id_of(request)

        async def query(connection: Any) -> tuple[list[dict], list[dict]]:
            return (await training_records.trainings_of(connection, volunteer_id),
                    await training_records.qualifications_of(connection, volunteer_id))

        read = Reads(read_models, min_position)
        attended, qualifications = await read(training_records.TRAINING_RECORDS, query)
        language = language_of(request)
        moment = datetime.now(UTC)
        return page(
            request, "volunteer/trainings.html",
            qualifications=qualification_rows(qualifications, moment, language),
            trainings=[{**row, "day": day_label(local(row["starts_at"]).date(), language),
                        "time": time_span(row["starts_at"], row["ends_at"])}
                       for row in attended],
            qualification=qualification_names(language), behind=read.behind,
        )

    async def _shifts_page(
        self, request: Request[Principal, Any, Any], read_models: ReadModels, village: str | None,
        min_position: int | None, *, error: tuple[str, dict[str, Any]] | None = None,
        status_code: int = 200,
    ) -> Template:
        volunteer_id = volunteer_id_of(request)
        start = datetime.now(UTC)
        end = start + SHIFTS_AHEAD
        read = Reads(read_models, min_position)
        sites = await read(directory.DIRECTORY, directory.sites)
        shifts = await read(shift_board.SHIFT_BOARD,
                            lambda c: shift_board.shifts(c, start=start, end=end))
        mine = await read(volunteer_schedule.VOLUNTEER_SCHEDULE,
                          lambda c: volunteer_schedule.schedule(c, volunteer_id, start, end))
        site_of = {site["id"]: site for site in sites}
        villages = sorted({site["village"] for site in sites})
        chosen = village if village in villages else None
        held = {row["shift_id"]: row["status"] for row in mine}
        named = qualification_names(language_of(request))
        shown = [
            {**shift, "site": site_of.get(shift["site_id"]), "mine": held.get(shift["id"]),
             "full": shift["claimed"] >= shift["capacity"],
             "needs": ", ".join(named(name) for name in shift["required_qualifications"]),
             "time": time_span(shift["starts_at"], shift["ends_at"])}
            for shift in shifts
            if shift["starts_at"] > start and (
                chosen is None or site_of.get(shift["site_id"], {}).get("village") == chosen)
        ]
        return page(request, "volunteer/shifts.html", status_code=status_code,
                    days=by_day(shown, language_of(request)), villages=villages,
                    village=chosen, error=error, days_ahead=SHIFTS_AHEAD.days,
                    behind=read.behind)

    async def _my_shifts_page(
        self, request: Request[Principal, Any, Any], read_models: ReadModels,
        min_position: int | None, *, done: str | None = None,
        error: tuple[str, dict[str, Any]] | None = None, status_code: int = 200,
    ) -> Template:
        volunteer_id = volunteer_id_of(request)
        start = datetime.now(UTC)
        read = Reads(read_models, min_position)
        sites = await read(directory.DIRECTORY, directory.sites)
        mine = await read(volunteer_schedule.VOLUNTEER_SCHEDULE,
                          lambda c: volunteer_schedule.schedule(c, volunteer_id, start, None))
        site_of = {site["id"]: site for site in sites}
        language = language_of(request)
        shifts = [{**row, "site": site_of.get(row["site_id"]),
                   "day": day_label(local(row["starts_at"]).date(), language),
                   "time": time_span(row["starts_at"], row["ends_at"]),
                   "started": row["starts_at"] <= start}
                  for row in mine]
        return page(request, "volunteer/my_shifts.html", status_code=status_code,
                    shifts=shifts, done=done, error=error, behind=read.behind,
                    feed_url=feed_url(request, volunteer_id))
