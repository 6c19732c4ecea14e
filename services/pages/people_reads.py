"""What the coordinator's shift and volunteer pages read about people: the site's volunteers
by name, and a shift's roster (who holds it, who waits in which order, who served and when).

The roster is folded from the shift's own stream with its one fold (``SHIFT``), so it shows
exactly what the next command will be decided on; names are decrypted only here.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import asyncpg

from events.shifts import ShiftAttendanceConfirmed, ShiftCreated
from events.store import EventStore
from events.volunteers import VolunteerRegistered
from projections.volunteer_sites import VOLUNTEER_SITES, volunteers_at
from services.pages.local_time import local
from services.reads.read_models import ReadModels
from services.shifts.state import SHIFT
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


async def roster(store: EventStore, pool: asyncpg.Pool, shift_id: UUID) -> dict[str, Any] | None:
    """The shift as its stream stands: title, times, places, who holds it, the waitlist in
    order, and the latest confirmation of who served (with actual times)."""
    stream = SHIFT(shift_id)
    state = SHIFT.initial
    created: ShiftCreated | None = None
    served: ShiftAttendanceConfirmed | None = None
    for recorded in await store.read_stream(stream.id):
        state = SHIFT.evolve(state, recorded.event)
        match recorded.event:
            case ShiftCreated():
                created = recorded.event
            case ShiftAttendanceConfirmed():
                served = recorded.event
    if created is None:
        return None
    people = [*state.claimed, *state.waitlist]
    if served is not None:
        people += [*served.present, *served.walk_ins]
    names = await names_of(store, pool, people)

    def served_time(volunteer_id: UUID) -> tuple[datetime, datetime]:
        span = served.times.get(volunteer_id) if served else None
        started, ended = (span.started_at, span.ended_at) if span else (state.starts_at,
                                                                       state.ends_at)
        return local(started), local(ended)

    return {
        "id": shift_id, "site_id": created.site_id, "title": created.title,
        "session_id": created.session_id, "starts_at": local(created.starts_at),
        "ends_at": local(created.ends_at), "capacity": state.capacity,
        "required": list(state.required), "cancelled": state.cancelled,
        "claimed": [_person(v, names, times=served_time(v)) for v in state.claimed],
        "waitlist": [_person(v, names, place=n) for n, v in enumerate(state.waitlist, 1)],
        "confirmed": served is not None,
        "present": set(served.present) if served else set(),
        "walk_ins": [_person(v, names, times=served_time(v))
                     for v in (served.walk_ins if served else [])],
        "served": [_person(v, names, times=served_time(v))
                   for v in ([*served.present, *served.walk_ins] if served else [])],
    }
