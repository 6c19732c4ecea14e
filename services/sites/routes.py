"""Sites (API.md, "Sites and rooms"): write routes."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Request, post
from litestar.di import NamedDependency
from litestar.params import JSONBody

from services.auth.guards import ADMIN, requires_roles
from services.auth.tokens import Principal
from services.commands.handler import CommandHandler, entity_id
from services.commands.http import Created, Title, metadata_for, now
from services.platform.problems import WRITE_PROBLEMS
from services.sites.decider import SITES, AddSite


class NewSite(msgspec.Struct, forbid_unknown_fields=True):
    name: Title
    village: Title


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
            site_id=site_id, name=data.name, village=data.village, now=now()), metadata)
        return Created(id=site_id, position=result.position)
