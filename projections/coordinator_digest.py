"""The coordinators' weekly digest: every Monday from 07:00 Europe/Berlin, one e-mail to each
coordinator for their sites, listing shifts of the next 7 days still short of people, sessions
of the last 4 weeks without a visitor count, and qualifications of volunteers serving at their
sites that run out within 30 days.

A periodic pass of the workers decides it (``digest_week``, ``digest_of``: pure) and queues one
outbox row per coordinator and ISO week (key ``coordinator_digest:<account>:<year>-W<week>``):
due from Monday 07:00 on the Berlin wall clock (across a change of the clocks too) until the
week ends, so a worker that was down on Monday sends it when it is back, and never twice. With
nothing to tell, the row is recorded as suppressed ("nothing to tell") and nothing is sent.
The row holds ids, titles, sites and times; volunteers' names are opened when it is sent.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import msgspec

from projections.notifier import COORDINATOR_DIGEST
from projections.qualification_warnings import expiring_soon, new_keys, ready

BERLIN = ZoneInfo("Europe/Berlin")
DIGEST_HOUR = 7
"""Monday 07:00 on the Berlin wall clock."""
SHIFTS_AHEAD = timedelta(days=7)
UNCOUNTED_WITHIN = timedelta(days=28)
EXPIRING_WITHIN = timedelta(days=30)


class Coordinator(msgspec.Struct, frozen=True, kw_only=True):
    account_id: UUID
    site_ids: tuple[UUID, ...]


class ShortShift(msgspec.Struct, frozen=True, kw_only=True):
    shift_id: UUID
    site_id: UUID
    site: str
    title: str
    starts_at: datetime
    ends_at: datetime
    capacity: int
    claimed: int

    @property
    def missing(self) -> int:
        return self.capacity - self.claimed


class UncountedSession(msgspec.Struct, frozen=True, kw_only=True):
    session_id: UUID
    site_id: UUID
    starts_at: datetime
    ends_at: datetime
    site: str
    title: str
    cancelled: bool = False
    visitors: int | None = None


class Expiring(msgspec.Struct, frozen=True, kw_only=True):
    volunteer_id: UUID
    qualification: str
    names: Mapping[str, str]
    valid_until: datetime
    serving_at: frozenset[UUID]
    """The sites where the volunteer serves (shifts, timesheet lines)."""
    erased: bool = False


class Digest(msgspec.Struct, frozen=True, kw_only=True):
    shifts: list[ShortShift]
    sessions: list[UncountedSession]
    qualifications: list[Expiring]


def digest_week(now: datetime) -> str | None:
    """The ISO week (``2026-W50``) whose digest is due at ``now``: from Monday 07:00 in Berlin
    to the week's end; None early on Monday, before it is due."""
    local = now.astimezone(BERLIN)
    year, week, weekday = local.isocalendar()
    if weekday == 1 and local.hour < DIGEST_HOUR:
        return None
    return f"{year}-W{week:02d}"


def digest_key(account_id: UUID, week: str) -> str:
    return f"{COORDINATOR_DIGEST}:{account_id}:{week}"


def digest_of(coordinator: Coordinator, shifts: Iterable[ShortShift],
              sessions: Iterable[UncountedSession], qualifications: Iterable[Expiring],
              now: datetime) -> Digest | None:
    """What the coordinator is told at ``now``, each list in time order; None if all are
    empty."""
    sites = set(coordinator.site_ids)
    digest = Digest(
        shifts=sorted((s for s in shifts if s.site_id in sites and s.missing > 0
                       and now <= s.starts_at < now + SHIFTS_AHEAD),
                      key=lambda s: (s.starts_at, s.title)),
        sessions=sorted((s for s in sessions if s.site_id in sites and not s.cancelled
                         and s.visitors is None and now - UNCOUNTED_WITHIN <= s.starts_at
                         and s.ends_at <= now),
                        key=lambda s: (s.starts_at, s.title)),
        qualifications=sorted((q for q in qualifications if q.serving_at & sites
                               and not q.erased
                               and expiring_soon(q.valid_until, now, EXPIRING_WITHIN)),
                              key=lambda q: (q.valid_until, q.qualification)))
    if not (digest.shifts or digest.sessions or digest.qualifications):
        return None
    return digest


def digest_params(digest: Digest, week: str, site_names: list[str]) -> dict[str, Any]:
    """What the message shows (no personal data: a volunteer by id, named when it is sent)."""
    return {
        "week": week, "sites": site_names,
        "shifts": [{"site": s.site, "title": s.title, "starts_at": s.starts_at.isoformat(),
                    "ends_at": s.ends_at.isoformat(), "missing": s.missing}
                   for s in digest.shifts],
        "sessions": [{"site": s.site, "title": s.title, "starts_at": s.starts_at.isoformat(),
                      "ends_at": s.ends_at.isoformat()} for s in digest.sessions],
        "qualifications": [{"volunteer_id": str(q.volunteer_id), "names": dict(q.names),
                            "valid_until": q.valid_until.isoformat()}
                           for q in digest.qualifications]}


# The pass ---------------------------------------------------------------------------------------

NEEDS = ("notifier_coordinators", "notifier_sites", "notifier_volunteers", "shift_board",
         "attendance_stats_occurrences", "attendance_stats_offers",
         "training_record_qualifications", "training_record_trainings",
         "qualification_catalogue", "volunteer_site_visits", "volunteer_site_places")

