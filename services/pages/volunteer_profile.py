"""The volunteer's profile: who I am and my phone number, my home villages (remembered as an
event, so the start page and the shift finder show their shifts), what I am told by e-mail and
when (the notification settings, decided as ``PUT /api/volunteers/{id}/notification-settings``),
my password, and a new secret link for my calendar (asked again before the old one ends)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, NamedTuple

import asyncpg
from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from events.accounts import AccountPasswordChanged
from events.store import EventStore
from projections import directory, notifier
from services.accounts.own_password import change_own_password
from services.accounts.state import ACCOUNT
from services.auth.closed_accounts import closed_accounts
from services.auth.guards import VOLUNTEER, requires_roles
from services.auth.sign_in import client_address
from services.auth.tokens import Principal, issue, new_principal
from services.commands.decider import Decider
from services.commands.handler import CommandHandler, CommandResult
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
from services.pages.session import session_set
from services.pages.volunteer import (
    Reads,
    calendar_links,
    refusal,
    status_of,
    volunteer_id_of,
    with_a_volunteer_record,
)
from services.reads.read_models import ReadModels
from services.reads.routes import MinPosition
from services.volunteers import service
from services.volunteers.decider import FEED_TOKEN, HOME_SITES, ChooseHomeSites, RenewFeedToken
from services.volunteers.forms import home_sites_command, phone_of
from services.volunteers.schedule import feed_url
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

    @get("/feed-token/confirm")
    async def renew_feed_form(self, request: Request[Principal, Any, Any]) -> Template:
        """Asks before the calendar's old link stops working."""
        return page(request, "volunteer/renew_feed.html", request_key=fresh_key())

    @post("/password")
    async def change_password(
        self, request: Request[Principal, Any, Any], read_models: NamedDependency[ReadModels],
        commands: NamedDependency[CommandHandler], store: NamedDependency[EventStore],
        pool: NamedDependency[asyncpg.Pool],
    ) -> Template | Redirect:
        """The current password, then the new one twice. Every other session ends; this one
        gets a new token carrying the account's new count of password changes."""
        form = await request.form()
        current, new = str(form.get("current_password", "")), str(form.get("new_password", ""))
        again = str(form.get("new_password_again", ""))
        refused: Refused | None = None
        wait = await _throttled(request, commands)
        if wait:
            refused = Refused("password", "current_password", "sign_in.throttled",
                              {"seconds": wait})
        elif new != again:
            refused = Refused("password", "new_password_again", "password.mismatch", {})
        else:
            try:
                result = await change_own_password(commands, pool, request.user.account_id,
                                                   current=current, new=new)
            except Rejection as rejection:
                refused = Refused("password", rejection.field, PASSWORD_WORDS.get(
                    str(rejection.members.get("code")), "rejected.other"), {})
        if refused is not None:
            return await self._page(request, read_models, commands, store, pool, None,
                                    error=refused, status_code=429 if wait else 422)
        await _throttle_passed(request, commands)
        closed_accounts(request.app.state).note(result.events)
        principal = request.user
        token = issue(request.app.state.token_key, new_principal(
            principal.account_id, principal.role, principal.site_ids, principal.volunteer_id,
            now(), result_changes(result)))
        return Redirect(f"/volunteer/profile?min_position={result.position}&saved=password"
                        "#password", status_code=303, cookies=[session_set(request, token)])

    @post("/{form_name:str}")
    async def submit(
        self, form_name: FromPath[str], request: Request[Principal, Any, Any],
        read_models: NamedDependency[ReadModels], commands: NamedDependency[CommandHandler],
        store: NamedDependency[EventStore], pool: NamedDependency[asyncpg.Pool],
    ) -> Template | Redirect:
        """One of the profile's forms (``FORMS``) read into its command and decided; a refusal
        is shown at that form's field, a success as "saved" above that form."""
        if form_name not in FORMS and form_name not in RUNS:
            raise NotFoundException()
        form = await request.form()
        metadata = form_metadata(request, form_name, str(form.get("request_key", "")))
        try:
            if form_name in RUNS:
                result = await RUNS[form_name](request, commands, pool, form, metadata)
            else:
                decider, command_of = FORMS[form_name]
                command = await command_of(request, read_models, form)
                result = await commands.handle(decider, command, metadata)
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
                    no_reminder=NO_REMINDER, kinds=CHOSEN_KINDS,
                    **(calendar_links(await feed_url(request, volunteer_id))
                       if saved == "feed-token" else {}))


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


async def _renew_feed_token(request: Request[Principal, Any, Any], _: ReadModels,
                            form: Any) -> RenewFeedToken:
    return RenewFeedToken(volunteer_id=volunteer_id_of(request), now=now())


async def _change_phone(request: Request[Principal, Any, Any], commands: CommandHandler,
                        pool: asyncpg.Pool, form: Any, metadata: Any) -> CommandResult:
    return await service.change_phone(commands, pool, volunteer_id_of(request),
                                      phone_of(str(form.get("phone", ""))), metadata)


RUNS: dict[str, Callable[..., Awaitable[CommandResult]]] = {"phone": _change_phone}
"""The profile's forms whose command is more than a decision: the phone number is encrypted
with the volunteer's key first (``services.volunteers.service.change_phone``)."""

PASSWORD_WORDS = {
    "current_password_wrong": "password.current_wrong",
    "too_short": "password.too_short",
    "link_spent": "password.changed_meanwhile",
}


def result_changes(result: CommandResult) -> int:
    """The account's count of password changes after ``result`` (its one event)."""
    return next(event.changes for event in result.events
                if isinstance(event, AccountPasswordChanged))


async def _throttled(request: Request[Principal, Any, Any], commands: CommandHandler) -> int:
    """Guessing the current password is counted as signing in is (the sign-in throttle):
    0 if it may go ahead, else the seconds to wait."""
    digest, client = await _throttle_keys(request, commands)
    return await request.app.state.sign_in_throttle.admit(digest, client)


async def _throttle_passed(request: Request[Principal, Any, Any],
                           commands: CommandHandler) -> None:
    digest, client = await _throttle_keys(request, commands)
    await request.app.state.sign_in_throttle.succeeded(digest, client)


async def _throttle_keys(request: Request[Principal, Any, Any],
                         commands: CommandHandler) -> tuple[str, str | None]:
    account = await commands.state(ACCOUNT(request.user.account_id))
    address = client_address(request)
    keys = request.app.state.secret_keys
    digest = account.registered.email_digest if account.registered else ""
    return digest, keys.client_digest(address) if address else None


FORMS: dict[str, tuple[Decider[Any], Callable[..., Awaitable[Any]]]] = {
    "home-sites": (HOME_SITES, _home_sites),
    "notifications": (NOTIFICATION_SETTINGS, _notification_settings),
    "feed-token": (FEED_TOKEN, _renew_feed_token),
}
"""The profile's forms (``POST /volunteer/profile/<name>``), each the id of its section and
the kind of its idempotency keys: the command it decides, and how the form is read into it."""
