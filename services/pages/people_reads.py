"""What the coordinator's shift and volunteer pages read about people: the site's volunteers
by name, and a shift's roster (who holds it, who waits in which order, who served and when).

The roster is the ``shift_roster`` read model's, read after the reader's own change
(``min_position``); names are decrypted only here.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import asyncpg

from events.store import EventStore
from events.volunteers import VolunteerRegistered
from projections.shift_roster import CLAIMED, SHIFT_ROSTER, WAITLISTED
from projections.shift_roster import roster as shift_roster
from projections.volunteer_sites import VOLUNTEER_SITES, volunteers_at
from services.pages.local_time import local
from services.reads.read_models import ReadModels
from services.volunteers import service as volunteers

REGISTERED = VolunteerRegistered.__struct_config__.tag
EVER = timedelta(days=366 * 200)


async def names_of(store: EventStore, pool: asyncpg.Pool,
                   ids: Iterable[UUID]) -> dict[UUID, str | None]:
    """Each volunteer's name; None once erased."""
    names: dict[UUID, str | None] = {}
    for volunteer_id in dict.fromkeys(ids):
        person = await volunteers.profile(store, pool, volunteer_id)
        names[volunteer_id] = None if person.erased else person.name
    return names


async def site_volunteers(read_models: ReadModels, store: EventStore, pool: asyncpg.Pool,
                          site_id: UUID, min_position: int | None = None
                          ) -> list[dict[str, Any]]:
    """The volunteers registered or active at the site (not erased), by name."""
    ids, _ = await read_models.read(VOLUNTEER_SITES, min_position,
                                    lambda connection: volunteers_at(connection, site_id))
    names = await names_of(store, pool, [*await registered_at(store, site_id), *ids])
    return sorted(({"id": volunteer_id, "name": name} for volunteer_id, name in names.items()
                   if name is not None), key=lambda person: person["name"].casefold())


async def registered_at(store: EventStore, site_id: UUID) -> list[UUID]:
    """The volunteers a coordinator registered at the site (``volunteer.registered`` names its
    sites; no read model keeps them), read by type, as the closed accounts are."""
    _, found = await store.read_types_since([REGISTERED], 0, recorded_within=EVER)
    return [recorded.event.volunteer_id for recorded in found
            if site_id in recorded.event.site_ids]


def _person(volunteer_id: UUID, names: dict[UUID, str | None], **more: Any) -> dict[str, Any]:
    return {"id": volunteer_id, "name": names.get(volunteer_id), **more}


async def roster(read_models: ReadModels, store: EventStore, pool: asyncpg.Pool,
                 shift_id: UUID, min_position: int | None = None) -> dict[str, Any] | None:
    """The shift as the ``shift_roster`` read model has it once it applied ``min_position``
    (the position of the reader's own change): title, times, places, who holds it, the
    waitlist in order, and the latest confirmation of who served (with actual times)."""
    row, _ = await read_models.read(SHIFT_ROSTER, min_position,
                                    lambda connection: shift_roster(connection, shift_id))
    if row is None:
        return None
    claimed = [p["volunteer_id"] for p in row["places"] if p["status"] == CLAIMED]
    waitlist = [p["volunteer_id"] for p in row["places"] if p["status"] == WAITLISTED]
    present, walk_ins, times = row["present"], row["walk_ins"], row["times"]
    names = await names_of(store, pool, [*claimed, *waitlist, *present, *walk_ins])

    def served_time(volunteer_id: UUID) -> tuple[datetime, datetime]:
        started, ended = times.get(volunteer_id, (row["starts_at"], row["ends_at"]))
        return local(started), local(ended)

    return {
        "id": shift_id, "site_id": row["site_id"], "title": row["title"],
        "session_id": row["session_id"], "starts_at": local(row["starts_at"]),
        "ends_at": local(row["ends_at"]), "capacity": row["capacity"],
        "required": list(row["required_qualifications"]), "cancelled": row["cancelled"],
        "claimed": [_person(v, names, times=served_time(v)) for v in claimed],
        "waitlist": [_person(v, names, place=n) for n, v in enumerate(waitlist, 1)],
        "confirmed": row["confirmed"],
        "present": set(present),
        "walk_ins": [_person(v, names, times=served_time(v)) for v in walk_ins],
        "served": [_person(v, names, times=served_time(v)) for v in [*present, *walk_ins]],
    }
