"""Training records: every training, who took part, and each volunteer's qualifications.

Only ids, titles and figures are kept, never personal data: names are decrypted by the service
at read time. A volunteer's qualification is the latest grant (``volunteer.qualified``) of it,
whatever its date; it belongs to the site of the training that granted it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

from events.base import Event
from events.trainings import (
    TrainingCancelled,
    TrainingCompleted,
    TrainingEnrolled,
    TrainingEnrollmentCancelled,
    TrainingPlanned,
    VolunteerQualified,
)
from projections.row_changes import Evolve, RowProjection, Rows, Schema, Upsert, fold

NAME = "training_records"
TRAININGS = "training_record_trainings"
PARTICIPANTS = "training_record_participants"
QUALIFICATIONS = "training_record_qualifications"

PLANNED, COMPLETED, CANCELLED = "planned", "completed", "cancelled"

SCHEMA = Schema(
    keys={
        TRAININGS: ("training_id",),
        PARTICIPANTS: ("training_id", "volunteer_id"),
        QUALIFICATIONS: ("volunteer_id", "qualification"),
    },
    defaults={
        TRAININGS: {"status": PLANNED, "attendees": []},
        PARTICIPANTS: {"enrolled": False, "attended": False},
    },
)


# The pure step ---------------------------------------------------------------------------------


evolve = Evolve()
"""The row changes one event makes; no I/O, so a history can be folded in memory too."""


@evolve.on(TrainingPlanned)
def _planned(event: TrainingPlanned) -> list[Upsert]:
    return [Upsert(TRAININGS, {"training_id": event.training_id}, {
        "site_id": event.site_id, "room_id": event.room_id, "title": event.title,
        "qualification": event.qualification, "valid_for_months": event.valid_for_months,
        "starts_at": event.starts_at, "ends_at": event.ends_at, "capacity": event.capacity,
    })]


@evolve.on(TrainingEnrolled, TrainingEnrollmentCancelled)
def _enrollment(event: TrainingEnrolled | TrainingEnrollmentCancelled) -> list[Upsert]:
    return [_participant(event.training_id, event.volunteer_id,
                         enrolled=isinstance(event, TrainingEnrolled))]


@evolve.on(TrainingCancelled)
def _cancelled(event: TrainingCancelled) -> list[Upsert]:
    return [Upsert(TRAININGS, {"training_id": event.training_id}, {"status": CANCELLED})]


@evolve.on(TrainingCompleted)
def _completed(event: TrainingCompleted) -> list[Upsert]:
    return [
        Upsert(TRAININGS, {"training_id": event.training_id},
               {"status": COMPLETED, "attendees": list(event.attended)}),
        *(_participant(event.training_id, v, attended=True) for v in event.attended),
    ]


@evolve.on(VolunteerQualified)
def _qualified(event: VolunteerQualified) -> list[Upsert]:
    return [Upsert(
        QUALIFICATIONS, {"volunteer_id": event.volunteer_id, "qualification": event.qualification},
        {"valid_until": event.valid_until, "training_id": event.training_id},
    )]


def _participant(training_id: UUID, volunteer_id: UUID, **values: bool) -> Upsert:
    return Upsert(PARTICIPANTS, {"training_id": training_id, "volunteer_id": volunteer_id}, values)


def fold_history(events: Iterable[Event], rows: Rows | None = None) -> Rows:
    """The read model's rows after ``events``, in memory."""
    return fold(SCHEMA, (change for event in events for change in evolve(event)), rows)


# The tables ------------------------------------------------------------------------------------


TRAINING_RECORDS = RowProjection(
    name=NAME,
    tables={
        TRAININGS: """training_id uuid PRIMARY KEY, site_id uuid, room_id uuid, title text,
            qualification text, valid_for_months integer, starts_at timestamptz,
            ends_at timestamptz, capacity integer,
            status text NOT NULL DEFAULT 'planned', attendees uuid[] NOT NULL DEFAULT '{}'""",
        PARTICIPANTS: """training_id uuid NOT NULL, volunteer_id uuid NOT NULL,
            enrolled boolean NOT NULL DEFAULT false, attended boolean NOT NULL DEFAULT false,
            PRIMARY KEY (training_id, volunteer_id)""",
        QUALIFICATIONS: """volunteer_id uuid NOT NULL, qualification text NOT NULL,
            valid_until timestamptz NOT NULL, training_id uuid NOT NULL,
            PRIMARY KEY (volunteer_id, qualification)""",
    },
    indexes=(
        f"CREATE INDEX ON {{{PARTICIPANTS}}} (volunteer_id)",
        f"CREATE INDEX ON {{{QUALIFICATIONS}}} (valid_until)",
    ),
    schema=SCHEMA,
    evolve=evolve,
)


# Queries ---------------------------------------------------------------------------------------


