"""Attendance statistics: every session occurrence, confirmed shift and training, as figures.

Rows (ids and figures only, never personal data):
- an occurrence per ``(session_id, starts_at)``: its offer and site, cancelled or not, and the
  visitors counted (a correction replaces the figure; NULL while none is recorded);
- a shift per ``shift_id``: site, session, times, and once confirmed the volunteers present and
  the volunteer seconds (``projections.figures.served``; a later confirmation replaces the
  earlier);
- a training per ``training_id``: site, times, held (= completed) and its participants;
- a timesheet line per ``line_id`` (hours outside shifts): volunteer, site, offer, times,
  activity, seconds, withdrawn (a correction replaces the line);
- the funding programme's rate per volunteer hour, per day it is valid from (with provider,
  programme and reference, for the report's header);
- the offers, sessions and sites those rows name (title, category, site name) for grouping.

These rows are the facts of every attendance figure, and ``evolve`` is their one fold: the
workers keep it in PostgreSQL for ``GET /api/stats/attendance``, and the funding report folds
the sealed history "as of" any instant with the same step in memory (``fold_history``,
``projections.funding``). What the facts count as (held, cancelled, unrecorded, volunteer
hours) and how they add up is ``projections.figures``, for both; ``figures`` here groups them
by month, offer, category or site, from the tables (``load_rows`` reads them into the same
shape) or from a fold in memory.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, Literal
from uuid import UUID

import asyncpg
import msgspec

from events.base import Event
from events.funding import FundingSettingsChanged
from events.hours import HoursCorrected, HoursRecorded
from events.offers import (
    AttendanceCorrected,
    AttendanceRecorded,
    OfferCreated,
    OfferDetailsChanged,
    SessionOccurrencesCancelled,
    SessionScheduled,
)
from events.shifts import ShiftAttendanceConfirmed, ShiftCreated
from events.sites import SiteAdded
from events.trainings import TrainingCancelled, TrainingCompleted, TrainingPlanned
from projections.figures import (
    Counted,
    Facts,
    Figures,
    by_category,
    by_month,
    by_offer,
    by_site,
    line_seconds,
    participants,
    served,
    tally,
    total,
)
from projections.row_changes import (
    Evolve,
    RowProjection,
    Rows,
    Schema,
    Update,
    Upsert,
    fold,
)

NAME = "attendance_stats"
SITES = "attendance_stats_sites"
OFFERS = "attendance_stats_offers"
SESSIONS = "attendance_stats_sessions"
OCCURRENCES = "attendance_stats_occurrences"
SHIFTS = "attendance_stats_shifts"
TRAININGS = "attendance_stats_trainings"
HOURS = "attendance_stats_hours"
RATES = "attendance_stats_rates"

GroupBy = Literal["month", "offer", "category", "site"]
GROUPINGS: tuple[str, ...] = ("month", "offer", "category", "site")

SCHEMA = Schema(
    keys={
        SITES: ("site_id",),
        OFFERS: ("offer_id",),
        SESSIONS: ("session_id",),
        OCCURRENCES: ("session_id", "starts_at"),
        SHIFTS: ("shift_id",),
        TRAININGS: ("training_id",),
        HOURS: ("line_id",),
        RATES: ("valid_from",),
    },
    defaults={
        OCCURRENCES: {"cancelled": False, "visitors": None},
        SHIFTS: {"confirmed": False, "present": 0, "volunteer_seconds": 0},
        TRAININGS: {"held": False, "cancelled": False, "participants": 0},
        HOURS: {"withdrawn": False, "volunteer_seconds": 0},
    },
)


# The pure step ---------------------------------------------------------------------------------


evolve = Evolve()
"""The row changes one event makes; no I/O, no clock."""


@evolve.on(SiteAdded)
def _site(event: SiteAdded) -> list[Upsert]:
    return [Upsert(SITES, {"site_id": event.site_id},
                   {"name": event.name, "village": event.village})]


@evolve.on(OfferCreated)
def _offer(event: OfferCreated) -> list[Upsert]:
    return [Upsert(OFFERS, {"offer_id": event.offer_id}, {
        "site_id": event.site_id, "title": event.title, "category": event.category})]


@evolve.on(OfferDetailsChanged)
def _offer_changed(event: OfferDetailsChanged) -> list[Update]:
    # Only from now on: a fold "as of" an earlier instant names the offer as it was then.
    return [Update(OFFERS, {"offer_id": event.offer_id},
                   {"title": event.title, "category": event.category})]


@evolve.on(SessionScheduled)
def _session(event: SessionScheduled) -> list[Upsert]:
    return [
        Upsert(SESSIONS, {"session_id": event.session_id},
               {"offer_id": event.offer_id, "site_id": event.site_id}),
        *(Upsert(OCCURRENCES, _occurrence(event.session_id, o.starts_at), {
            "offer_id": event.offer_id, "site_id": event.site_id, "ends_at": o.ends_at})
          for o in event.occurrences),
    ]


@evolve.on(SessionOccurrencesCancelled)
def _cancelled(event: SessionOccurrencesCancelled) -> list[Upsert]:
    return [Upsert(OCCURRENCES, _occurrence(event.session_id, starts_at), {"cancelled": True})
            for starts_at in event.occurrence_starts_at]


@evolve.on(AttendanceRecorded, AttendanceCorrected)
def _counted(event: AttendanceRecorded | AttendanceCorrected) -> list[Upsert]:
    return [Upsert(OCCURRENCES, _occurrence(event.session_id, event.occurrence_starts_at),
                   {"visitors": event.visitors})]


@evolve.on(ShiftCreated)
def _shift(event: ShiftCreated) -> list[Upsert]:
    return [Upsert(SHIFTS, {"shift_id": event.shift_id}, {
        "site_id": event.site_id, "session_id": event.session_id,
        "starts_at": event.starts_at, "ends_at": event.ends_at})]


@evolve.on(ShiftAttendanceConfirmed)
def _confirmed(event: ShiftAttendanceConfirmed) -> list[Upsert]:
    people, seconds = served(event)
    return [Upsert(SHIFTS, {"shift_id": event.shift_id}, {
        "confirmed": True, "present": people, "volunteer_seconds": seconds})]


@evolve.on(TrainingPlanned)
def _training(event: TrainingPlanned) -> list[Upsert]:
    return [Upsert(TRAININGS, {"training_id": event.training_id}, {
        "site_id": event.site_id, "starts_at": event.starts_at, "ends_at": event.ends_at})]


@evolve.on(TrainingCancelled)
def _training_cancelled(event: TrainingCancelled) -> list[Upsert]:
    return [Upsert(TRAININGS, {"training_id": event.training_id}, {"cancelled": True})]


@evolve.on(TrainingCompleted)
def _training_held(event: TrainingCompleted) -> list[Upsert]:
    return [Upsert(TRAININGS, {"training_id": event.training_id},
                   {"held": True, "participants": participants(event)})]


@evolve.on(HoursRecorded, HoursCorrected)
def _hours(event: HoursRecorded | HoursCorrected) -> list[Upsert]:
    withdrawn = isinstance(event, HoursCorrected) and event.withdrawn
    return [Upsert(HOURS, {"line_id": event.line_id}, {
        "volunteer_id": event.volunteer_id, "site_id": event.site_id,
        "offer_id": event.offer_id, "starts_at": event.started_at, "ends_at": event.ended_at,
        "activity": event.activity, "withdrawn": withdrawn,
        "volunteer_seconds": line_seconds(event.started_at, event.ended_at)})]


@evolve.on(FundingSettingsChanged)
def _rate(event: FundingSettingsChanged) -> list[Upsert]:
    return [Upsert(RATES, {"valid_from": event.valid_from}, {
        "cents_per_hour": event.cents_per_volunteer_hour, "provider": event.provider,
        "programme": event.programme, "funding_reference": event.funding_reference})]


def _occurrence(session_id: UUID, starts_at: datetime) -> dict[str, Any]:
    return {"session_id": session_id, "starts_at": starts_at}


def fold_history(events: Iterable[Event], rows: Rows | None = None) -> Rows:
    """The read model's rows after ``events``, in memory."""
    return fold(SCHEMA, (change for event in events for change in evolve(event)), rows)


