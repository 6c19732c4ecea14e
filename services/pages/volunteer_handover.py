"""Handing a shift over on the volunteer's phone: offering my place (to everyone at the
Dorftreff, or to a colleague chosen by name among its volunteers), the places offered to me,
each taken with one tap or saying why I cannot take it, and my own open offers, each withdrawn
with one tap."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any
from uuid import UUID

import asyncpg
from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Template

from events.store import EventStore
from projections import directory, handovers, volunteer_schedule
from services.auth.guards import VOLUNTEER, requires_roles
from services.auth.tokens import Principal
from services.commands.handler import CommandHandler
from services.commands.http import now
from services.commands.rejections import Rejection
from services.handovers.decider import HANDOVERS, AcceptHandover, WithdrawHandover
from services.handovers.forms import HandoverForm, handover_command
from services.handovers.routes import may_accept, sites_of_the_volunteer
from services.handovers.state import HANDOVER
from services.pages.forms import FORM, FormError, form_metadata, fresh_key
from services.pages.i18n import language_of
from services.pages.people_reads import site_volunteers
from services.pages.local_time import day_label, local, time_span
from services.pages.rendering import page
from services.pages.volunteer import (
    Reads,
    catalogue_names,
    qualification_names,
    refusal,
    status_of,
    volunteer_id_of,
    with_a_volunteer_record,
)
from services.platform.problems import Problem
from services.reads.read_models import ReadModels
from services.reads.routes import MinPosition
from services.shifts.eligibility import obstacles
from services.shifts.state import SHIFT
from services.volunteers.state import VOLUNTEER as VOLUNTEER_STREAM


People = tuple[ReadModels, EventStore, asyncpg.Pool]
"""What reading the site's volunteers by name takes."""


def when_and_where(row: dict[str, Any], sites: list[dict[str, Any]],
                   language: str) -> dict[str, Any]:
    site_of = {site["id"]: site for site in sites}
    return {**row, "site": site_of.get(row["site_id"]),
            "day": day_label(local(row["starts_at"]).date(), language),
            "time": time_span(row["starts_at"], row["ends_at"], language)}


