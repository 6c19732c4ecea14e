"""The volunteer's pages: shifts near in time to claim (or to wait for), my shifts with release
and the calendar feed link, my trainings and qualifications.

A command runs as the API runs it (``CommandHandler.handle``); then the browser is sent to a page
that waits for the read model with ``min_position``, so the result shows at once. A refused
command shows the shifts page again with the reason in plain words.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, time, timedelta
from itertools import groupby
from typing import Annotated, Any
from urllib.parse import urlencode
from uuid import UUID

import msgspec
from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from events.shifts import ShiftWaitlisted
from projections import (
    directory,
    handovers,
    qualification_catalogue,
    shift_board,
    training_records,
    volunteer_schedule,
)
from services.auth.guards import VOLUNTEER, Connection, requires_roles
from services.auth.tokens import Principal
from services.commands.http import metadata_for, now
from services.pages.forms import FORM, form_metadata, fresh_key
from services.pages.i18n import language_of, translator
from services.pages.local_time import BERLIN, day_label, day_only, local, monday_of, time_span
from services.pages.rendering import page
from services.commands.handler import CommandHandler
from services.commands.rejections import Rejection
from services.pages.refusals import words_of
from services.platform.problems import Problem
from services.reads.read_models import ReadModels
from services.reads.routes import MinPosition
from services.shifts.decider import SHIFTS, ClaimShift
from services.trainings.decider import TRAININGS, CancelEnrollment, EnrollInTraining
from services.shifts.forms import ReleaseForm, release_command
from services.shifts.eligibility import obstacles
from services.shifts.state import SHIFT
from services.volunteers.state import VOLUNTEER as VOLUNTEER_STREAM
from services.volunteers.schedule import feed_url

SHIFTS_AHEAD = timedelta(days=28)
LONGEST_RANGE = timedelta(days=92)
OUTCOMES = ("claimed", "waitlisted", "released", "offered", "taken_over")


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


def qualification_names(language: str,  # type: ignore[no-untyped-def]
                        catalogue: dict[str, dict[str, str]] | None = None):
    """A qualification as people say it: by the pages' words for it in ``language`` if they
    have any, else by its name in the catalogue (``qualification_catalogue.names``; English for
    English, German otherwise), else as the code reads."""
    translate = translator(language)
    names = catalogue or {}

    def named(qualification: str) -> str:
        key = f"qualification.{qualification}"
        shown = translate(key)
        if shown != key:
            return shown
        entry = names.get(qualification)
        return (entry.get("en" if language == "en" else "de") if entry else None) or qualification

    return named


async def catalogue_names(read: Reads) -> dict[str, dict[str, str]]:
    """The catalogue's names of every code, for ``qualification_names``."""
    return await read(qualification_catalogue.QUALIFICATION_CATALOGUE,
                      qualification_catalogue.names)


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


def calendar_links(url: str) -> dict[str, str]:
    """The feed as one-tap subscription (``webcal://``), for Google Calendar, and as a file."""
    webcal = "webcal://" + url.split("://", 1)[1]
    return {"feed_url": url, "webcal_url": webcal,
            "google_url": "https://calendar.google.com/calendar/r?" + urlencode({"cid": webcal})}


class ShiftsAsked(msgspec.Struct, frozen=True, kw_only=True):
    """What the shift finder was asked for: a village ("all", or none: my home villages) and a
    period (``soon``, ``this_week``, ``next_week``, or ``range`` from ``first`` to ``last``)."""

    village: str | None = None
    period: str | None = None
    first: str | None = None
    last: str | None = None

    def query(self) -> str:
        """The same question as a query string (to come back to it after a claim)."""
        return urlencode({k: v for k, v in msgspec.structs.asdict(self).items() if v})


class Window(msgspec.Struct, frozen=True, kw_only=True):
    period: str
    start: datetime
    end: datetime
    first: date
    last: date
    """The days shown, ``[first, last]``, Berlin dates."""


def asked_of(request: Request[Any, Any, Any]) -> ShiftsAsked:
    return ShiftsAsked(**{name: request.query_params.get(name)
                          for name in ("village", "period", "first", "last")})


