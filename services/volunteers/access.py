"""Whose personal data a coordinator may read: only volunteers known at one of its sites.

A volunteer is *known at* a site when

- it was registered there: a coordinator registering a volunteer registers it at the sites of
  its own account (``VolunteerRegistered.site_ids``, read from the volunteer's stream, so the
  coordinator reads the volunteer it has just registered at once); a volunteer registered by an
  admin is registered nowhere until it is active somewhere; or
- it has been active there: claimed or waited for a shift of the site, served one, enrolled
  in or attended a training there (the read model ``volunteer_sites``, which forgets nothing,
  so a released claim still counts). A coordinator that has just claimed a place for a
  volunteer may pass ``min_position`` to read it at once.

Admins read every volunteer, a volunteer itself, and the roles a route names in ``also`` (the
auditor, for training records). Anyone else gets 403, an unknown volunteer included: a
coordinator learns nothing about volunteers of other villages, not even whether an id exists.
"""

from __future__ import annotations

from uuid import UUID

from litestar.exceptions import PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler

from projections.volunteer_sites import VOLUNTEER_SITES, active_at_any
from services.auth.guards import ADMIN, COORDINATOR, VOLUNTEER, Connection, Guard, Locator
from services.commands.handler import CommandHandler
from services.platform.resources import commands_of, read_models_of
from services.reads.read_models import ReadModels
from services.reads.routes import MAX_POSITION
from services.volunteers.state import VOLUNTEER as VOLUNTEER_STREAM


async def registered_at_any(commands: CommandHandler, volunteer_id: UUID,
                            site_ids: list[UUID]) -> bool:
    person = await commands.state(VOLUNTEER_STREAM(volunteer_id))
    return not set(person.site_ids).isdisjoint(site_ids)


async def known_at_any(commands: CommandHandler, read_models: ReadModels, volunteer_id: UUID,
                       site_ids: list[UUID], min_position: int | None = None) -> bool:
    """Whether the volunteer is known at one of ``site_ids`` (see the module's docstring)."""
    if not site_ids:
        return False
    if await registered_at_any(commands, volunteer_id, site_ids):
        return True
    active, _ = await read_models.read(
        VOLUNTEER_SITES, min_position,
        lambda connection: active_at_any(connection, volunteer_id, site_ids))
    return active


def _min_position(connection: Connection) -> int | None:
    value = connection.query_params.get("min_position", "")
    return int(value) if value.isdigit() and int(value) <= MAX_POSITION else None


def coordinator_of_the_volunteer(locate_volunteer: Locator, *, also: tuple[str, ...] = ()) -> Guard:
    """Admins, the volunteer itself, coordinators of a site it is known at, and ``also``."""

    async def guard(connection: Connection, _: BaseRouteHandler) -> None:
        principal = connection.user
        if principal.role == ADMIN or principal.role in also:
            return
        volunteer_id = await locate_volunteer(connection)
        if principal.role == VOLUNTEER and principal.volunteer_id is not None:
            if volunteer_id == principal.volunteer_id:
                return
            raise PermissionDeniedException("You may act only for yourself")
        if principal.role == COORDINATOR and volunteer_id is not None and await known_at_any(
            commands_of(connection), read_models_of(connection), volunteer_id, principal.site_ids,
            _min_position(connection),
        ):
            return
        raise PermissionDeniedException(
            "You may read only volunteers registered or active at the sites of your account")

    return guard