class VolunteerHandovers(Controller):
    path = "/volunteer"
    guards = [requires_roles(VOLUNTEER), with_a_volunteer_record]
    include_in_schema = False

    @get("/my-shifts/{shift_id:uuid}/handover")
    async def offer_form(
        self, shift_id: FromPath[UUID], request: Request[Principal, Any, Any],
        read_models: NamedDependency[ReadModels], store: NamedDependency[EventStore],
        pool: NamedDependency[asyncpg.Pool],
    ) -> Template | Redirect:
        return await self._offer_page(request, (read_models, store, pool), shift_id,
                                      HandoverForm())

    @post("/my-shifts/{shift_id:uuid}/handover")
    async def offer(
        self, shift_id: FromPath[UUID], request: Request[Principal, Any, Any],
        read_models: NamedDependency[ReadModels], commands: NamedDependency[CommandHandler],
        store: NamedDependency[EventStore], pool: NamedDependency[asyncpg.Pool],
        data: Annotated[HandoverForm, FORM],
    ) -> Template | Redirect:
        holder = volunteer_id_of(request)
        try:
            held = await self._held(read_models, holder, shift_id)
            choosable = [] if held is None or data.to != "colleague" else await (
                self._colleagues((read_models, store, pool), held["site_id"], holder))
            colleague = data.colleague_id({person["id"] for person in choosable})
            metadata = form_metadata(request, "handover", data.request_key)
            result = await commands.handle(
                HANDOVERS, handover_command(shift_id, holder, colleague, metadata, now()),
                metadata)
        except FormError as error:
            return await self._offer_page(request, (read_models, store, pool), shift_id, data,
                                          error=(error.key, {}), status_code=422)
        except (Rejection, Problem) as problem:
            return await self._offer_page(request, (read_models, store, pool), shift_id, data,
                                          error=refusal(problem, language_of(request)),
                                          status_code=status_of(problem))
        return Redirect(f"/volunteer/my-shifts?min_position={result.position}&done=offered",
                        status_code=303)

    @get("/handovers")
    async def offered_to_me(
        self, request: Request[Principal, Any, Any], read_models: NamedDependency[ReadModels],
        commands: NamedDependency[CommandHandler], min_position: MinPosition = None,
    ) -> Template:
        return await self._offered_page(request, read_models, commands, min_position)

    @post("/handovers/{handover_id:uuid}/accept")
    async def accept(
        self, handover_id: FromPath[UUID], request: Request[Principal, Any, Any],
        read_models: NamedDependency[ReadModels], commands: NamedDependency[CommandHandler],
    ) -> Template | Redirect:
        taker = volunteer_id_of(request)
        try:
            offered = await commands.state(HANDOVER(handover_id))
            if not await may_accept(commands, read_models, taker, offered):
                raise FormError("handover", "handover.not_for_you")
            result = await commands.handle(HANDOVERS, AcceptHandover(
                handover_id=handover_id, volunteer_id=taker, now=now(),
            ), form_metadata(request, "accept", f"{handover_id}"))
        except FormError as error:
            return await self._offered_page(request, read_models, commands, None,
                                            error=(error.key, {}), status_code=403)
        except (Rejection, Problem) as problem:
            return await self._refused(request, read_models, commands, problem)
        return Redirect(f"/volunteer/my-shifts?min_position={result.position}&done=taken_over",
                        status_code=303)

    @post("/handovers/{handover_id:uuid}/withdrawal")
    async def withdraw(
        self, handover_id: FromPath[UUID], request: Request[Principal, Any, Any],
        read_models: NamedDependency[ReadModels], commands: NamedDependency[CommandHandler],
    ) -> Template | Redirect:
        try:
            result = await commands.handle(HANDOVERS, WithdrawHandover(
                handover_id=handover_id, volunteer_id=volunteer_id_of(request), now=now(),
            ), form_metadata(request, "withdraw", f"{handover_id}"))
        except (Rejection, Problem) as problem:
            return await self._refused(request, read_models, commands, problem)
        return Redirect(f"/volunteer/handovers?min_position={result.position}&done=withdrawn",
                        status_code=303)

    async def _refused(self, request: Request[Principal, Any, Any], read_models: ReadModels,
                       commands: CommandHandler, problem: Rejection | Problem) -> Template:
        """The offers page again, saying why the tap did nothing."""
        return await self._offered_page(request, read_models, commands, None,
                                        error=refusal(problem, language_of(request)),
                                        status_code=status_of(problem))

    async def _held(self, read_models: ReadModels, holder: UUID,
                    shift_id: UUID) -> dict[str, Any] | None:
        """The holder's row of the shift in its schedule, if it holds a place."""
        mine = await Reads(read_models, None)(
            volunteer_schedule.VOLUNTEER_SCHEDULE,
            lambda c: volunteer_schedule.schedule(c, holder, None, None))
        return next((row for row in mine if row["shift_id"] == shift_id
                     and not row["waitlisted"]), None)

    async def _colleagues(self, people: People, site_id: UUID,
                          holder: UUID) -> list[dict[str, Any]]:
        """The site's volunteers (registered or active there, not erased) but the holder, by
        name: whom the holder may choose."""
        return [person for person in await site_volunteers(*people, site_id)
                if person["id"] != holder]

    async def _offer_page(
        self, request: Request[Principal, Any, Any], people: People, shift_id: UUID,
        form: HandoverForm, *, error: tuple[str, dict[str, Any]] | None = None,
        status_code: int = 200,
    ) -> Template | Redirect:
        holder = volunteer_id_of(request)
        held = await self._held(people[0], holder, shift_id)
        if held is None:
            return Redirect("/volunteer/my-shifts", status_code=303)
        sites = await Reads(people[0], None)(directory.DIRECTORY, directory.sites)
        return page(request, "volunteer/handover.html", status_code=status_code,
                    shift=when_and_where(held, sites, language_of(request)), form=form,
                    colleagues=await self._colleagues(people, held["site_id"], holder),
                    error=error, request_key=form.request_key or fresh_key())

    async def _offered_page(
        self, request: Request[Principal, Any, Any], read_models: ReadModels,
        commands: CommandHandler, min_position: int | None, *,
        error: tuple[str, dict[str, Any]] | None = None, status_code: int = 200,
    ) -> Template:
        taker = volunteer_id_of(request)
        language = language_of(request)
        read = Reads(read_models, min_position)
        my_sites = await sites_of_the_volunteer(commands, read_models, taker)
        sites = await read(directory.DIRECTORY, directory.sites)
        offers = await read(handovers.HANDOVERS, lambda c: handovers.open_offers(
            c, since=datetime.now(UTC), to=taker, site_ids=my_sites))
        mine = await read(handovers.HANDOVERS, lambda c: handovers.open_offers(
            c, since=datetime.now(UTC), by=taker))
        me = await commands.state(VOLUNTEER_STREAM(taker))
        named = qualification_names(language, await catalogue_names(read))
        shown = []
        for offer in offers:
            shift = await commands.state(SHIFT(offer["shift_id"]))
            if offer["from_volunteer_id"] == taker or offer["from_volunteer_id"] not in (
                    shift.claimed):
                continue  # my own offer, or a place released meanwhile
            standing = obstacles(me, {"id": offer["shift_id"], "starts_at": shift.starts_at,
                                      "ends_at": shift.ends_at,
                                      "required_qualifications": shift.required})
            shown.append({**when_and_where(offer, sites, language), "obstacles": standing,
                          "missing": ", ".join(named(q) for q in standing.missing),
                          "named": offer["to_volunteer_id"] == taker})
        return page(request, "volunteer/handovers.html", status_code=status_code,
                    offers=shown, error=error, behind=read.behind,
                    mine=[when_and_where(offer, sites, language) for offer in mine],
                    done=request.query_params.get("done"))
