"""Offers (API.md, "Offers, sessions and attendance"): the read route, from the directory."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Response, get
from litestar.di import NamedDependency
from litestar.params import FromQuery

from projections import directory
from services.auth.guards import EVERYONE, requires_roles
from services.platform.problems import READ_PROBLEMS
from services.reads.read_models import ReadModels
from services.reads.routes import MinPosition, positioned


# A plain handler, not a Controller: the write controller serves this same path, and Litestar
# refuses two controllers on one path (each brings its own OPTIONS handler). Register it after
# that controller (services/platform/app.py).
@get("/api/offers", guards=[requires_roles(*EVERYONE)], tags=["offers"],
     summary="The offers, of every site or of one", responses=READ_PROBLEMS)
async def list_offers(
    read_models: NamedDependency[ReadModels], site_id: FromQuery[UUID | None] = None,
    min_position: MinPosition = None,
) -> Response[list[dict[str, Any]]]:
    offers, position = await read_models.read(directory.DIRECTORY, min_position,
        lambda connection: directory.offers(connection, site_id),
    )
    return positioned(offers, position)