async def trainings_of(connection: asyncpg.Connection | asyncpg.Pool,
                       volunteer_id: UUID, *, with_room: bool = False) -> list[dict[str, Any]]:
    """The trainings a volunteer was enrolled in or attended, by start."""
    rows = await connection.fetch(
        f"""SELECT t.training_id, t.site_id, t.title, t.qualification, t.starts_at, t.ends_at,
                   t.status, p.enrolled, p.attended{", t.room_id" if with_room else ""}
              FROM {PARTICIPANTS} p JOIN {TRAININGS} t USING (training_id)
             WHERE p.volunteer_id = $1 AND (p.enrolled OR p.attended)
             ORDER BY t.starts_at, t.training_id""",
        volunteer_id,
    )
    return [dict(row) for row in rows]


async def qualifications_of(connection: asyncpg.Connection | asyncpg.Pool,
                            volunteer_id: UUID) -> list[dict[str, Any]]:
    rows = await connection.fetch(
        f"""SELECT q.qualification, q.valid_until, q.training_id, t.site_id
              FROM {QUALIFICATIONS} q LEFT JOIN {TRAININGS} t USING (training_id)
             WHERE q.volunteer_id = $1 ORDER BY q.qualification""",
        volunteer_id,
    )
    return [dict(row) for row in rows]


async def expiring(
    connection: asyncpg.Connection | asyncpg.Pool,
    *,
    since: datetime,
    until: datetime,
    now: datetime,
    site_id: UUID | None = None,
) -> list[dict[str, Any]]:
    """Qualifications valid until an instant in ``[since, until)``, by volunteer, then expiry;
    each with the planned training of the same qualification the volunteer is enrolled in
    (``refresher_training_id``) and the next one planned (at ``site_id`` if given:
    ``next_training_id``). Which site a volunteer serves at is ``volunteer_sites``' to say."""
    rows = await connection.fetch(
        f"""SELECT q.volunteer_id, q.qualification, q.valid_until, q.training_id, t.site_id,
                   (SELECT r.training_id FROM {PARTICIPANTS} p JOIN {TRAININGS} r USING
                           (training_id)
                     WHERE p.volunteer_id = q.volunteer_id AND p.enrolled
                       AND r.qualification = q.qualification AND r.status = 'planned'
                       AND r.starts_at > $3
                     ORDER BY r.starts_at LIMIT 1) AS refresher_training_id,
                   (SELECT r.training_id FROM {TRAININGS} r
                     WHERE r.qualification = q.qualification AND r.status = 'planned'
                       AND r.starts_at > $3 AND ($4::uuid IS NULL OR r.site_id = $4)
                     ORDER BY r.starts_at LIMIT 1) AS next_training_id
              FROM {QUALIFICATIONS} q LEFT JOIN {TRAININGS} t USING (training_id)
             WHERE q.valid_until >= $1 AND q.valid_until < $2
             ORDER BY q.volunteer_id, q.valid_until, q.qualification""",
        since, until, now, site_id,
    )
    return [dict(row) for row in rows]


async def upcoming(connection: asyncpg.Connection | asyncpg.Pool, *, since: datetime,
                   site_ids: list[UUID] | None, volunteer_id: UUID) -> list[dict[str, Any]]:
    """Planned trainings starting after ``since`` (of ``site_ids``, or every site), by start,
    each with how many are enrolled and whether ``volunteer_id`` is."""
    rows = await connection.fetch(
        f"""SELECT t.training_id AS id, t.site_id, t.title, t.qualification, t.starts_at,
                   t.ends_at, t.capacity,
                   count(p.volunteer_id) FILTER (WHERE p.enrolled) AS enrolled_count,
                   coalesce(bool_or(p.enrolled AND p.volunteer_id = $3), false) AS enrolled
              FROM {TRAININGS} t LEFT JOIN {PARTICIPANTS} p USING (training_id)
             WHERE t.status = 'planned' AND t.starts_at > $1
               AND ($2::uuid[] IS NULL OR t.site_id = ANY($2))
             GROUP BY t.training_id, t.site_id, t.title, t.qualification, t.starts_at,
                      t.ends_at, t.capacity
             ORDER BY t.starts_at, t.training_id""",
        since, site_ids, volunteer_id,
    )
    return [dict(row) for row in rows]


async def trainings_at(connection: asyncpg.Connection | asyncpg.Pool, site_id: UUID,
                       since: datetime, until: datetime) -> list[dict[str, Any]]:
    """The site's trainings starting in ``[since, until)``, by start, each with the volunteers
    enrolled and those who attended."""
    rows = await connection.fetch(
        f"""SELECT t.training_id AS id, t.title, t.qualification, t.valid_for_months,
                   t.starts_at, t.ends_at, t.capacity, t.status, t.room_id,
                   ARRAY(SELECT p.volunteer_id FROM {PARTICIPANTS} p
                          WHERE p.training_id = t.training_id AND p.enrolled
                          ORDER BY p.volunteer_id) AS enrolled,
                   ARRAY(SELECT p.volunteer_id FROM {PARTICIPANTS} p
                          WHERE p.training_id = t.training_id AND p.attended
                          ORDER BY p.volunteer_id) AS attended
              FROM {TRAININGS} t
             WHERE t.site_id = $1 AND t.starts_at >= $2 AND t.starts_at < $3
             ORDER BY t.starts_at, t.training_id""",
        site_id, since, until,
    )
    return [dict(row) for row in rows]
