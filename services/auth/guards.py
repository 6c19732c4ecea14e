"""Guards: who may call a route. Declared on routes, never checked by hand in handlers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from litestar.connection import ASGIConnection
from litestar.exceptions import PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler

from services.auth.tokens import Principal

ADMIN, COORDINATOR, VOLUNTEER, AUDITOR = "admin", "coordinator", "volunteer", "auditor"
ROLES = (ADMIN, COORDINATOR, VOLUNTEER, AUDITOR)

Guard = Callable[[ASGIConnection[Any, Any, Any, Any], BaseRouteHandler], None]


def principal_of(connection: ASGIConnection[Any, Any, Any, Any]) -> Principal:
    return connection.user


def roles(*allowed: str) -> Guard:
    """Only these roles may call the route."""

    def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        if principal_of(connection).role not in allowed:
            raise PermissionDeniedException("Your role may not do this")

    return guard


def staff_or_the_volunteer_itself(parameter: str, staff: tuple[str, ...]) -> Guard:
    """Staff roles, or a volunteer whose own id is in the path parameter ``parameter``."""

    def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        principal = principal_of(connection)
        if principal.role in staff:
            return
        if principal.role == VOLUNTEER and str(principal.volunteer_id) == str(
            connection.path_params.get(parameter)
        ):
            return
        raise PermissionDeniedException("You may act only for yourself")

    return guard


def may_act_for_site(principal: Principal, site_id: UUID) -> bool:
    return principal.role == ADMIN or (
        principal.role == COORDINATOR and site_id in principal.site_ids
    )
