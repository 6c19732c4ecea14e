"""Sites (API.md, "Sites and rooms"): write routes."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from services.auth.guards import ADMIN, COORDINATOR, for_site, from_path, requires_roles
from services.auth.tokens import Principal
from services.commands.handler import CommandHandler, entity_id
from services.commands.http import Created, Positioned, Title, metadata_for, now
from services.platform.problems import WRITE_PROBLEMS
from services.commands.text import ONE_LINE
from services.sites.decider import CONTACT_LENGTH, SITES, AddSite, SetSiteContact


ContactLine = Annotated[str, msgspec.Meta(max_length=CONTACT_LENGTH, pattern=ONE_LINE)]


class NewSite(msgspec.Struct, forbid_unknown_fields=True):
    name: Title
    village: Title
    address: ContactLine | None = None
    contact: ContactLine | None = None
    """Shown in the public programme: opening times, a phone number, whom to ask."""


class SiteContact(msgspec.Struct, forbid_unknown_fields=True):
    address: ContactLine | None = None
    contact: ContactLine | None = None


class SitesController(Controller):
    path = "/api/sites"
    tags = ["sites"]

    @post("/", guards=[requires_roles(ADMIN)], summary="Add a site (admin)",
          responses=WRITE_PROBLEMS)
    async def create(
        self, data: JSONBody[NewSite], commands: NamedDependency[CommandHandler],
        request: Request[Principal, Any, Any],
    ) -> Created:
        metadata = metadata_for(request)
        site_id = entity_id(metadata, "site")
        result = await commands.handle(SITES, AddSite(
            site_id=site_id, name=data.name, village=data.village, address=data.address,
            contact=data.contact, now=now()), metadata)
        return Created(id=site_id, position=result.position)

    @put("/{site_id:uuid}/contact",
         guards=[requires_roles(ADMIN, COORDINATOR), for_site(from_path("site_id"))],
         summary="The address and contact line the public programme shows",
         responses=WRITE_PROBLEMS)
    async def contact(
        self, site_id: FromPath[UUID], data: JSONBody[SiteContact],
        commands: NamedDependency[CommandHandler], request: Request[Principal, Any, Any],
    ) -> Positioned:
        result = await commands.handle(SITES, SetSiteContact(
            site_id=site_id, address=data.address, contact=data.contact, now=now()),
            metadata_for(request))
        return Positioned(position=result.position)
