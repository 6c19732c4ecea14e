"""Reading the read models in tests: through the API at a minimum position, once the projection
runner has caught up; waiting until an instant; a held session to read about."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode
from uuid import UUID

from projections.attendance_stats import ATTENDANCE_STATS
from projections.qualification_catalogue import QUALIFICATION_CATALOGUE
from projections.training_records import TRAINING_RECORDS
from projections.volunteer_sites import VOLUNTEER_SITES
from tests.projecting import projecting as projecting_read_models
from tests.scheduling_world import World, iso


READ_PROJECTIONS = (TRAINING_RECORDS, ATTENDANCE_STATS, VOLUNTEER_SITES, QUALIFICATION_CATALOGUE)


def projecting(database_url: str) -> contextlib.AbstractContextManager[None]:
    """The read models kept up to date while the block runs (tests/projecting.py); with
    ``volunteer_sites``, which says whose records a coordinator may read."""
    return projecting_read_models(database_url, READ_PROJECTIONS)


async def read(world: World, caller: str, path: str, min_position: int | None = None,
               **query: Any) -> Any:
    if min_position is not None:
        query["min_position"] = min_position
    url = f"{path}?{urlencode(query)}" if query else path
    return await world.call(caller, "GET", url)


async def read_ok(world: World, caller: str, path: str, min_position: int, **query: Any) -> Any:
    response = await read(world, caller, path, min_position, **query)
    assert response.status_code == 200, response.text
    assert int(response.headers["x-projection-position"]) >= min_position
    return response.json()


async def until(moment: datetime) -> None:
    await asyncio.sleep(max(0.0, (moment - datetime.now(UTC)).total_seconds()) + 0.2)


async def held_session(world: World, caller: str, site: UUID, room: UUID, category: str,
                       starts_at: datetime, count: int = 1) -> dict[str, Any]:
    offer = await world.created(caller, "/api/offers", {
        "site_id": str(site), "title": f"Angebot {category}", "category": category})
    session = await world.created(caller, f"/api/offers/{offer['id']}/sessions", {
        "room_id": str(room), "starts_at": iso(starts_at),
        "ends_at": iso(starts_at + timedelta(hours=1)),
        **({"recurrence": {"rrule": "FREQ=DAILY", "count": count}} if count > 1 else {})})
    return {"offer": offer["id"], "session": session["id"]}
