"""Notification settings (``/api/volunteers/{id}/notification-settings``) and the outbox's
record (``/api/notifications``): what was queued, sent, failed or suppressed, never a body."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

import asyncpg
import msgspec
from litestar import Controller, Request, get, put
from litestar.di import NamedDependency
from litestar.exceptions import PermissionDeniedException
from litestar.params import FromPath, FromQuery, JSONBody

from projections import notifier
from services.auth.guards import (
    ADMIN,
    VOLUNTEER,
    from_path,
    requires_roles,
    staff_or_volunteer_itself,
)
from services.auth.tokens import Principal
from services.commands.handler import CommandHandler
from services.commands.http import Positioned, metadata_for, now
from services.commands.rejections import NotFound
from services.notifications.decider import (
    MOST_REMINDER_HOURS,
    NOTIFICATION_SETTINGS,
    ChangeNotificationSettings,
)
from services.platform.instants import parse_instant
from services.platform.problems import READ_PROBLEMS, WRITE_PROBLEMS
from services.reads.read_models import ReadModels
from services.volunteers.access import coordinator_of_the_volunteer

Kind = Annotated[str, msgspec.Meta(max_length=40)]
MOST_LISTED = 500


class NotificationSettings(msgspec.Struct, forbid_unknown_fields=True):
    language: Annotated[str, msgspec.Meta(pattern="^(de|en|uk)$")] = "de"
    reminder_hours_before: Annotated[int, msgspec.Meta(ge=1, le=MOST_REMINDER_HOURS)] = 48
    off: Annotated[list[Kind], msgspec.Meta(max_length=len(notifier.KINDS))] = []


class Notification(msgspec.Struct):
    id: str
    kind: str
    volunteer_id: UUID | None
    shift_id: UUID | None
    state: str
    attempts: int
    detail: str | None
    queued_at: datetime
    finished_at: datetime | None


class Notifications(msgspec.Struct):
    notifications: list[Notification]


class NotificationSettingsController(Controller):
    path = "/api/volunteers/{volunteer_id:uuid}/notification-settings"
    tags = ["notifications"]

    @get("/", guards=[coordinator_of_the_volunteer(from_path("volunteer_id"))],
         summary="What the volunteer is told by e-mail, and when", responses=READ_PROBLEMS)
    async def read(self, volunteer_id: FromPath[UUID],
                   read_models: NamedDependency[ReadModels]) -> NotificationSettings:
        settings, _ = await read_models.read(
            notifier.NOTIFIER, None,
            lambda connection: notifier.settings_of(connection, volunteer_id))
        if settings is None:
            raise NotFound("volunteer_id", "no such volunteer")
        return NotificationSettings(language=settings["language"],
                                    reminder_hours_before=settings["reminder_hours_before"],
                                    off=list(settings["off"]))

    @put("/", guards=[staff_or_volunteer_itself(from_path("volunteer_id"), staff=(ADMIN,))],
         status_code=200, summary="Change what the volunteer is told, and when",
         responses=WRITE_PROBLEMS)
    async def change(
        self, volunteer_id: FromPath[UUID], data: JSONBody[NotificationSettings],
        commands: NamedDependency[CommandHandler], request: Request[Principal, Any, Any],
    ) -> Positioned:
        command = ChangeNotificationSettings(
            volunteer_id=volunteer_id, now=now(), **msgspec.structs.asdict(data))
        result = await commands.handle(NOTIFICATION_SETTINGS, command, metadata_for(request))
        return Positioned(position=result.position)


class NotificationsController(Controller):
    path = "/api/notifications"
    tags = ["notifications"]

    @get("/", guards=[requires_roles(ADMIN, VOLUNTEER)],
         summary="Messages queued, sent, failed or suppressed, with kind and times (no body)",
         responses=READ_PROBLEMS)
    async def list(
        self, pool: NamedDependency[asyncpg.Pool], request: Request[Principal, Any, Any],
        volunteer_id: FromQuery[UUID | None] = None,
        after: FromQuery[str | None] = None,
    ) -> Notifications:
        since = parse_instant("after", after)
        principal = request.user
        if principal.role == VOLUNTEER:
            if volunteer_id not in (None, principal.volunteer_id) or principal.volunteer_id is None:
                raise PermissionDeniedException("You may read only your own notifications")
            volunteer_id = principal.volunteer_id
        rows = await pool.fetch(
            """SELECT key AS id, kind, volunteer_id, shift_id, state, attempts, detail,
                      queued_at, finished_at FROM outbox
                WHERE ($1::uuid IS NULL OR volunteer_id = $1)
                  AND ($2::timestamptz IS NULL OR queued_at > $2)
                ORDER BY queued_at, key LIMIT $3""", volunteer_id, since, MOST_LISTED)
        return Notifications(notifications=[Notification(**dict(row)) for row in rows])

