"""Guards: who may call a route. Declared on routes and controllers, never checked in handlers.

The principal (``request.user``) comes from the authentication middleware. A guard either lets
the request through or raises ``PermissionDeniedException`` (403). Guards that look at a site
or a volunteer named in the request find it with a *locator*: ``from_path("site_id")``,
``from_query("site_id")``, ``from_body("site_id")``, or any async function of the connection
(later: a room's site, looked up in a read model).

    @post("/api/offers", guards=[for_site(from_body("site_id"))])
    @get("/api/volunteers/{volunteer_id:uuid}",
         guards=[staff_or_volunteer_itself(from_path("volunteer_id"), staff=STAFF)])
    @post("/api/shifts/{shift_id:uuid}/claims",
         guards=[staff_or_volunteer_itself(from_body("volunteer_id", default_to_self=True), ...)])
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from uuid import UUID

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.exceptions import ClientException, PermissionDeniedException, SerializationException
from litestar.handlers.base import BaseRouteHandler

from services.auth.roles import ADMIN, AUDITOR, COORDINATOR, EVERYONE, ROLES, STAFF, VOLUNTEER
from services.auth.tokens import Principal
from services.commands.rejections import Invalid


Connection = ASGIConnection[Any, Any, Any, Any]
Guard = Callable[[Connection, BaseRouteHandler], Awaitable[None]]
Locator = Callable[[Connection], Awaitable[UUID | None]]
"""Finds the id a guard decides on (a site, a volunteer) in the request; None if not named."""


def principal_of(connection: Connection) -> Principal:
    return connection.user


def requires_roles(*allowed: str) -> Guard:
    """Only these roles may call the route."""
    unknown = set(allowed) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown roles {sorted(unknown)}")

    async def guard(connection: Connection, _: BaseRouteHandler) -> None:
        if principal_of(connection).role not in allowed:
            raise PermissionDeniedException("Your role may not do this")

    return guard


def for_site(locate_site: Locator, *, also: tuple[str, ...] = ()) -> Guard:
    """Admins, and coordinators whose account names the site the request acts on.

    ``also`` lets further roles through regardless of the site (e.g. ``AUDITOR`` on reads).
    """

    async def guard(connection: Connection, _: BaseRouteHandler) -> None:
        principal = principal_of(connection)
        if principal.role == ADMIN or principal.role in also:
            return
        if principal.role != COORDINATOR:
            raise PermissionDeniedException("Your role may not do this")
        site_id = await locate_site(connection)
        if site_id is None or not may_act_for_site(principal, site_id):
            raise PermissionDeniedException("You may act only for the sites of your account")

    return guard


def staff_or_volunteer_itself(locate_volunteer: Locator, *, staff: tuple[str, ...] = STAFF) -> Guard:
    """The ``staff`` roles, or a volunteer acting for itself (the located volunteer is its own)."""

    async def guard(connection: Connection, _: BaseRouteHandler) -> None:
        principal = principal_of(connection)
        if principal.role in staff:
            return
        if principal.role == VOLUNTEER and principal.volunteer_id is not None:
            if await locate_volunteer(connection) == principal.volunteer_id:
                return
        raise PermissionDeniedException("You may act only for yourself")

    return guard


def volunteer_itself_or(locate_volunteer: Locator, staff_guard: Guard) -> Guard:
    """A volunteer acting for itself (the located volunteer is its own), or whoever
    ``staff_guard`` lets through (e.g. ``for_site(...)``: admins and the site's coordinators)."""

    async def guard(connection: Connection, handler: BaseRouteHandler) -> None:
        principal = principal_of(connection)
        if principal.role == VOLUNTEER:
            if principal.volunteer_id is not None and (
                await locate_volunteer(connection) == principal.volunteer_id
            ):
                return
            raise PermissionDeniedException("You may act only for yourself")
        await staff_guard(connection, handler)

    return guard


def may_act_for_site(principal: Principal, site_id: UUID) -> bool:
    return principal.role == ADMIN or (
        principal.role == COORDINATOR and site_id in principal.site_ids
    )


__all__ = [
    "ADMIN", "AUDITOR", "COORDINATOR", "EVERYONE", "ROLES", "STAFF", "VOLUNTEER",
    "for_site", "from_body", "from_path", "from_query", "may_act_for_site", "principal_of",
    "requires_roles", "staff_or_volunteer_itself", "volunteer_itself_or",
]


# Locators -------------------------------------------------------------------------------------


def _as_uuid(field: str, value: Any) -> UUID | None:
    if value is None or isinstance(value, UUID):
        return value
    try:
        return UUID(str(value))
    except ValueError:
        raise Invalid(field, "must be a UUID") from None


def from_path(parameter: str) -> Locator:
    async def locate(connection: Connection) -> UUID | None:
        return _as_uuid(parameter, connection.path_params.get(parameter))

    return locate


def from_query(parameter: str) -> Locator:
    async def locate(connection: Connection) -> UUID | None:
        return _as_uuid(parameter, connection.query_params.get(parameter))

    return locate


def from_body(field: str, *, default_to_self: bool = False) -> Locator:
    """The UUID in the JSON body's ``field``. With ``default_to_self``, a body without it names
    the caller's own volunteer (``{volunteer_id?}`` in API.md). The body stays readable for
    the handler: Litestar caches it on the connection.

    Bad input is answered as the handler would answer it, whoever sends it (never with a 403
    that would send a coordinator looking for a permission it has): malformed JSON or a body
    that is no object as invalid, a body without the field with a 422 naming it."""

    async def locate(connection: Connection) -> UUID | None:
        value = None
        if isinstance(connection, Request):
            try:
                body = await connection.json()  # an empty body is None
            except SerializationException as error:
                raise ClientException(error.detail) from None  # the handler's own answer
            if body is not None and not isinstance(body, dict):
                raise Invalid("body", "must be a JSON object", code="invalid")
            value = body.get(field) if body else None
        if value is None and default_to_self:
            return principal_of(connection).volunteer_id
        if value is None:
            raise Invalid(field, "is required", code="required")
        return _as_uuid(field, value)

    return locate
