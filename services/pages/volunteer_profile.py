"""The volunteer's profile: who I am, and my home villages (remembered as an event, so the
start page and the shift finder show their shifts)."""

from __future__ import annotations

from typing import Any

import asyncpg
from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromQuery
from litestar.response import Redirect, Template

from events.store import EventStore
from projections import directory
from services.auth.guards import VOLUNTEER, requires_roles
from services.auth.tokens import Principal
from services.commands.handler import CommandHandler
from services.commands.http import now
from services.commands.rejections import Rejection
from services.pages.forms import FormError, form_metadata, fresh_key
from services.pages.i18n import language_of
from services.pages.rendering import page
from services.pages.volunteer import (
    Reads,
    refusal,
    status_of,
    volunteer_id_of,
    with_a_volunteer_record,
)
from services.reads.read_models import ReadModels
from services.reads.routes import MinPosition
from services.volunteers import service
from services.volunteers.decider import HOME_SITES
from services.volunteers.forms import home_sites_command
from services.volunteers.state import VOLUNTEER as VOLUNTEER_STREAM


class VolunteerProfile(Controller):
    path = "/volunteer/profile"
    guards = [requires_roles(VOLUNTEER), with_a_volunteer_record]
    include_in_schema = False

    @get("/")
    async def profile(
        self, request: Request[Principal, Any, Any], read_models: NamedDependency[ReadModels],
        commands: NamedDependency[CommandHandler], store: NamedDependency[EventStore],
        pool: NamedDependency[asyncpg.Pool], min_position: MinPosition = None,
        saved: FromQuery[bool] = False,
    ) -> Template:
        return await self._page(request, read_models, commands, store, pool, min_position,
                                saved=saved)

    @post("/home-sites")
    async def choose_home_sites(
        self, request: Request[Principal, Any, Any], read_models: NamedDependency[ReadModels],
        commands: NamedDependency[CommandHandler], store: NamedDependency[EventStore],
        pool: NamedDependency[asyncpg.Pool],
    ) -> Template | Redirect:
        form = await request.form()
        try:
            command = home_sites_command(volunteer_id_of(request), form.getall("site_id", []),
                                         now())
            result = await commands.handle(HOME_SITES, command, form_metadata(
                request, "home-sites", str(form.get("request_key", ""))))
        except FormError as error:
            return await self._page(request, read_models, commands, store, pool, None,
                                    error=(error.key, {}), status_code=422)
        except Rejection as rejection:
            return await self._page(request, read_models, commands, store, pool, None,
                                    error=refusal(rejection, language_of(request)),
                                    status_code=status_of(rejection))
        return Redirect(f"/volunteer/profile?min_position={result.position}&saved=true",
                        status_code=303)

    async def _page(
        self, request: Request[Principal, Any, Any], read_models: ReadModels,
        commands: CommandHandler, store: EventStore, pool: asyncpg.Pool,
        min_position: int | None, *, saved: bool = False,
        error: tuple[str, dict[str, Any]] | None = None, status_code: int = 200,
    ) -> Template:
        volunteer_id = volunteer_id_of(request)
        read = Reads(read_models, min_position)
        person = await service.profile(store, pool, volunteer_id)
        me = await commands.state(VOLUNTEER_STREAM(volunteer_id))
        sites = await read(directory.DIRECTORY, directory.sites)
        return page(request, "volunteer/profile.html", status_code=status_code,
                    person=person, sites=sites, home_sites=set(me.home_site_ids),
                    saved=saved, error=error, behind=read.behind,
                    request_key=fresh_key())
