"""A small world for command scenarios, over any store (``events.interface.Store``): a site
with a room, registered volunteers, shifts. Shared by the scenarios in memory
(tests/unit/test_command_scenarios.py) and the races on PostgreSQL
(tests/integration/test_commands.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from events.base import EventMetadata
from events.interface import PendingEvent, Store, StreamWrite
from events.volunteers import VolunteerRegistered
from services.commands.catalog import decider_for
from services.commands.handler import CommandHandler, CommandResult
from services.qualifications.decider import DefineQualification
from services.qualifications.state import of_code
from services.rooms.decider import AddRoom
from services.shifts.decider import CreateShift
from services.sites.decider import AddSite

NOW = datetime(2026, 10, 1, 8, tzinfo=UTC)
COORDINATOR = EventMetadata(actor="account-coordinator")


async def run(handler: CommandHandler, command: Any, metadata: EventMetadata) -> CommandResult:
    """Any area's command through ``handle``, its decider found from its type."""
    return await handler.handle(decider_for(command), command, metadata)


def at(day: int, hour: int) -> datetime:
    return datetime(2026, 10, day, hour, tzinfo=UTC)


async def types_in(store: Store, stream_id: str) -> list[str]:
    return [recorded.type for recorded in await store.read_stream(stream_id)]


CODES = ("food_hygiene", "first_aid")
"""The qualification catalogue of the small world."""


async def a_catalogue(handler: CommandHandler, *codes: str) -> None:
    """Define ``codes`` (default ``CODES``), each once."""
    for code in codes or CODES:
        if not (await handler.state(of_code(code))).defined:
            await run(handler, DefineQualification(code=code, name_de=code, name_en=code,
                                                   default_valid_for_months=24, now=NOW),
                      COORDINATOR)


async def a_site_with_a_room(handler: CommandHandler) -> tuple[UUID, UUID]:
    """A site with a room, and the catalogue of ``CODES``."""
    site, room = uuid4(), uuid4()
    await a_catalogue(handler)
    await run(handler, AddSite(site_id=site, name="Dorftreff", village="Linden", now=NOW),
              COORDINATOR)
    await run(handler, AddRoom(room_id=room, site_id=site, name="Saal", capacity=40, now=NOW),
              COORDINATOR)
    return site, room


async def volunteers(store: Store, count: int) -> list[UUID]:
    ids = [uuid4() for _ in range(count)]
    for volunteer_id in ids:
        registered = VolunteerRegistered(volunteer_id=volunteer_id, name=b"-", email=b"-")
        pending = PendingEvent(event=registered, occurred_at=NOW)
        await store.append(
            StreamWrite(f"volunteer-{volunteer_id}", 0, [pending]), metadata=COORDINATOR
        )
    return ids


async def a_shift(handler: CommandHandler, site: UUID, capacity: int, start=at(10, 9), **kw):
    shift = uuid4()
    await run(
        handler,
        CreateShift(shift_id=shift, site_id=site, title="Küche", starts_at=start,
                    ends_at=start + timedelta(hours=4), capacity=capacity, now=NOW, **kw),
        COORDINATOR,
    )
    return shift
