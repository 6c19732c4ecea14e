"""Attendance statistics: every session occurrence, confirmed shift and training, as figures.

Rows (ids and figures only, never personal data):
- an occurrence per ``(session_id, starts_at)``: its offer and site, cancelled or not, and the
  visitors counted (a correction replaces the figure; NULL while none is recorded);
- a shift per ``shift_id``: site, session, times, and once confirmed the volunteers present and
  the volunteer seconds (present x duration; a later confirmation replaces the earlier);
- a training per ``training_id``: site, times, held (= completed) and its participants;
- the offers, sessions and sites those rows name (title, category, site name) for grouping.

An occurrence counts as *held* when its visitors were recorded and it was not cancelled (as
the funding report counts it: a held session has a figure to show). A not cancelled occurrence
that began before ``now`` without a count is *unrecorded*, a gap for the coordinator to close,
not a session held. Months are Europe/Berlin calendar months.

``evolve`` and ``figures`` are pure: the funding report folds a history "as of" a past instant
with ``fold_history`` and sums it with ``figures``, exactly as the read route does from the
tables (``load_rows`` reads them into the same shape).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, Literal
from uuid import UUID
from zoneinfo import ZoneInfo

import asyncpg
import msgspec

from events.base import Event
from events.offers import (
    AttendanceCorrected,
    AttendanceRecorded,
    OfferCreated,
    SessionOccurrencesCancelled,
    SessionScheduled,
)
from events.shifts import ShiftAttendanceConfirmed, ShiftCreated
from events.sites import SiteAdded
from events.trainings import TrainingCancelled, TrainingCompleted, TrainingPlanned
from projections.row_changes import Evolve, RowProjection, Rows, Schema, Upsert, fold

NAME = "attendance_stats"
SITES = "attendance_stats_sites"
OFFERS = "attendance_stats_offers"
SESSIONS = "attendance_stats_sessions"
OCCURRENCES = "attendance_stats_occurrences"
SHIFTS = "attendance_stats_shifts"
TRAININGS = "attendance_stats_trainings"

BERLIN = ZoneInfo("Europe/Berlin")
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
    },
    defaults={
        OCCURRENCES: {"cancelled": False, "visitors": None},
        SHIFTS: {"confirmed": False, "present": 0, "volunteer_seconds": 0},
        TRAININGS: {"held": False, "cancelled": False, "participants": 0},
    },
)


# The pure step ---------------------------------------------------------------------------------


evolve = Evolve()
"""The row changes one event makes; no I/O, no clock."""


@evolve.on(SiteAdded)
def _site(event: SiteAdded) -> list[Upsert]:
    return [Upsert(SITES, {"site_id": event.site_id}, {"name": event.name})]


@evolve.on(OfferCreated)
def _offer(event: OfferCreated) -> list[Upsert]:
    return [Upsert(OFFERS, {"offer_id": event.offer_id}, {
        "site_id": event.site_id, "title": event.title, "category": event.category})]


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
    seconds = int((event.ends_at - event.starts_at).total_seconds())
    return [Upsert(SHIFTS, {"shift_id": event.shift_id}, {
        "confirmed": True, "present": len(event.present),
        "volunteer_seconds": len(event.present) * seconds})]


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
                   {"held": True, "participants": len(event.attended)})]


def _occurrence(session_id: UUID, starts_at: datetime) -> dict[str, Any]:
    return {"session_id": session_id, "starts_at": starts_at}


def fold_history(events: Iterable[Event], rows: Rows | None = None) -> Rows:
    """The read model's rows after ``events``, in memory."""
    return fold(SCHEMA, (change for event in events for change in evolve(event)), rows)


# The figures (pure) ----------------------------------------------------------------------------


class Figures(msgspec.Struct, kw_only=True):
    sessions_held: int = 0
    sessions_cancelled: int = 0
    sessions_unrecorded: int = 0
    visitors: int = 0
    volunteer_hours: float = 0.0
    trainings_held: int = 0
    training_participants: int = 0


