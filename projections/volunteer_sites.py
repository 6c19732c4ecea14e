"""Where each volunteer has been active: the sites of the shifts they claimed, waited for or
served (walk-ins included), of the trainings they enrolled in or attended, and of the hours
they worked outside shifts (timesheet lines).

The service asks it whether a coordinator may read a volunteer's personal data (only of
volunteers active at its sites). Nothing is ever deleted: a released claim or a cancelled
enrolment still shows that the volunteer was active there. Only ids are kept.
"""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID, uuid5

import asyncpg

from events.hours import HoursCorrected, HoursRecorded
from events.shifts import ShiftAttendanceConfirmed, ShiftClaimed, ShiftCreated, ShiftWaitlisted
from events.trainings import TrainingCompleted, TrainingEnrolled, TrainingPlanned
from projections.row_changes import Evolve, RowChange, RowProjection, Schema, Upsert
from projections.training_records import TRAININGS

NAME = "volunteer_sites"
PLACES = "volunteer_site_places"
"""A shift, a training or a timesheet line, and its site."""
VISITS = "volunteer_site_visits"
"""A volunteer and a shift, training or timesheet line it took part in (or meant to)."""

SCHEMA = Schema(keys={PLACES: ("place_id",), VISITS: ("volunteer_id", "place_id")}, defaults={})

evolve = Evolve()


@evolve.on(ShiftCreated)
def _shift(event: ShiftCreated) -> list[RowChange]:
    return [Upsert(PLACES, {"place_id": event.shift_id}, {"site_id": event.site_id})]


@evolve.on(TrainingPlanned)
def _training(event: TrainingPlanned) -> list[RowChange]:
    return [Upsert(PLACES, {"place_id": event.training_id}, {"site_id": event.site_id})]


@evolve.on(ShiftClaimed, ShiftWaitlisted)
def _claimed(event: ShiftClaimed | ShiftWaitlisted) -> list[RowChange]:
    return _visits(event.shift_id, [event.volunteer_id])


@evolve.on(ShiftAttendanceConfirmed)
def _served(event: ShiftAttendanceConfirmed) -> list[RowChange]:
    return _visits(event.shift_id, [*event.present, *event.walk_ins])


@evolve.on(HoursRecorded, HoursCorrected)
def _worked(event: HoursRecorded | HoursCorrected) -> list[RowChange]:
    # A line moved to another site by a correction counts at both (nothing is forgotten):
    # each site gets a place of its own for the line.
    place_id = uuid5(event.line_id, str(event.site_id))
    return [Upsert(PLACES, {"place_id": place_id}, {"site_id": event.site_id}),
            *_visits(place_id, [event.volunteer_id])]


@evolve.on(TrainingEnrolled)
def _enrolled(event: TrainingEnrolled) -> list[RowChange]:
    return _visits(event.training_id, [event.volunteer_id])


@evolve.on(TrainingCompleted)
def _attended(event: TrainingCompleted) -> list[RowChange]:
    return _visits(event.training_id, event.attended)


def _visits(place_id: UUID, volunteer_ids: Iterable[UUID]) -> list[RowChange]:
    return [Upsert(VISITS, {"volunteer_id": volunteer_id, "place_id": place_id})
            for volunteer_id in volunteer_ids]


VOLUNTEER_SITES = RowProjection(
    name=NAME,
    tables={
        PLACES: "place_id uuid PRIMARY KEY, site_id uuid NOT NULL",
        VISITS: "volunteer_id uuid NOT NULL, place_id uuid NOT NULL, "
                "PRIMARY KEY (volunteer_id, place_id)",
    },
    indexes=(),
    schema=SCHEMA,
    evolve=evolve,
)


async def active_at_any(connection: asyncpg.Connection, volunteer_id: UUID,
                        site_ids: list[UUID]) -> bool:
    """Whether the volunteer has been active at one of ``site_ids``."""
    return await connection.fetchval(
        f"""SELECT EXISTS (SELECT 1 FROM {VISITS} v JOIN {PLACES} p USING (place_id)
                            WHERE v.volunteer_id = $1 AND p.site_id = ANY($2::uuid[]))""",
        volunteer_id, site_ids,
    )


async def volunteers_at(connection: asyncpg.Connection, site_id: UUID) -> list[UUID]:
    """Every volunteer ever active at ``site_id``."""
    return [row["volunteer_id"] for row in await connection.fetch(
        f"""SELECT DISTINCT v.volunteer_id FROM {VISITS} v JOIN {PLACES} p USING (place_id)
             WHERE p.site_id = $1""", site_id)]


async def serving_at(connection: asyncpg.Connection, site_id: UUID) -> set[UUID]:
    """The volunteers who serve at the site: shifts claimed, waited for or served there, and
    timesheet lines of it (not trainings: where someone was trained is not where they serve).
    Reads ``training_records``' trainings to tell them apart."""
    rows = await connection.fetch(
        f"""SELECT DISTINCT v.volunteer_id FROM {VISITS} v JOIN {PLACES} p USING (place_id)
             WHERE p.site_id = $1 AND NOT EXISTS (
                   SELECT 1 FROM {TRAININGS} t WHERE t.training_id = p.place_id)""", site_id)
    return {row["volunteer_id"] for row in rows}
async def sites_of(connection: asyncpg.Connection, volunteer_id: UUID) -> list[UUID]:
    """The sites where the volunteer has been active."""
    rows = await connection.fetch(
        f"""SELECT DISTINCT p.site_id FROM {VISITS} v JOIN {PLACES} p USING (place_id)
             WHERE v.volunteer_id = $1""", volunteer_id)
    return [row["site_id"] for row in rows]