_SHIFTS = """
SELECT b.shift_id, b.site_id, coalesce(si.name, '') AS site, b.title, b.starts_at, b.ends_at,
       b.capacity, b.claimed
  FROM shift_board b LEFT JOIN notifier_sites si USING (site_id)
 WHERE b.site_id = ANY($1::uuid[]) AND b.starts_at >= $2 AND b.starts_at < $3
   AND b.claimed < b.capacity"""

_SESSIONS = """
SELECT o.session_id, o.site_id, coalesce(si.name, '') AS site, coalesce(f.title, '') AS title,
       o.starts_at, o.ends_at, o.cancelled, o.visitors
  FROM attendance_stats_occurrences o
  LEFT JOIN attendance_stats_offers f USING (offer_id)
  LEFT JOIN notifier_sites si ON si.site_id = o.site_id
 WHERE o.site_id = ANY($1::uuid[]) AND o.starts_at >= $2 AND o.ends_at <= $3
   AND NOT o.cancelled AND o.visitors IS NULL"""

_QUALIFICATIONS = """
SELECT q.volunteer_id, q.qualification, q.valid_until,
       coalesce(c.name_de, q.qualification) AS name_de,
       coalesce(c.name_en, q.qualification) AS name_en,
       coalesce(v.erased, false) AS erased,
       ARRAY(SELECT DISTINCT p.site_id FROM volunteer_site_visits s
               JOIN volunteer_site_places p USING (place_id)
              WHERE s.volunteer_id = q.volunteer_id AND p.site_id = ANY($1::uuid[])
                AND NOT EXISTS (SELECT 1 FROM training_record_trainings t
                                 WHERE t.training_id = p.place_id)) AS serving_at
  FROM training_record_qualifications q
  LEFT JOIN qualification_catalogue c ON c.code = q.qualification
  LEFT JOIN notifier_volunteers v USING (volunteer_id)
 WHERE q.valid_until > $2 AND q.valid_until <= $3"""


async def _coordinators(connection: Any) -> list[tuple[Coordinator, bytes]]:
    return [(Coordinator(account_id=row["account_id"], site_ids=tuple(row["site_ids"])),
             row["email"])
            for row in await connection.fetch(
                """SELECT account_id, site_ids, email FROM notifier_coordinators
                    WHERE NOT closed AND email IS NOT NULL ORDER BY account_id""")]


async def _state(connection: Any, site_ids: list[UUID], now: datetime) -> tuple[
        list[ShortShift], list[UncountedSession], list[Expiring]]:
    shifts = [ShortShift(**row) for row in await connection.fetch(
        _SHIFTS, site_ids, now, now + SHIFTS_AHEAD)]
    sessions = [UncountedSession(**row) for row in await connection.fetch(
        _SESSIONS, site_ids, now - UNCOUNTED_WITHIN, now)]
    qualifications = [
        Expiring(volunteer_id=row["volunteer_id"], qualification=row["qualification"],
                 names={"de": row["name_de"], "en": row["name_en"]},
                 valid_until=row["valid_until"], serving_at=frozenset(row["serving_at"]),
                 erased=row["erased"])
        for row in await connection.fetch(_QUALIFICATIONS, site_ids, now, now + EXPIRING_WITHIN)]
    return shifts, sessions, qualifications


async def queue_due_digests(connection: Any, now: datetime) -> int:
    """Queue this week's digest of every coordinator who has none yet; how many were queued
    to be sent (an empty one is recorded as suppressed)."""
    week = digest_week(now)
    if week is None or not await ready(connection, NEEDS):
        return 0
    coordinators = await _coordinators(connection)
    fresh = await new_keys(connection, [digest_key(c.account_id, week) for c, _ in coordinators])
    waiting = [(c, email) for c, email in coordinators if digest_key(c.account_id, week) in fresh]
    if not waiting:
        return 0
    site_ids = sorted({site for c, _ in waiting for site in c.site_ids})
    shifts, sessions, qualifications = await _state(connection, site_ids, now)
    names = {row["site_id"]: row["name"] for row in await connection.fetch(
        "SELECT site_id, name FROM notifier_sites WHERE site_id = ANY($1::uuid[])", site_ids)}
    queued = 0
    for coordinator, email in waiting:
        digest = digest_of(coordinator, shifts, sessions, qualifications, now)
        params = digest_params(digest, week, sorted(
            names[s] for s in coordinator.site_ids if s in names)) if digest else {"week": week}
        status = await connection.execute(
            """INSERT INTO outbox (key, kind, volunteer_id, recipient, params, state, detail,
                                   finished_at)
               VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, CASE WHEN $6 = 'queued' THEN NULL
                                                             ELSE now() END)
               ON CONFLICT (key) DO NOTHING""",
            digest_key(coordinator.account_id, week), COORDINATOR_DIGEST,
            coordinator.account_id, email if digest else None,
            msgspec.json.encode(params).decode(),
            "queued" if digest else "suppressed", None if digest else "nothing to tell")
        queued += int(status.rsplit(" ", 1)[-1]) if digest else 0
    return queued


async def sealed_names(connection: Any, volunteer_ids: list[UUID]) -> dict[UUID, bytes | None]:
    """The volunteers' names as ciphertext (opened by the sender under each one's key)."""
    return {row["volunteer_id"]: row["name"] for row in await connection.fetch(
        "SELECT volunteer_id, name FROM notifier_volunteers WHERE volunteer_id = ANY($1)",
        volunteer_ids)}
