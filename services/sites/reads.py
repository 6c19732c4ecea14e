"""Sites (API.md, "Sites and rooms"): the read route, from the directory read model."""

from __future__ import annotations

from typing import Any

from litestar import Response, get
from litestar.di import NamedDependency

from projections import directory
from services.auth.guards import EVERYONE, requires_roles
from services.platform.problems import READ_PROBLEMS
from services.reads.read_models import ReadModels
from services.reads.routes import MinPosition, positioned


# A plain handler, not a Controller: the write controller serves this same path, and Litestar
# refuses two controllers on one path (each brings its own OPTIONS handler). Register it after
# that controller (services/platform/app.py).
@get("/api/sites", guards=[requires_roles(*EVERYONE)], tags=["sites"], summary="Every site",
     responses=READ_PROBLEMS)
async def list_sites(
    read_models: NamedDependency[ReadModels], min_position: MinPosition = None
) -> Response[list[dict[str, Any]]]:
    sites, position = await read_models.read(directory.DIRECTORY, min_position, directory.sites
    )
    return positioned(sites, position)
