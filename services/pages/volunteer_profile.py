"""The volunteer's profile: who I am, my home villages (remembered as an event, so the
start page and the shift finder show their shifts), and what I am told by e-mail and when
(the notification settings, decided as ``PUT /api/volunteers/{id}/notification-settings``)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, NamedTuple

import asyncpg
from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from events.store import EventStore
from projections import directory, notifier
from services.auth.guards import VOLUNTEER, requires_roles
from services.auth.tokens import Principal
from services.commands.decider import Decider
from services.commands.handler import CommandHandler
from services.commands.http import now
from services.commands.rejections import Rejection
from services.notifications.decider import (
    DEFAULT_REMINDER_HOURS,
    NOTIFICATION_SETTINGS,
    ChangeNotificationSettings,
)
from services.notifications.forms import (
    CHOSEN_KINDS,
    NO_REMINDER,
    reminder_choices,
    settings_command,
)
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
from services.volunteers.decider import HOME_SITES, ChooseHomeSites
from services.volunteers.forms import home_sites_command
from services.volunteers.state import VOLUNTEER as VOLUNTEER_STREAM




class Refused(NamedTuple):
    """A refusal shown at a field of one of the profile's forms."""

    form: str
    field: str
    key: str
    values: dict[str, Any]


class VolunteerProfile(Controller):
    path = "/volunteer/profile"
    guards = [requires_roles(VOLUNTEER), with_a_volunteer_record]
    include_in_schema = False

    @get("/")
    async def profile(
        self, request: Request[Principal, Any, Any], read_models: NamedDependency[ReadModels],
        commands: NamedDependency[CommandHandler], store: NamedDependency[EventStore],
        pool: NamedDependency[asyncpg.Pool], min_position: MinPosition = None,
        saved: FromQuery[str | None] = None,
    ) -> Template:
        return await self._page(request, read_models, commands, store, pool, min_position,
                                saved=saved)

    @post("/{form_name:str}")
    async def submit(
        self, form_name: FromPath[str], request: Request[Principal, Any, Any],
        read_models: NamedDependency[ReadModels], commands: NamedDependency[CommandHandler],
        store: NamedDependency[EventStore], pool: NamedDependency[asyncpg.Pool],
    ) -> Template | Redirect:
        """One of the profile's forms (``FORMS``) read into its command and decided; a refusal
        is shown at that form's field, a success as "saved" above that form."""
        if form_name not in FORMS:
            raise NotFoundException()
        decider, command_of = FORMS[form_name]
        form = await request.form()
        try:
            command = await command_of(request, read_models, form)
            result = await commands.handle(decider, command, form_metadata(
                request, form_name, str(form.get("request_key", ""))))
        except FormError as error:
            return await self._page(request, read_models, commands, store, pool, None,
                                    error=Refused(form_name, error.field, error.key, {}),
                                    status_code=422)
        except Rejection as rejection:
            key, values = refusal(rejection, language_of(request))
            return await self._page(request, read_models, commands, store, pool, None,
                                    error=Refused(form_name, rejection.field, key, values),
                                    status_code=status_of(rejection))
        return Redirect(f"/volunteer/profile?min_position={result.position}"
                        f"&saved={form_name}#{form_name}", status_code=303)

    async def _page(
        self, request: Request[Principal, Any, Any], read_models: ReadModels,
        commands: CommandHandler, store: EventStore, pool: asyncpg.Pool,
        min_position: int | None, *, saved: str | None = None, error: Refused | None = None,
        status_code: int = 200,
    ) -> Template:
        volunteer_id = volunteer_id_of(request)
        read = Reads(read_models, min_position)
        person = await service.profile(store, pool, volunteer_id)
        me = await commands.state(VOLUNTEER_STREAM(volunteer_id))
        sites = await read(directory.DIRECTORY, directory.sites)
        settings = await _settings(read, volunteer_id)
        return page(request, "volunteer/profile.html", status_code=status_code,
                    person=person, sites=sites, home_sites=set(me.home_site_ids),
                    saved=saved, error=error, behind=read.behind,
                    request_key=fresh_key(), settings=settings,
                    reminder_off=notifier.REMINDER in settings["off"],
                    reminder_choices=reminder_choices(settings["reminder_hours_before"]),
                    no_reminder=NO_REMINDER, kinds=CHOSEN_KINDS)


async def _settings(read: Reads, volunteer_id: Any) -> dict[str, Any]:
    """What the notifier holds for the volunteer; its defaults while it does not know it yet."""
    settings = await read(notifier.NOTIFIER,
                          lambda connection: notifier.settings_of(connection, volunteer_id))
    return settings or {"language": "de", "reminder_hours_before": DEFAULT_REMINDER_HOURS,
                        "off": []}


async def _home_sites(request: Request[Principal, Any, Any], _: ReadModels,
                      form: Any) -> ChooseHomeSites:
    return home_sites_command(volunteer_id_of(request), form.getall("site_id", []), now())


async def _notification_settings(request: Request[Principal, Any, Any],
                                 read_models: ReadModels, form: Any) -> ChangeNotificationSettings:
    volunteer_id = volunteer_id_of(request)
    current = await _settings(Reads(read_models, None), volunteer_id)
    return settings_command(volunteer_id, form, current["reminder_hours_before"], now())


FORMS: dict[str, tuple[Decider[Any], Callable[..., Awaitable[Any]]]] = {
    "home-sites": (HOME_SITES, _home_sites),
    "notifications": (NOTIFICATION_SETTINGS, _notification_settings),
}
"""The profile's forms (``POST /volunteer/profile/<name>``), each the id of its section and
the kind of its idempotency keys: the command it decides, and how the form is read into it."""
