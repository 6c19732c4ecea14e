"""The coordinator's volunteers ("Ehrenamtliche"): the site's volunteers with how to reach them
and their qualifications; a new volunteer (registered at the coordinator's sites); and hours
worked outside shifts (a timesheet line), which count in the funding report as shift hours do.

Thin adapters: ``services.volunteers.forms`` and ``services.hours.forms`` read the forms as the
API reads its bodies; the commands run through ``CommandHandler.handle``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any
from uuid import UUID

import asyncpg
import msgspec
from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Template

from events.store import EventStore
from projections import directory
from services.auth.guards import ADMIN, COORDINATOR, for_site, from_path, requires_roles
from services.auth.tokens import Principal
from services.commands.handler import CommandHandler
from services.commands.http import now
from services.commands.rejections import Rejection
from services.hours import forms as hours_forms
from services.hours.decider import HOURS
from services.pages import coordinator_reads as reads
from services.pages.coordinator import FORM, no_such_site
from services.pages.forms import FormError, form_metadata, fresh_key
from services.pages.i18n import language_of, translator
from services.pages.local_time import local
from services.pages.people_reads import site_volunteers
from services.pages.refusals import refusal_message
from services.pages.rendering import page
from services.reads.read_models import ReadModels
from services.reads.routes import MinPosition
from services.volunteers import forms as volunteer_forms
from services.volunteers import service as volunteers
from services.volunteers.state import VOLUNTEER

STAFF_OF_SITE = for_site(from_path("site_id"))
DONE = Annotated[str | None, QueryParameter(name="done", max_length=32)]
DONE_WORDS = ("added", "hours")


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
            people.append({**person, "email": profile.email, "phone": profile.phone,
                           "qualifications": sorted(
                               ({"name": named(q), "valid_until": local(until),
                                 "valid": until > moment}
                                for q, until in state.qualifications.items()),
                               key=lambda q: q["name"])})
        offers, _ = await read_models.read(directory.DIRECTORY, min_position,
                                           lambda connection: directory.offers(connection,
                                                                               site_id))
        context = PeoplePage(site=site, people=people, offers=offers, **shown)
        return page(request, "coordinator/volunteers.html", context, status_code=status_code)