# The figures (pure; the rules are projections.figures) -----------------------------------------


class Group(Figures, kw_only=True):
    key: str | None
    """The month (``2026-03``), offer id, category or site id; None: not tied to an offer
    (shifts without a session, trainings) when grouped by offer or category."""
    label: str | None = None
    """The offer's title, the site's name; for months and categories the key again."""


def facts(rows: Rows) -> Facts:
    """The rows as the facts ``projections.figures`` counts."""
    sessions = rows.get(SESSIONS, {})

    def offer_of_session(session_id: UUID) -> UUID | None:
        session = sessions.get((session_id,))
        return session["offer_id"] if session else None

    return Facts(occurrences=rows.get(OCCURRENCES, {}).values(),
                 shifts=rows.get(SHIFTS, {}).values(),
                 trainings=rows.get(TRAININGS, {}).values(),
                 hours=rows.get(HOURS, {}).values(),
                 offer_of_session=offer_of_session,
                 rates=rates_of(rows))


def rates_of(rows: Rows) -> dict[Any, int]:
    """``valid_from`` day -> cents per volunteer hour."""
    return {valid_from: row["cents_per_hour"]
            for (valid_from,), row in rows.get(RATES, {}).items()}


def figures(
    rows: Rows,
    *,
    from_: datetime,
    to: datetime,
    group_by: str,
    now: datetime,
    site_ids: frozenset[UUID] | None = None,
) -> tuple[list[Group], Figures]:
    """Sum what began in ``[from_, to)`` (of ``site_ids``, or every site) by group, and in all."""
    sums = tally(facts(rows), _key(rows, group_by), from_=from_, to=to, now=now,
                 site_ids=site_ids)
    groups = [Group(key=None if key is None else str(key), label=_label(rows, group_by, key),
                    **msgspec.structs.asdict(sum_.shown()))
              for key, sum_ in sums.items()]
    groups.sort(key=lambda g: (g.key is None, g.key or ""))
    return groups, total(sums.values()).shown()


