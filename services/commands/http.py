"""What the scheduling write routes share: running a command for a request, and finding the site
a request acts on when only a room, offer, session, shift or training is named (for ``for_site``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any
from uuid import UUID, uuid4

import msgspec
from litestar import Request

from events.base import EventMetadata
from services.auth.guards import Connection, Locator, from_path
from services.auth.tokens import Principal
from services.commands.decider import StreamKind
from services.commands.handler import IDEMPOTENCY_KEY, CommandResult
from services.commands.rejections import Invalid, NotFound
from services.platform.resources import commands_of
from services.commands.text import Title  # noqa: F401 - the routes' titles and names

Aware = Annotated[datetime, msgspec.Meta(tz=True)]
"""A timestamp that must carry a UTC offset; a naive one is a 422 naming the field."""


class Positioned(msgspec.Struct):
    position: int


class Created(msgspec.Struct):
    id: UUID
    position: int


MAX_KEY_LENGTH = 200


def idempotency_key(request: Request[Any, Any, Any]) -> str | None:
    """The request's ``Idempotency-Key`` header, if it sent one (a blank or huge one is a 422)."""
    key = request.headers.get("idempotency-key")
    if key is not None and not 0 < len(key) <= MAX_KEY_LENGTH:
        raise Invalid(IDEMPOTENCY_KEY, f"must be 1 to {MAX_KEY_LENGTH} characters",
                      code="invalid")
    return key


def command_metadata(principal: Principal, idempotency_key: str | None) -> EventMetadata:
    """Who acts, a new correlation id, and the request's idempotency key: every command's
    metadata, from the API's routes and the pages' forms alike."""
    return EventMetadata(
        actor=f"account:{principal.account_id}",
        correlation_id=str(uuid4()),
        idempotency_key=idempotency_key,
    )


def metadata_for(request: Request[Principal, Any, Any]) -> EventMetadata:
    """An API request's command metadata (its ``Idempotency-Key`` header)."""
    return command_metadata(request.user, idempotency_key(request))


def now() -> datetime:
    return datetime.now(UTC)


def first_of(result: CommandResult, kind: type[Any]) -> Any:
    return next(event for event in result.events if isinstance(event, kind))


# Site scope ------------------------------------------------------------------------------------


def site_of(kind: StreamKind[Any], parameter: str) -> Locator:
    """The site of the entity whose id is the path ``parameter`` (a stream of ``kind``, whose
    state names its ``site_id``).

    An unknown entity is a 404 naming the parameter, for everyone who passes the role check."""

    locate_entity = from_path(parameter)

    async def locate(connection: Connection) -> UUID | None:
        entity_id = await locate_entity(connection)
        if entity_id is None:
            return None
        site_id = (await commands_of(connection).state(kind(entity_id))).site_id
        if site_id is None:
            raise NotFound(parameter, "no such " + parameter.removesuffix("_id"), code="not_found")
        return site_id

    return locate
