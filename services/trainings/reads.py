"""Training records and expiring qualifications (API.md, "Trainings"): the read routes.

``GET /api/qualifications/expiring?within_days=60&site_id=`` lists every volunteer with a
qualification whose latest grant is valid until an instant within ``within_days`` from now, or
that ran out within the last ``within_days`` (a lapsed qualification needs the refresher most).
A qualification is listed at the sites where its volunteer serves (``services/trainings/
refreshers.py``), not where it was granted; a coordinator names one of its sites
(``site_id``), an admin may leave it out for every site.

Names are decrypted here, at read time; the read model holds only ids. An erased volunteer
shows as "erased", with its trainings and qualifications unchanged.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any
from uuid import UUID

import asyncpg
import msgspec
from litestar import Controller, Response, get
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, QueryParameter

from events.store import EventStore
from projections import training_records
from services.auth.guards import (
    ADMIN,
    AUDITOR,
    COORDINATOR,
    for_site,
    from_path,
    from_query,
    requires_roles,
)
from services.platform.problems import READ_PROBLEMS
from services.reads.read_models import ReadModels
from services.reads.routes import MinPosition, positioned
from services.trainings import refreshers
from services.volunteers import service as volunteers
from services.volunteers.access import coordinator_of_the_volunteer

WithinDays = Annotated[int, QueryParameter(name="within_days", ge=1, le=3650)]


class Attended(msgspec.Struct, kw_only=True):
    id: UUID
    site_id: UUID
    title: str
    qualification: str
    starts_at: datetime
    ends_at: datetime
    status: str
    """planned, completed or cancelled."""
    enrolled: bool
    attended: bool


class Qualification(msgspec.Struct, kw_only=True):
    qualification: str
    valid_until: datetime
    valid: bool
    training_id: UUID
    site_id: UUID | None


class TrainingRecord(msgspec.Struct, kw_only=True):
    id: UUID
    name: str
    erased: bool
    trainings: list[Attended]
    qualifications: list[Qualification]


class Names(msgspec.Struct):
    de: str
    en: str


class Expiring(msgspec.Struct, kw_only=True):
    qualification: str
    name: Names | None
    """The catalogue's names of the code (None for a code the catalogue lacks)."""
    valid_until: datetime
    expired: bool
    training_id: UUID
    site_id: UUID | None
    """Where the qualification was granted."""
    refresher_training_id: UUID | None = None
    """A planned training of the same qualification the volunteer is enrolled in."""
    next_training_id: UUID | None = None
    """The next planned training of the qualification (at ``site_id`` of the query, if named)."""


class NeedsRefresher(msgspec.Struct, kw_only=True):
    id: UUID
    name: str
    erased: bool
    qualifications: list[Expiring]


class TrainingRecordsController(Controller):
    path = "/api"
    tags = ["trainings"]

    @get(
        "/volunteers/{volunteer_id:uuid}/training-record",
        guards=[coordinator_of_the_volunteer(from_path("volunteer_id"), also=(AUDITOR,))],
        summary="A volunteer's trainings and qualifications with valid_until",
        responses=READ_PROBLEMS,
    )
    async def training_record(
        self, volunteer_id: FromPath[UUID], read_models: NamedDependency[ReadModels],
        store: NamedDependency[EventStore], pool: NamedDependency[asyncpg.Pool],
        min_position: MinPosition = None,
    ) -> Response[TrainingRecord]:
        person = await volunteers.profile(store, pool, volunteer_id)

        async def query(connection: Any) -> tuple[list[dict], list[dict]]:
            return (await training_records.trainings_of(connection, volunteer_id),
                    await training_records.qualifications_of(connection, volunteer_id))

        (trainings, qualifications), position = await read_models.read(
            training_records.TRAINING_RECORDS, min_position, query)
        now = datetime.now(UTC)
        return positioned(TrainingRecord(
            id=volunteer_id, name=person.name, erased=person.erased,
            trainings=[Attended(id=row.pop("training_id"), **row) for row in trainings],
            qualifications=[Qualification(**row, valid=row["valid_until"] > now)
                            for row in qualifications],
        ), position)

    @get(
        "/qualifications/expiring",
        guards=[requires_roles(ADMIN, COORDINATOR), for_site(from_query("site_id"))],
        summary="Who needs a refresher: qualifications running out or lately run out",
        responses=READ_PROBLEMS,
    )
    async def expiring(
        self, read_models: NamedDependency[ReadModels], store: NamedDependency[EventStore],
        pool: NamedDependency[asyncpg.Pool], within_days: WithinDays = 60,
        site_id: FromQuery[UUID | None] = None, min_position: MinPosition = None,
    ) -> Response[list[NeedsRefresher]]:
        now = datetime.now(UTC)
        rows, position = await refreshers.expiring(
            read_models, now=now, within_days=within_days, site_id=site_id,
            min_position=min_position)
        by_volunteer: dict[UUID, list[Expiring]] = {}
        for row in rows:
            name = row.pop("name")
            by_volunteer.setdefault(row.pop("volunteer_id"), []).append(
                Expiring(**row, name=Names(**name) if name else None,
                         expired=row["valid_until"] <= now))
        answer = []
        for volunteer_id, qualifications in by_volunteer.items():
            person = await volunteers.profile(store, pool, volunteer_id)
            answer.append(NeedsRefresher(id=volunteer_id, name=person.name,
                                         erased=person.erased, qualifications=qualifications))
        return positioned(answer, position)
