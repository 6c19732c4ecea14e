"""What the coordinator's profile of one volunteer shows: how to reach it, its qualifications
(catalogue names, expiry; those ending within ``EXPIRING_WITHIN`` stand out), its coming shifts
and trainings, and its volunteer hours of the year per month.

Shifts, trainings and hours are those at the sites the reader sees (a coordinator's own, every
site for an admin), as in the timesheet. The hours are the timesheet's own figures for the
person (``projections.timesheet.person_months``), never counted a second way.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

import asyncpg

from events.store import EventStore
from projections.funding_report import Period
from projections.timesheet import person_months
from projections.training_records import TRAINING_RECORDS, trainings_of
from projections.volunteer_schedule import VOLUNTEER_SCHEDULE, schedule
from services.accounts.password_links import invitation_standing
from services.commands.handler import CommandHandler
from services.commands.rejections import NotFound
from services.pages.local_time import BERLIN, local
from services.reads.read_models import ReadModels
from services.volunteers import service as volunteers
from services.volunteers.state import VOLUNTEER

EXPIRING_WITHIN = timedelta(days=60)


def qualification_rows(held: dict[str, datetime], named: Callable[[str], str],
                       moment: datetime) -> list[dict[str, Any]]:
    """Each qualification with its name, expiry and whether it is ``expired`` or ``expiring``
    (within ``EXPIRING_WITHIN``), by name."""
    return sorted(({"code": code, "name": named(code), "valid_until": local(until),
                    "expired": until <= moment,
                    "expiring": moment < until <= moment + EXPIRING_WITHIN}
                   for code, until in held.items()), key=lambda row: row["name"].casefold())


def months_until(moment: datetime) -> list[date]:
    """The first days of the months of ``moment``'s Berlin year up to its own month."""
    day = moment.astimezone(BERLIN).date()
    return [date(day.year, month, 1) for month in range(1, day.month + 1)]


def year_of(moment: datetime) -> Period:
    year = moment.astimezone(BERLIN).year
    return Period(first_day=date(year, 1, 1), last_day=date(year, 12, 31))


async def volunteer_profile(
    commands: CommandHandler, read_models: ReadModels, store: EventStore, pool: asyncpg.Pool,
    volunteer_id: UUID, site_ids: frozenset[UUID] | None, named: Callable[[str], str],
    min_position: int | None = None,
) -> dict[str, Any] | None:
    """The profile; None for a volunteer never registered or erased. ``site_ids``: the sites
    whose shifts, trainings and hours are shown (None: every site)."""
    try:
        person = await volunteers.profile(store, pool, volunteer_id)
    except NotFound:
        return None
    if person.erased:
        return None
    moment = datetime.now(UTC)

    def here(row: dict[str, Any]) -> bool:
        return site_ids is None or row["site_id"] in site_ids

    shifts, _ = await read_models.read(
        VOLUNTEER_SCHEDULE, min_position,
        lambda connection: schedule(connection, volunteer_id, moment, None))
    trainings, _ = await read_models.read(
        TRAINING_RECORDS, min_position, lambda connection: trainings_of(connection, volunteer_id))
    state = await commands.state(VOLUNTEER(volunteer_id))
    standing, _ = await invitation_standing(commands, volunteer_id)
    period = year_of(moment)
    hours = await person_months(store, volunteer_id, period, moment, site_ids)
    return {
        "id": volunteer_id, "name": person.name, "email": person.email, "phone": person.phone,
        "standing": standing,
        "qualifications": qualification_rows(state.qualifications, named, moment),
        "shifts": [{**row, "starts_at": local(row["starts_at"]),
                    "ends_at": local(row["ends_at"])} for row in shifts if here(row)],
        "trainings": [{**row, "starts_at": local(row["starts_at"]),
                       "ends_at": local(row["ends_at"])} for row in trainings
                      if here(row) and row["enrolled"] and row["status"] != "cancelled"
                      and row["ends_at"] > moment],
        "year": period.first_day.year,
        "months": [(first, hours.months.get(f"{first:%Y-%m}", 0.0))
                   for first in months_until(moment)],
        "hours": hours.hours,
    }