def window(asked: ShiftsAsked, now: datetime) -> Window:
    """The instants ``[start, end)`` the finder shows; an unreadable range shows the default
    (the next four weeks). A range reaches at most ``LONGEST_RANGE``."""
    today = local(now).date()
    monday = monday_of(today)

    def days(period: str, start: datetime, first: date, last: date) -> Window:
        end = datetime.combine(last + timedelta(days=1), time(), tzinfo=BERLIN)
        return Window(period=period, start=max(start, now), end=end, first=first, last=last)

    if asked.period == "this_week":
        return days("this_week", now, today, monday + timedelta(days=6))
    if asked.period == "next_week":
        first = monday + timedelta(days=7)
        return days("next_week", datetime.combine(first, time(), tzinfo=BERLIN), first,
                    first + timedelta(days=6))
    if asked.period == "range":
        try:
            first = max(date.fromisoformat(asked.first or ""), today)
            last = date.fromisoformat(asked.last or "")
        except ValueError:
            first = last = None  # type: ignore[assignment]
        if first is not None and first <= last:
            last = min(last, first + LONGEST_RANGE)
            return days("range", datetime.combine(first, time(), tzinfo=BERLIN), first, last)
    return days("soon", now, today, today + SHIFTS_AHEAD)


def chosen_sites(village: str | None, villages: list[str], sites: list[dict[str, Any]],
                 home_site_ids: tuple[UUID, ...]) -> set[UUID] | None:
    """The sites whose shifts are shown: the village asked for, every one ("all"), or without
    asking my home villages (every one if I chose none)."""
    if village in villages:
        return {site["id"] for site in sites if site["village"] == village}
    if village == "all" or not home_site_ids:
        return None
    return set(home_site_ids)


