"""The admin's "Postausgang": the newest messages in the local mailbox (``serve`` without
``TREFFPUNKT_SMTP_URL`` delivers there through a real SMTP hop, ``platform/local_mailbox.py``),
and one message as a volunteer would receive it: its text, its HTML part's source shown as text
(never rendered), its attachments by name. With a real SMTP server configured, the page says so
(and ``GET /api/notifications`` tells each message's fate)."""

from __future__ import annotations

import asyncio
from typing import Any

from litestar import Controller, Request, get
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Template

from services.auth.guards import ADMIN, requires_roles
from services.auth.tokens import Principal
from services.pages.i18n import language_of
from services.pages.local_time import moment_label
from services.pages.rendering import page
from services.platform import local_mailbox
from services.platform.settings import Settings

LISTED = 100


class OutboxPages(Controller):
    path = "/coordinator/outbox"
    include_in_schema = False
    guards = [requires_roles(ADMIN)]

    @get("/")
    async def newest(self, request: Request[Principal, Any, Any],
                     settings: NamedDependency[Settings]) -> Template:
        messages = await asyncio.to_thread(local_mailbox.newest, settings.data_dir, LISTED)
        return page(request, "coordinator/outbox.html", messages=[
            _row(message, language_of(request)) for message in messages or []],
            local=messages is not None, folder=str(local_mailbox.folder_of(settings.data_dir)),
            keep=local_mailbox.KEEP)

    @get("/{key:str}")
    async def one(self, request: Request[Principal, Any, Any], key: FromPath[str],
                  settings: NamedDependency[Settings]) -> Template:
        message = await asyncio.to_thread(local_mailbox.shown, settings.data_dir, key)
        if message is None:
            raise NotFoundException("no such message in the local mailbox")
        return page(request, "coordinator/outbox_message.html", message=message,
                    row=_row(message.summary, language_of(request)))


def _row(summary: local_mailbox.Summary, language: str) -> dict[str, str]:
    return {"key": summary.key, "to": summary.to, "subject": summary.subject,
            "kind": summary.kind,
            "when": moment_label(summary.date, language) if summary.date else ""}
