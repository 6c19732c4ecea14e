"""The one-click unsubscribe behind every e-mail's ``List-Unsubscribe`` link (RFC 8058): a
``POST`` turns the link's kind off in the volunteer's settings, without a session or CSRF token
(the mail provider posts it; the link's signature is the proof). A ``GET`` only shows a page with
a button that posts, so a link scanner opening the link changes nothing. The page speaks the
volunteer's language. A link that is malformed, forged or altered is refused (404) and changes
nothing."""

from __future__ import annotations

from typing import Any

import asyncpg
from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Template

from events.base import EventMetadata
from projections import notifier, unsubscribe
from services.commands.handler import CommandHandler
from services.commands.http import now
from services.commands.rejections import Rejection
from services.notifications.decider import NOTIFICATION_SETTINGS, TurnOffNotification
from services.pages.i18n import FULL_LANGUAGES, LANGUAGE_COOKIE, language_of, translator
from services.pages.rendering import page

ACTOR = "unsubscribe-link"
PATHS = r"unsubscribe/"
"""Under ``PAGE_PATHS``, and free of the CSRF check (a mail provider's ``POST`` has no token)."""


class UnsubscribePage(Controller):
    path = "/unsubscribe/{token:str}"
    include_in_schema = False

    @get("/", exclude_from_auth=True)
    async def ask(self, request: Request[Any, Any, Any], token: FromPath[str],
                  pool: NamedDependency[asyncpg.Pool]) -> Template:
        link = unsubscribe.read(request.app.state.secret_keys.unsubscribe, token)
        if link is None:
            return _invalid(request)
        volunteer_id, kind = link
        settings = await notifier.settings_of(pool, volunteer_id)
        return page(request, "unsubscribe.html", language=_language(request, settings),
                    token=token,
                    kind=kind, done=bool(settings and kind in settings["off"]))

    @post("/", exclude_from_auth=True, status_code=200)
    async def turn_off(self, request: Request[Any, Any, Any], token: FromPath[str],
                       commands: NamedDependency[CommandHandler],
                       pool: NamedDependency[asyncpg.Pool]) -> Template:
        link = unsubscribe.read(request.app.state.secret_keys.unsubscribe, token)
        if link is None:
            return _invalid(request)
        volunteer_id, kind = link
        try:
            await commands.handle(
                NOTIFICATION_SETTINGS,
                TurnOffNotification(volunteer_id=volunteer_id, kind=kind, now=now()),
                EventMetadata(actor=ACTOR))
        except Rejection as refused:
            if refused.members.get("code") != "already_off":
                return _invalid(request, status_code=refused.status)
        settings = await notifier.settings_of(pool, volunteer_id)
        return page(request, "unsubscribe.html", language=_language(request, settings),
                    token=token, kind=kind, done=True)


def _language(request: Request[Any, Any, Any], settings: dict[str, Any] | None) -> str | None:
    """The volunteer's language, unless the page's own switch (``?lang=``, then its cookie)
    chose another."""
    chosen = request.query_params.get("lang") or request.cookies.get(LANGUAGE_COOKIE)
    if chosen in FULL_LANGUAGES or settings is None:
        return None
    return settings["language"] if settings["language"] in FULL_LANGUAGES else None


def _invalid(request: Request[Any, Any, Any], status_code: int = 404) -> Template:
    message = translator(language_of(request))("unsubscribe.invalid")
    return page(request, "error.html", status_code=status_code, message=message)