def _key(rows: Rows, group_by: str) -> Callable[[Counted], Any]:
    match group_by:
        case "month":
            return by_month
        case "site":
            return by_site
        case "offer":
            return by_offer
        case "category":
            offers = rows.get(OFFERS, {})
            return by_category(lambda offer_id: (offers.get((offer_id,)) or {}).get("category"))
    raise ValueError(f"unknown grouping {group_by!r}")


def _label(rows: Rows, group_by: str, key: Any) -> str | None:
    match group_by:
        case "site":
            site = rows.get(SITES, {}).get((key,))
            return site["name"] if site else None
        case "offer":
            offer = rows.get(OFFERS, {}).get((key,)) if key is not None else None
            return offer["title"] if offer else None
    return key


# The tables ------------------------------------------------------------------------------------


ATTENDANCE_STATS = RowProjection(
    name=NAME,
    tables={
        SITES: "site_id uuid PRIMARY KEY, name text, village text",
        OFFERS: "offer_id uuid PRIMARY KEY, site_id uuid, title text, category text",
        SESSIONS: "session_id uuid PRIMARY KEY, offer_id uuid, site_id uuid",
        OCCURRENCES: """session_id uuid NOT NULL, starts_at timestamptz NOT NULL,
            offer_id uuid, site_id uuid, ends_at timestamptz,
            cancelled boolean NOT NULL DEFAULT false, visitors integer,
            PRIMARY KEY (session_id, starts_at)""",
        SHIFTS: """shift_id uuid PRIMARY KEY, site_id uuid, session_id uuid,
            starts_at timestamptz, ends_at timestamptz,
            confirmed boolean NOT NULL DEFAULT false, present integer NOT NULL DEFAULT 0,
            volunteer_seconds bigint NOT NULL DEFAULT 0""",
        TRAININGS: """training_id uuid PRIMARY KEY, site_id uuid,
            starts_at timestamptz, ends_at timestamptz,
            held boolean NOT NULL DEFAULT false, cancelled boolean NOT NULL DEFAULT false,
            participants integer NOT NULL DEFAULT 0""",
        HOURS: """line_id uuid PRIMARY KEY, volunteer_id uuid, site_id uuid, offer_id uuid,
            starts_at timestamptz, ends_at timestamptz, activity text,
            withdrawn boolean NOT NULL DEFAULT false,
            volunteer_seconds bigint NOT NULL DEFAULT 0""",
        RATES: """valid_from date PRIMARY KEY, cents_per_hour integer NOT NULL,
            provider text, programme text, funding_reference text""",
    },
    indexes=tuple(
        f"CREATE INDEX ON {{{table}}} (starts_at)"
        for table in (OCCURRENCES, SHIFTS, TRAININGS, HOURS)
    ),
    schema=SCHEMA,
    evolve=evolve,
)


# Queries ---------------------------------------------------------------------------------------


async def load_rows(
    connection: asyncpg.Connection | asyncpg.Pool,
    *,
    from_: datetime,
    to: datetime,
    site_ids: frozenset[UUID] | None = None,
) -> Rows:
    """The rows ``figures`` needs for ``[from_, to)``: what began then, and what it names."""
    sites = list(site_ids) if site_ids is not None else None
    rows: Rows = {}
    for table in (SITES, OFFERS, SESSIONS, RATES):
        rows[table] = _keyed(table, await connection.fetch(f"SELECT * FROM {table}"))
    for table in (OCCURRENCES, SHIFTS, TRAININGS, HOURS):
        rows[table] = _keyed(table, await connection.fetch(
            f"""SELECT * FROM {table} WHERE starts_at >= $1 AND starts_at < $2
                  AND ($3::uuid[] IS NULL OR site_id = ANY($3))""",
            from_, to, sites,
        ))
    return rows


def _keyed(table: str, records: Iterable[asyncpg.Record]) -> dict[tuple[Any, ...], dict[str, Any]]:
    keys = SCHEMA.keys[table]
    return {tuple(record[k] for k in keys): dict(record) for record in records}