async def waitlist_places(commands: CommandHandler, volunteer_id: UUID,
                          shift_ids: list[UUID]) -> dict[UUID, int]:
    """My place (1 = next) on the waitlist of each shift, as its stream stands now."""
    places = {}
    for shift_id in shift_ids:
        waitlist = (await commands.state(SHIFT(shift_id))).waitlist
        if volunteer_id in waitlist:
            places[shift_id] = waitlist.index(volunteer_id) + 1
    return places


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
        commands: NamedDependency[CommandHandler], min_position: MinPosition = None,
    ) -> Template:
        return await self._shifts_page(request, read_models, commands, asked_of(request),
                                       min_position)

    @post("/shifts/{shift_id:uuid}/claim")
    async def claim(
        self, shift_id: FromPath[UUID], request: Request[Principal, Any, Any],
        commands: NamedDependency[CommandHandler], read_models: NamedDependency[ReadModels],
    ) -> Template | Redirect:
        try:
            result = await commands.handle(SHIFTS, ClaimShift(
                shift_id=shift_id, volunteer_id=volunteer_id_of(request), now=now(),
            ), metadata_for(request))
        except (Rejection, Problem) as problem:
            return await self._shifts_page(request, read_models, commands,
                                           asked_of(request), None,
                                           error=refusal(problem, language_of(request)),
                                           status_code=status_of(problem))
        waitlisted = any(isinstance(event, ShiftWaitlisted) for event in result.events)
        outcome = "waitlisted" if waitlisted else "claimed"
        query = urlencode({"min_position": result.position, "done": outcome})
        return Redirect(f"/volunteer/my-shifts?{query}", status_code=303)

    @get("/my-shifts")
    async def my_shifts(
        self, request: Request[Principal, Any, Any], read_models: NamedDependency[ReadModels],
        commands: NamedDependency[CommandHandler], min_position: MinPosition = None,
        done: FromQuery[str | None] = None,
    ) -> Template:
        return await self._my_shifts_page(request, read_models, commands, min_position,
                                          done=done if done in OUTCOMES else None)

    @get("/my-shifts/{shift_id:uuid}/release")
    async def confirm_release(
        self, shift_id: FromPath[UUID], request: Request[Principal, Any, Any],
        read_models: NamedDependency[ReadModels], commands: NamedDependency[CommandHandler],
    ) -> Template | Redirect:
        """The question before cancelling: which shift, and an optional word to the
        coordinator."""
        volunteer_id = volunteer_id_of(request)
        read = Reads(read_models, None)
        sites = await read(directory.DIRECTORY, directory.sites)
        mine = await read(volunteer_schedule.VOLUNTEER_SCHEDULE,
                          lambda c: volunteer_schedule.schedule(c, volunteer_id, None, None))
        held = next((row for row in mine if row["shift_id"] == shift_id), None)
        if held is None:
            return Redirect("/volunteer/my-shifts", status_code=303)
        language = language_of(request)
        site_of = {site["id"]: site for site in sites}
        return page(request, "volunteer/release.html", shift={
            **held, "site": site_of.get(held["site_id"]),
            "day": day_label(local(held["starts_at"]).date(), language),
            "time": time_span(held["starts_at"], held["ends_at"], language)},
            request_key=fresh_key())

    @post("/my-shifts/{shift_id:uuid}/release")
    async def release(
        self, shift_id: FromPath[UUID], request: Request[Principal, Any, Any],
        commands: NamedDependency[CommandHandler], read_models: NamedDependency[ReadModels],
        data: Annotated[ReleaseForm, FORM],
    ) -> Template | Redirect:
        try:
            result = await commands.handle(
                SHIFTS, release_command(shift_id, volunteer_id_of(request), data, now()),
                form_metadata(request, "release", data.request_key))
        except (Rejection, Problem) as problem:
            return await self._my_shifts_page(request, read_models, commands, None,
                                              error=refusal(problem, language_of(request)),
                                              status_code=status_of(problem))
        query = urlencode({"min_position": result.position, "done": "released"})
        return Redirect(f"/volunteer/my-shifts?{query}", status_code=303)

    @get("/trainings")
    async def trainings(
        self, request: Request[Principal, Any, Any], read_models: NamedDependency[ReadModels],
        commands: NamedDependency[CommandHandler], min_position: MinPosition = None,
        done: FromQuery[str | None] = None,
    ) -> Template:
        return await self._trainings_page(request, read_models, commands, min_position,
                                          done=done if done in ("enrolled", "left") else None)

    @post("/trainings/{training_id:uuid}/{action:str}")
    async def enrollment(
        self, training_id: FromPath[UUID], action: FromPath[str],
        request: Request[Principal, Any, Any], read_models: NamedDependency[ReadModels],
        commands: NamedDependency[CommandHandler],
    ) -> Template | Redirect:
        """Join (``enroll``) or leave (``leave``) a training, as the enrollment routes do."""
        volunteer_id = volunteer_id_of(request)
        kind = {"enroll": EnrollInTraining, "leave": CancelEnrollment}.get(action)
        if kind is None:
            raise NotFoundException()
        try:
            result = await commands.handle(TRAININGS, kind(
                training_id=training_id, volunteer_id=volunteer_id, now=now(),
            ), metadata_for(request))
        except (Rejection, Problem) as problem:
            return await self._trainings_page(request, read_models, commands, None,
                                              error=refusal(problem, language_of(request)),
                                              status_code=status_of(problem))
        done = "enrolled" if action == "enroll" else "left"
        return Redirect(f"/volunteer/trainings?min_position={result.position}&done={done}",
                        status_code=303)

    async def _trainings_page(
        self, request: Request[Principal, Any, Any], read_models: ReadModels,
        commands: CommandHandler, min_position: int | None, *, done: str | None = None,
        error: tuple[str, dict[str, Any]] | None = None, status_code: int = 200,
    ) -> Template:
        volunteer_id = volunteer_id_of(request)
        me = await commands.state(VOLUNTEER_STREAM(volunteer_id))
        moment = datetime.now(UTC)
        home = list(me.home_site_ids) or None

        async def query(connection: Any) -> tuple[list[dict], list[dict], list[dict]]:
            return (await training_records.trainings_of(connection, volunteer_id),
                    await training_records.qualifications_of(connection, volunteer_id),
                    await training_records.upcoming(connection, since=moment, site_ids=home,
                                                    volunteer_id=volunteer_id))

        read = Reads(read_models, min_position)
        attended, qualifications, ahead = await read(training_records.TRAINING_RECORDS, query)
        sites = {site["id"]: site for site in await read(directory.DIRECTORY, directory.sites)}
        language = language_of(request)

        def shown(row: dict[str, Any]) -> dict[str, Any]:
            return {**row, "day": day_label(local(row["starts_at"]).date(), language),
                    "time": time_span(row["starts_at"], row["ends_at"], language),
                    "site": sites.get(row["site_id"])}

        return page(
            request, "volunteer/trainings.html", status_code=status_code,
            qualifications=qualification_rows(qualifications, moment, language),
            trainings=[shown(row) for row in attended],
            upcoming=[{**shown(row), "full": row["enrolled_count"] >= row["capacity"]}
                      for row in ahead],
            qualification=qualification_names(language, await catalogue_names(read)),
            behind=read.behind, done=done,
            error=error,
        )

    async def _shifts_page(
        self, request: Request[Principal, Any, Any], read_models: ReadModels,
        commands: CommandHandler, asked: ShiftsAsked, min_position: int | None, *,
        error: tuple[str, dict[str, Any]] | None = None, status_code: int = 200,
    ) -> Template:
        volunteer_id = volunteer_id_of(request)
        language = language_of(request)
        now = datetime.now(UTC)
        span = window(asked, now)
        read = Reads(read_models, min_position)
        sites = await read(directory.DIRECTORY, directory.sites)
        shifts = await read(shift_board.SHIFT_BOARD,
                            lambda c: shift_board.shifts(c, start=span.start, end=span.end))
        mine = await read(volunteer_schedule.VOLUNTEER_SCHEDULE, lambda c: (
            volunteer_schedule.schedule(c, volunteer_id, span.start, span.end)))
        me = await commands.state(VOLUNTEER_STREAM(volunteer_id))
        site_of = {site["id"]: site for site in sites}
        villages = sorted({site["village"] for site in sites})
        chosen = chosen_sites(asked.village, villages, sites, me.home_site_ids)
        held = {row["shift_id"]: row["status"] for row in mine}
        places = await waitlist_places(commands, volunteer_id, [
            shift_id for shift_id, status in held.items() if status == volunteer_schedule.WAITLISTED])
        named = qualification_names(language, await catalogue_names(read))
        shown = []
        for shift in shifts:
            if shift["starts_at"] <= now or (chosen is not None and shift["site_id"] not in chosen):
                continue
            standing = obstacles(me, shift)
            shown.append({
                **shift, "site": site_of.get(shift["site_id"]), "mine": held.get(shift["id"]),
                "full": shift["claimed"] >= shift["capacity"], "place": places.get(shift["id"]),
                "next_place": shift["waitlist"] + 1, "obstacles": standing,
                "missing": ", ".join(named(q) for q in standing.missing),
                "needs": ", ".join(named(name) for name in shift["required_qualifications"]),
                "time": time_span(shift["starts_at"], shift["ends_at"], language)})
        village_shown = asked.village if asked.village in villages else (
            "all" if chosen is None else "")
        return page(request, "volunteer/shifts.html", status_code=status_code,
                    days=by_day(shown, language), villages=villages, village=village_shown,
                    home=bool(me.home_site_ids), span=span, period=span.period,
                    first=span.first.isoformat(), last=span.last.isoformat(),
                    span_first=day_only(span.first, language),
                    span_last=day_only(span.last, language),
                    query=asked.query(), error=error, behind=read.behind)

    async def _my_shifts_page(
        self, request: Request[Principal, Any, Any], read_models: ReadModels,
        commands: CommandHandler, min_position: int | None, *, done: str | None = None,
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
        places = await waitlist_places(commands, volunteer_id, [
            row["shift_id"] for row in mine if row["waitlisted"]])
        offers = await read(handovers.HANDOVERS, lambda c: handovers.open_offers(
            c, since=start, shift_ids=[row["shift_id"] for row in mine]))
        offered = {offer["shift_id"] for offer in offers
                   if offer["from_volunteer_id"] == volunteer_id}
        shifts = [{**row, "site": site_of.get(row["site_id"]), "place": places.get(row["shift_id"]),
                   "offered": row["shift_id"] in offered and not row["waitlisted"],
                   "day": day_label(local(row["starts_at"]).date(), language),
                   "time": time_span(row["starts_at"], row["ends_at"], language),
                   "started": row["starts_at"] <= start}
                  for row in mine]
        return page(request, "volunteer/my_shifts.html", status_code=status_code,
                    shifts=shifts, done=done, error=error, behind=read.behind,
                    **calendar_links(await feed_url(request, volunteer_id)))