class Group(Figures, kw_only=True):
    key: str | None
    """The month (``2026-03``), offer id, category or site id; None: not tied to an offer
    (shifts without a session, trainings) when grouped by offer or category."""
    label: str | None = None
    """The offer's title, the site's name; for months and categories the key again."""


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
    groups: dict[str | None, Group] = {}
    seconds: dict[str | None, int] = {}

    def group_of(site_id: UUID | None, offer_id: UUID | None, starts_at: datetime) -> Group:
        key, label = _group_key(rows, group_by, site_id, offer_id, starts_at)
        if key not in groups:
            groups[key] = Group(key=key, label=label)
        return groups[key]

    def selected(row: Mapping[str, Any]) -> bool:
        return (from_ <= row["starts_at"] < to
                and (site_ids is None or row["site_id"] in site_ids))

    for row in rows.get(OCCURRENCES, {}).values():
        if not selected(row):
            continue
        group = group_of(row["site_id"], row["offer_id"], row["starts_at"])
        if row["cancelled"]:
            group.sessions_cancelled += 1
        elif row["visitors"] is not None:
            group.sessions_held += 1
            group.visitors += row["visitors"]
        elif row["starts_at"] < now:
            group.sessions_unrecorded += 1
    sessions = rows.get(SESSIONS, {})
    for row in rows.get(SHIFTS, {}).values():
        if not row["confirmed"] or not selected(row):
            continue
        session = sessions.get((row["session_id"],)) if row["session_id"] else None
        group = group_of(row["site_id"], session and session["offer_id"], row["starts_at"])
        seconds[group.key] = seconds.get(group.key, 0) + row["volunteer_seconds"]
    for row in rows.get(TRAININGS, {}).values():
        if not row["held"] or row["cancelled"] or not selected(row):
            continue
        group = group_of(row["site_id"], None, row["starts_at"])
        group.trainings_held += 1
        group.training_participants += row["participants"]
    for key, total in seconds.items():
        groups[key].volunteer_hours = _hours(total)

    ordered = sorted(groups.values(), key=lambda g: (g.key is None, g.key or ""))
    totals = Figures(
        sessions_held=sum(g.sessions_held for g in ordered),
        sessions_cancelled=sum(g.sessions_cancelled for g in ordered),
        sessions_unrecorded=sum(g.sessions_unrecorded for g in ordered),
        visitors=sum(g.visitors for g in ordered),
        volunteer_hours=_hours(sum(seconds.values())),
        trainings_held=sum(g.trainings_held for g in ordered),
        training_participants=sum(g.training_participants for g in ordered),
    )
    return ordered, totals


def _hours(seconds: int) -> float:
    return round(seconds / 3600, 2)


def _group_key(
    rows: Rows, group_by: str, site_id: UUID | None, offer_id: UUID | None, starts_at: datetime
) -> tuple[str | None, str | None]:
    match group_by:
        case "month":
            month = starts_at.astimezone(BERLIN).strftime("%Y-%m")
            return month, month
        case "site":
            site = rows.get(SITES, {}).get((site_id,))
            return str(site_id), site["name"] if site else None
        case "offer":
            offer = rows.get(OFFERS, {}).get((offer_id,)) if offer_id else None
            return (str(offer_id), offer["title"]) if offer else (None, None)
        case "category":
            offer = rows.get(OFFERS, {}).get((offer_id,)) if offer_id else None
            return (offer["category"], offer["category"]) if offer else (None, None)
    raise ValueError(f"unknown grouping {group_by!r}")


# The tables ------------------------------------------------------------------------------------


ATTENDANCE_STATS = RowProjection(
    name=NAME,
    tables={
        SITES: "site_id uuid PRIMARY KEY, name text",
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
    },
    indexes=tuple(
        f"CREATE INDEX ON {{{table}}} (starts_at)" for table in (OCCURRENCES, SHIFTS, TRAININGS)
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
    for table in (SITES, OFFERS, SESSIONS):
        rows[table] = _keyed(table, await connection.fetch(f"SELECT * FROM {table}"))
    for table in (OCCURRENCES, SHIFTS, TRAININGS):
        rows[table] = _keyed(table, await connection.fetch(
            f"""SELECT * FROM {table} WHERE starts_at >= $1 AND starts_at < $2
                  AND ($3::uuid[] IS NULL OR site_id = ANY($3))""",
            from_, to, sites,
        ))
    return rows


def _keyed(table: str, records: Iterable[asyncpg.Record]) -> dict[tuple[Any, ...], dict[str, Any]]:
    keys = SCHEMA.keys[table]
    return {tuple(record[k] for k in keys): dict(record) for record in records}
