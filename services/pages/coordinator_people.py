"""The coordinator's volunteers ("Ehrenamtliche"): the site's volunteers with how to reach them
and their qualifications; a new volunteer (registered at the coordinator's sites); inviting one
that has no password yet (as ``POST /api/volunteers/{id}/invitation`` does); one volunteer's
profile (``people_profile``); and hours worked outside shifts (a timesheet line), which count
in the funding report as shift hours do.

Thin adapters: ``services.volunteers.forms`` and ``services.hours.forms`` read the forms as the
API reads its bodies; the commands run through ``CommandHandler.handle``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any
from uuid import UUID

import asyncpg
import msgspec
from babel.dates import format_date
from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Template

from events.store import EventStore
from projections import directory
from services.accounts import password_links
from services.auth.guards import ADMIN, COORDINATOR, for_site, from_path, requires_roles
from services.auth.tokens import Principal
from services.commands.handler import CommandHandler
from services.commands.http import now
from services.commands.rejections import Rejection
from services.hours import forms as hours_forms
from services.hours.decider import HOURS
from services.pages import coordinator_reads as reads
from services.pages.auditor import number
from services.pages.coordinator import FORM, no_such_site
from services.pages.forms import FormError, form_metadata, fresh_key
from services.pages.i18n import language_of, translator
from services.pages.people_profile import qualification_rows, volunteer_profile
from services.pages.people_reads import site_volunteers
from services.pages.refusals import refusal_message
from services.pages.rendering import page
from services.reads.read_models import ReadModels
from services.reads.routes import MinPosition
from services.volunteers import forms as volunteer_forms
from services.volunteers import service as volunteers
from services.volunteers.access import coordinator_of_the_volunteer
from services.volunteers.state import VOLUNTEER

STAFF_OF_SITE = for_site(from_path("site_id"))
OF_THE_VOLUNTEER = coordinator_of_the_volunteer(from_path("volunteer_id"))
DONE = Annotated[str | None, QueryParameter(name="done", max_length=32)]
DONE_WORDS = ("added", "hours", "invited")
INVITE_REFUSALS = {
    "has_password": "people.invite_has_account",
    "erased": "people.invite_erased",
}


class PeoplePage(msgspec.Struct, kw_only=True):
    site: dict[str, Any]
    people: list[dict[str, Any]]
    offers: list[dict[str, Any]]
    person: volunteer_forms.NewVolunteerForm = msgspec.field(
        default_factory=volunteer_forms.NewVolunteerForm)
    person_errors: dict[str, str] = {}
    hours: hours_forms.HoursForm = msgspec.field(default_factory=hours_forms.HoursForm)
    hours_errors: dict[str, str] = {}
    done: str | None = None
    invite_errors: dict[str, str] = {}
    """Volunteer id -> why its invitation was refused."""
    person_key: str = msgspec.field(default_factory=fresh_key)
    hours_key: str = msgspec.field(default_factory=fresh_key)


class PeoplePages(Controller):
    path = "/coordinator/sites/{site_id:uuid}"
    include_in_schema = False
    guards = [requires_roles(ADMIN, COORDINATOR), STAFF_OF_SITE]

    @get("/volunteers")
    async def volunteers(
        self, site_id: FromPath[UUID], request: Request[Principal, Any, Any],
        commands: NamedDependency[CommandHandler], read_models: NamedDependency[ReadModels],
        store: NamedDependency[EventStore], pool: NamedDependency[asyncpg.Pool],
        min_position: MinPosition = None, done: DONE = None,
    ) -> Template:
        return await self._page(request, commands, read_models, store, pool, site_id,
                                min_position, done=done if done in DONE_WORDS else None)

    @post("/volunteers")
    async def add(
        self, site_id: FromPath[UUID], request: Request[Principal, Any, Any],
        commands: NamedDependency[CommandHandler], read_models: NamedDependency[ReadModels],
        store: NamedDependency[EventStore], pool: NamedDependency[asyncpg.Pool],
        data: Annotated[volunteer_forms.NewVolunteerForm, FORM],
    ) -> Template | Redirect:
        t = translator(language_of(request))
        principal = request.user
        try:
            name, email, phone = volunteer_forms.person_of(data)
            key = data.request_key.strip()
            result, _ = await volunteers.register(
                commands, pool, name, email, phone, actor=f"account:{principal.account_id}",
                site_ids=principal.site_ids if principal.role == COORDINATOR else [site_id],
                idempotency_key=f"page-volunteer:{key}" if key else None)
        except FormError as error:
            return await self._page(request, commands, read_models, store, pool, site_id, None,
                                    status_code=422, person=data,
                                    person_errors={error.field: t(error.key)})
        except Rejection as rejection:
            field = rejection.field if rejection.field in volunteer_forms.FIELDS else "name"
            return await self._page(request, commands, read_models, store, pool, site_id, None,
                                    status_code=rejection.status, person=data,
                                    person_errors={field: refusal_message(rejection, t)})
        return Redirect(f"/coordinator/sites/{site_id}/volunteers?min_position="
                        f"{result.position}&done=added", status_code=303)

    @post("/volunteers/{volunteer_id:uuid}/invitation", guards=[OF_THE_VOLUNTEER])
    async def invite(
        self, site_id: FromPath[UUID], volunteer_id: FromPath[UUID],
        request: Request[Principal, Any, Any], commands: NamedDependency[CommandHandler],
        read_models: NamedDependency[ReadModels], store: NamedDependency[EventStore],
        pool: NamedDependency[asyncpg.Pool],
    ) -> Template | Redirect:
        """The volunteer's account and a mailed link to choose a password (7 days)."""
        try:
            position = await password_links.invite(
                commands, store, pool, request.app.state.secret_keys, volunteer_id,
                actor=f"account:{request.user.account_id}")
        except Rejection as rejection:
            t = translator(language_of(request))
            return await self._page(request, commands, read_models, store, pool, site_id, None,
                                    status_code=rejection.status, invite_errors={
                                        str(volunteer_id): t(INVITE_REFUSALS.get(
                                        str(rejection.members.get("code")),
                                        "people.invite_refused"))})
        return Redirect(f"/coordinator/sites/{site_id}/volunteers?min_position={position}"
                        "&done=invited", status_code=303)

    @get("/volunteers/{volunteer_id:uuid}", guards=[OF_THE_VOLUNTEER])
    async def profile(
        self, site_id: FromPath[UUID], volunteer_id: FromPath[UUID],
        request: Request[Principal, Any, Any], commands: NamedDependency[CommandHandler],
        read_models: NamedDependency[ReadModels], store: NamedDependency[EventStore],
        pool: NamedDependency[asyncpg.Pool], min_position: MinPosition = None,
    ) -> Template:
        site, _ = await reads.site_and_rooms(read_models, site_id, min_position)
        if site is None:
            return no_such_site(request)
        _, named = await reads.qualifications(read_models, language_of(request))
        principal = request.user
        shown = await volunteer_profile(
            commands, read_models, store, pool, volunteer_id,
            frozenset(principal.site_ids) if principal.role == COORDINATOR else None, named,
            min_position)
        if shown is None:
            raise NotFoundException()
        language = language_of(request)
        return page(request, "coordinator/volunteer.html", site=site, person=shown,
                    number=number(language),
                    month_name=lambda day: format_date(day, "LLLL", locale=language))

    @post("/hours")
    async def record_hours(
        self, site_id: FromPath[UUID], request: Request[Principal, Any, Any],
        commands: NamedDependency[CommandHandler], read_models: NamedDependency[ReadModels],
        store: NamedDependency[EventStore], pool: NamedDependency[asyncpg.Pool],
        data: Annotated[hours_forms.HoursForm, FORM],
    ) -> Template | Redirect:
        t = translator(language_of(request))
        try:
            metadata = form_metadata(request, "hours", data.request_key)
            result = await commands.handle(
                HOURS, hours_forms.hours_command(site_id, data, metadata, now()), metadata)
        except FormError as error:
            return await self._page(request, commands, read_models, store, pool, site_id, None,
                                    status_code=422, hours=data,
                                    hours_errors={error.field: t(error.key)})
        except Rejection as rejection:
            field = hours_forms.FIELD_OF.get(rejection.field, "activity")
            return await self._page(
                request, commands, read_models, store, pool, site_id, None,
                status_code=rejection.status, hours=data,
                hours_errors={field: refusal_message(rejection, t, on_behalf=True)})
        return Redirect(f"/coordinator/sites/{site_id}/volunteers?min_position="
                        f"{result.position}&done=hours", status_code=303)

    async def _page(self, request: Request[Principal, Any, Any], commands: CommandHandler,
                    read_models: ReadModels, store: EventStore, pool: asyncpg.Pool,
                    site_id: UUID, min_position: int | None, *, status_code: int = 200,
                    **shown: Any) -> Template:
        site, _ = await reads.site_and_rooms(read_models, site_id, min_position)
        if site is None:
            return no_such_site(request)
        _, named = await reads.qualifications(read_models, language_of(request))
        moment = datetime.now(UTC)
        people = []
        for person in await site_volunteers(read_models, store, pool, site_id, min_position):
            profile = await volunteers.profile(store, pool, person["id"])
            state = await commands.state(VOLUNTEER(person["id"]))
            standing, _ = await password_links.invitation_standing(commands, person["id"])
            people.append({**person, "email": profile.email, "phone": profile.phone,
                           "standing": standing,
                           "qualifications": qualification_rows(state.qualifications, named,
                                                                moment)})
        offers, _ = await read_models.read(directory.DIRECTORY, min_position,
                                           lambda connection: directory.offers(connection,
                                                                               site_id))
        context = PeoplePage(site=site, people=people, offers=offers, **shown)
        return page(request, "coordinator/volunteers.html", context, status_code=status_code)
