"""The qualification catalogue (API.md, "Second wave"): everyone reads it, the admin keeps it."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import JSONBody

from events.qualifications import qualification_id
from projections import qualification_catalogue
from services.auth.guards import ADMIN, EVERYONE, requires_roles
from services.auth.tokens import Principal
from services.commands.handler import CommandHandler
from services.commands.http import Title, metadata_for, now
from services.commands.text import Code
from services.platform.problems import READ_PROBLEMS, WRITE_PROBLEMS
from services.qualifications.decider import LONGEST_VALIDITY, QUALIFICATIONS, DefineQualification
from services.reads.read_models import ReadModels
from services.reads.routes import MinPosition, positioned


class Names(msgspec.Struct, forbid_unknown_fields=True):
    de: Title
    en: Title


class NewQualification(msgspec.Struct, forbid_unknown_fields=True):
    code: Code
    name: Names
    default_valid_for_months: Annotated[int, msgspec.Meta(ge=1, le=LONGEST_VALIDITY)]


class Defined(msgspec.Struct):
    id: UUID
    code: str
    position: int


class QualificationsController(Controller):
    path = "/api/qualifications"
    tags = ["qualifications"]

    @post("/", guards=[requires_roles(ADMIN)], responses=WRITE_PROBLEMS,
          summary="Define a code of the catalogue (again for a code: new names or validity)")
    async def define(
        self, data: JSONBody[NewQualification], commands: NamedDependency[CommandHandler],
        request: Request[Principal, Any, Any],
    ) -> Defined:
        result = await commands.handle(QUALIFICATIONS, DefineQualification(
            code=data.code, name_de=data.name.de, name_en=data.name.en,
            default_valid_for_months=data.default_valid_for_months, now=now(),
        ), metadata_for(request))
        code = data.code.strip()
        return Defined(id=qualification_id(code), code=code, position=result.position)

    @get("/", guards=[requires_roles(*EVERYONE)], responses=READ_PROBLEMS,
         summary="The catalogue: code, name {de, en}, default_valid_for_months")
    async def catalogue(
        self, read_models: NamedDependency[ReadModels], min_position: MinPosition = None,
    ) -> Response[list[dict[str, Any]]]:
        rows, position = await read_models.read(
            qualification_catalogue.QUALIFICATION_CATALOGUE, min_position,
            qualification_catalogue.catalogue)
        return positioned(rows, position)
