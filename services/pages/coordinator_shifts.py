"""The coordinator's shifts ("Schichten"): a week of the site's shifts with who holds each and
who waits (unfilled ones stand out), and one shift's roster page: assign a volunteer, remove
one (after a confirmation page), and confirm who served with walk-ins and actual times, the
volunteer hours of the funding report.

Thin adapters as the other coordinator pages: ``services.shifts.forms`` reads each form into
the command its API route builds, ``CommandHandler.handle`` decides it, a refusal is shown in
the words of ``services.pages.refusals``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any
from uuid import UUID

import asyncpg
from litestar import Controller, Request, get, post
from litestar.exceptions import NotFoundException
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Template

from events.shifts import ShiftWaitlisted
from events.store import EventStore
from projections import shift_board
from services.auth.guards import ADMIN, COORDINATOR, for_site, from_path, requires_roles
from services.auth.tokens import Principal
from services.commands.handler import CommandHandler
from services.commands.http import now, site_of
from services.commands.rejections import Rejection
from services.pages import coordinator_reads as reads
from services.pages.coordinator import FORM, WEEK, week_of
from services.pages.forms import FormError, form_metadata, fresh_key
from services.pages.i18n import language_of, translator
from services.pages.local_time import local, week_bounds
from services.pages.people_reads import names_of, roster, site_volunteers
from services.pages.refusals import refusal_message
from services.pages.rendering import page
from services.reads.read_models import ReadModels
from services.reads.routes import MinPosition
from services.shifts import forms as shift_forms
from services.shifts.decider import SHIFTS
from services.shifts.state import SHIFT

STAFF_OF_SITE = for_site(from_path("site_id"))
STAFF_OF_SHIFT = for_site(site_of(SHIFT, "shift_id"))
DONE = Annotated[str | None, QueryParameter(name="done", max_length=32)]
DONE_WORDS = ("assigned", "waitlisted", "removed", "served", "cancelled")
ROSTER_CHANGES = {"assign": "assigned", "remove": "removed"}
WALK_IN_ROWS = 3


class ShiftPages(Controller):
    path = "/coordinator"
    include_in_schema = False
    guards = [requires_roles(ADMIN, COORDINATOR)]

    @get("/sites/{site_id:uuid}/shifts", guards=[STAFF_OF_SITE])
    async def week(
        self, site_id: FromPath[UUID], request: Request[Principal, Any, Any],
        read_models: NamedDependency[ReadModels], store: NamedDependency[EventStore],
        pool: NamedDependency[asyncpg.Pool], week: WEEK = None,
        min_position: MinPosition = None,
    ) -> Template:
        site, _ = await reads.site_and_rooms(read_models, site_id, min_position)
        if site is None:
            return page(request, "error.html", status_code=404,
                        message=translator(language_of(request))("coordinator.no_site"))
        monday = week_of(week)
        start, end = week_bounds(monday)
        rows, _ = await read_models.read(
            shift_board.SHIFT_BOARD, min_position,
            lambda connection: shift_board.shifts(connection, site_id=site_id, start=start,
                                                  end=end))
        shifts = [found for row in rows
                  if (found := await roster(read_models, store, pool, row["id"], min_position))]
        days: dict[Any, list[dict[str, Any]]] = {}
        for shift in shifts:
            days.setdefault(shift["starts_at"].date(), []).append(shift)
        return page(request, "coordinator/shifts.html", site=site, monday=monday,
                    sunday=monday + timedelta(days=6), previous_week=monday - timedelta(days=7),
                    next_week=monday + timedelta(days=7),
                    days=sorted(days.items()), moment=local(datetime.now(UTC)),
                    named=(await reads.qualifications(read_models, language_of(request)))[1],
                    unfilled=sum(1 for s in shifts if not s["cancelled"]
                                 and len(s["claimed"]) < s["capacity"]))

    @get("/shifts/{shift_id:uuid}", guards=[STAFF_OF_SHIFT])
    async def shift(
        self, shift_id: FromPath[UUID], request: Request[Principal, Any, Any],
        read_models: NamedDependency[ReadModels], store: NamedDependency[EventStore],
        pool: NamedDependency[asyncpg.Pool], min_position: MinPosition = None,
        done: DONE = None,
    ) -> Template:
        return await self._shift_page(request, read_models, store, pool, shift_id,
                                      min_position, done=done if done in DONE_WORDS else None)

    @get("/shifts/{shift_id:uuid}/removal/{volunteer_id:uuid}", guards=[STAFF_OF_SHIFT])
    async def confirm_removal(
        self, shift_id: FromPath[UUID], volunteer_id: FromPath[UUID],
        request: Request[Principal, Any, Any], read_models: NamedDependency[ReadModels],
        store: NamedDependency[EventStore], pool: NamedDependency[asyncpg.Pool],
    ) -> Template:
        """The question before a volunteer is taken off a shift."""
        t = translator(language_of(request))
        shift = await _roster_of(read_models, store, pool, shift_id)
        if volunteer_id not in {p["id"] for p in [*shift["claimed"], *shift["waitlist"]]}:
            raise NotFoundException()  # nobody's name is shown but of those on the shift
        name = (await names_of(store, pool, [volunteer_id]))[volunteer_id] or t("roster.erased")
        when = shift["starts_at"].strftime("%d.%m.%Y %H:%M")
        waits = any(p["id"] == volunteer_id for p in shift["waitlist"])
        waiting = shift["waitlist"][0]["name"] if shift["waitlist"] and not waits else None
        return page(request, "coordinator/confirm.html",
                    heading=t("roster.remove_heading"),
                    question=t("roster.remove_question", name=name, title=shift["title"],
                               when=when),
                    consequence=(t("roster.remove_leaves_waitlist") if waits
                                 else t("roster.remove_moves_up", name=waiting) if waiting
                                 else t("roster.remove_frees")),
                    action=f"/coordinator/shifts/{shift_id}/roster/remove",
                    hidden={"volunteer_id": str(volunteer_id), "request_key": fresh_key()},
                    confirm=t("roster.remove_confirm"), back=f"/coordinator/shifts/{shift_id}",
                    reason=False)

    @post("/shifts/{shift_id:uuid}/roster/{change:str}", guards=[STAFF_OF_SHIFT])
    async def change_roster(
        self, shift_id: FromPath[UUID], change: FromPath[str],
        request: Request[Principal, Any, Any], commands: NamedDependency[CommandHandler],
        read_models: NamedDependency[ReadModels], store: NamedDependency[EventStore],
        pool: NamedDependency[asyncpg.Pool], data: Annotated[shift_forms.VolunteerForm, FORM],
    ) -> Template | Redirect:
        """``change``: ``assign`` or ``remove`` (the answer of the removal's question)."""
        if change not in ROSTER_CHANGES:
            raise NotFoundException()
        return await self._roster_change(request, commands, read_models, store, pool, shift_id,
                                         data, ROSTER_CHANGES[change])

    async def _roster_change(
        self, request: Request[Principal, Any, Any], commands: CommandHandler,
        read_models: ReadModels, store: EventStore, pool: asyncpg.Pool, shift_id: UUID,
        data: shift_forms.VolunteerForm, done: str,
    ) -> Template | Redirect:
        """Assigns (``done="assigned"``) or removes a volunteer; a refusal is shown beside the
        assign form or above the roster."""
        t = translator(language_of(request))
        make = shift_forms.assign_command if done == "assigned" else shift_forms.remove_command
        error = "assign_error" if done == "assigned" else "remove_error"
        try:
            result = await commands.handle(SHIFTS, make(shift_id, data, now()),
                                           form_metadata(request, done, data.request_key))
        except FormError as refused:
            return await self._shift_page(request, read_models, store, pool, shift_id, None,
                                          status_code=422, **{error: t(refused.key)})
        except Rejection as rejection:
            return await self._shift_page(
                request, read_models, store, pool, shift_id, None,
                status_code=rejection.status, **{error: refusal_message(
                    rejection, t, on_behalf=True, missing=await _missing(
                        rejection, request, read_models))})
        if any(isinstance(event, ShiftWaitlisted) for event in result.events):
            done = "waitlisted"  # the shift was full: assigned to its waitlist
        return Redirect(f"/coordinator/shifts/{shift_id}?min_position={result.position}"
                        f"&done={done}", status_code=303)

    @get("/shifts/{shift_id:uuid}/cancellation", guards=[STAFF_OF_SHIFT])
    async def confirm_cancellation(
        self, shift_id: FromPath[UUID], request: Request[Principal, Any, Any],
        read_models: NamedDependency[ReadModels], store: NamedDependency[EventStore],
        pool: NamedDependency[asyncpg.Pool],
    ) -> Template:
        """The question before a shift is cancelled, with the reason everyone is told."""
        return await _cancel_question(request, read_models, store, pool, shift_id,
                                      shift_forms.CancelShiftForm(request_key=fresh_key()))

    @post("/shifts/{shift_id:uuid}/cancellation", guards=[STAFF_OF_SHIFT])
    async def cancel(
        self, shift_id: FromPath[UUID], request: Request[Principal, Any, Any],
        commands: NamedDependency[CommandHandler], read_models: NamedDependency[ReadModels],
        store: NamedDependency[EventStore], pool: NamedDependency[asyncpg.Pool],
        data: Annotated[shift_forms.CancelShiftForm, FORM],
    ) -> Template | Redirect:
        t = translator(language_of(request))
        try:
            result = await commands.handle(
                SHIFTS, shift_forms.cancel_command(shift_id, data, now()),
                form_metadata(request, "cancel-shift", data.request_key))
        except FormError as error:
            return await _cancel_question(request, read_models, store, pool, shift_id, data,
                                          error=t(error.key))
        except Rejection as rejection:
            return await self._shift_page(request, read_models, store, pool, shift_id, None,
                                          status_code=rejection.status,
                                          remove_error=refusal_message(rejection, t))
        return Redirect(f"/coordinator/shifts/{shift_id}?min_position={result.position}"
                        "&done=cancelled", status_code=303)

    @post("/shifts/{shift_id:uuid}/served", guards=[STAFF_OF_SHIFT])
    async def served(
        self, shift_id: FromPath[UUID], request: Request[Principal, Any, Any],
        commands: NamedDependency[CommandHandler], read_models: NamedDependency[ReadModels],
        store: NamedDependency[EventStore], pool: NamedDependency[asyncpg.Pool],
        data: Annotated[shift_forms.ServedForm, FORM],
    ) -> Template | Redirect:
        t = translator(language_of(request))
        state = await commands.state(SHIFT(shift_id))
        try:
            command = shift_forms.served_command(shift_id, data, (state.starts_at, state.ends_at),
                                                 now())
            result = await commands.handle(SHIFTS, command,
                                           form_metadata(request, "served", data.request_key))
        except FormError as error:
            return await self._shift_page(request, read_models, store, pool, shift_id, None,
                                          status_code=422, served_form=data,
                                          served_error=t(error.key), served_field=error.field)
        except Rejection as rejection:
            return await self._shift_page(
                request, read_models, store, pool, shift_id, None,
                status_code=rejection.status, served_form=data,
                served_error=refusal_message(rejection, t, on_behalf=True),
                served_field=rejection.field)
        return Redirect(f"/coordinator/shifts/{shift_id}?min_position={result.position}"
                        "&done=served", status_code=303)

    async def _shift_page(
        self, request: Request[Principal, Any, Any], read_models: ReadModels,
        store: EventStore, pool: asyncpg.Pool, shift_id: UUID, min_position: int | None, *,
        status_code: int = 200, **shown: Any,
    ) -> Template:
        shift = await _roster_of(read_models, store, pool, shift_id, min_position)
        site, _ = await reads.site_and_rooms(read_models, shift["site_id"], None)
        people = await site_volunteers(read_models, store, pool, shift["site_id"], min_position)
        holding = {p["id"] for p in [*shift["claimed"], *shift["waitlist"]]}
        moment = local(datetime.now(UTC))
        return page(request, "coordinator/shift.html", status_code=status_code,
                    site=site, shift=shift, started=shift["starts_at"] <= moment,
                    candidates=[p for p in people if p["id"] not in holding],
                    walk_in_rows=range(WALK_IN_ROWS), assign_key=fresh_key(),
                    served_key=fresh_key(),
                    named=(await reads.qualifications(read_models, language_of(request)))[1],
                    **shown)


async def _missing(rejection: Rejection, request: Request[Any, Any, Any],
                   read_models: ReadModels) -> str:
    _, named = await reads.qualifications(read_models, language_of(request))
    return ", ".join(named(str(q)) for q in rejection.members.get("missing", []))


async def _roster_of(read_models: ReadModels, store: EventStore, pool: asyncpg.Pool,
                     shift_id: UUID, min_position: int | None = None) -> dict[str, Any]:
    """The shift's roster; 404 while the read model has not seen the shift (the guard found
    it in its stream: it was created just now, and the reader asked without its position)."""
    shift = await roster(read_models, store, pool, shift_id, min_position)
    if shift is None:
        raise NotFoundException()
    return shift


async def _cancel_question(request: Request[Any, Any, Any], read_models: ReadModels,
                           store: EventStore, pool: asyncpg.Pool, shift_id: UUID,
                           form: shift_forms.CancelShiftForm,
                           error: str | None = None) -> Template:
    t = translator(language_of(request))
    shift = await _roster_of(read_models, store, pool, shift_id)
    told = len(shift["claimed"]) + len(shift["waitlist"])
    return page(request, "coordinator/confirm.html", status_code=422 if error else 200,
                heading=t("roster.cancel_heading"),
                question=t("roster.cancel_question", title=shift["title"],
                           when=shift["starts_at"].strftime("%d.%m.%Y %H:%M")),
                consequence=t("roster.cancel_consequence", count=told),
                action=f"/coordinator/shifts/{shift_id}/cancellation",
                hidden={"request_key": form.request_key or fresh_key()}, reason=True,
                reason_value=form.reason, error=error, confirm=t("roster.cancel_confirm"),
                back=f"/coordinator/shifts/{shift_id}")
