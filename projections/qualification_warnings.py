"""A qualification running out within 30 days: its volunteer is told once, in their language.

A periodic pass of the workers (like the reminders) reads ``training_records``' grants and the
notifier's volunteers, decides which warnings are due (``warnings_due``, pure) and queues them.
The outbox key names the volunteer, the qualification and its expiry instant: a rerun or a
rebuild never queues the same warning twice, and a renewed qualification (a new expiry) may be
warned of again, 30 days before its own end. Not for an erased volunteer, nor for one who
turned the kind off.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import msgspec

from projections.notifier import QUALIFICATION_EXPIRING

WARN_WITHIN = timedelta(days=30)


class Grant(msgspec.Struct, frozen=True, kw_only=True):
    """A volunteer's current grant of a qualification, with what the decision needs."""

    volunteer_id: UUID
    qualification: str
    valid_until: datetime
    erased: bool = False
    off: tuple[str, ...] = ()


def expiring_soon(valid_until: datetime, now: datetime, within: timedelta = WARN_WITHIN) -> bool:
    """Still valid at ``now``, and no longer ``within`` from now."""
    return now < valid_until <= now + within


def warnings_due(grants: Iterable[Grant], now: datetime) -> list[Grant]:
    """The grants whose volunteer is to be warned at ``now`` (sent or not before)."""
    return [grant for grant in grants
            if expiring_soon(grant.valid_until, now) and not grant.erased
            and QUALIFICATION_EXPIRING not in grant.off]


def warning_key(grant: Grant) -> str:
    return (f"{QUALIFICATION_EXPIRING}:{grant.volunteer_id}:{grant.qualification}:"
            f"{int(grant.valid_until.timestamp())}")


def warning_params(grant: Grant, names: Mapping[str, str] | None, site: str) -> dict[str, Any]:
    """What the message shows: the catalogue's names (the code without an entry), the expiry
    and the Dorftreff of the training that granted it."""
    return {"qualification": grant.qualification,
            "names": dict(names) if names else {"de": grant.qualification,
                                                "en": grant.qualification},
            "valid_until": grant.valid_until.isoformat(), "site": site}


NEEDS = ("training_record_qualifications", "training_record_trainings",
         "qualification_catalogue", "notifier_volunteers", "notifier_sites")
"""The read models' views the pass reads (it waits until each exists)."""

_CANDIDATES = """
SELECT q.volunteer_id, q.qualification, q.valid_until, v.erased, v.off, v.language, v.email,
       v.name, coalesce(si.name, '') AS site, c.name_de, c.name_en
  FROM training_record_qualifications q
  JOIN notifier_volunteers v USING (volunteer_id)
  LEFT JOIN training_record_trainings t USING (training_id)
  LEFT JOIN notifier_sites si ON si.site_id = t.site_id
  LEFT JOIN qualification_catalogue c ON c.code = q.qualification
 WHERE q.valid_until > $1 AND q.valid_until <= $2"""


async def ready(connection: Any, views: Iterable[str]) -> bool:
    """Whether every view exists (a fresh database gets them with its first catch-up)."""
    return await connection.fetchval(
        "SELECT bool_and(to_regclass(v) IS NOT NULL) FROM unnest($1::text[]) v", list(views))


async def new_keys(connection: Any, keys: list[str]) -> set[str]:
    """Those of ``keys`` not yet in the outbox."""
    known = {row["key"] for row in await connection.fetch(
        "SELECT key FROM outbox WHERE key = ANY($1::text[])", keys)}
    return set(keys) - known


async def queue_due_warnings(connection: Any, now: datetime) -> int:
    """Queue every warning due at ``now`` not queued before; how many were queued."""
    if not await ready(connection, NEEDS):
        return 0
    rows = {(row["volunteer_id"], row["qualification"]): row for row in await connection.fetch(
        _CANDIDATES, now, now + WARN_WITHIN)}
    due = warnings_due((Grant(volunteer_id=row["volunteer_id"],
                              qualification=row["qualification"],
                              valid_until=row["valid_until"], erased=row["erased"],
                              off=tuple(row["off"])) for row in rows.values()), now)
    fresh = await new_keys(connection, [warning_key(grant) for grant in due])
    queued = 0
    for grant in due:
        if warning_key(grant) not in fresh:
            continue
        row = rows[(grant.volunteer_id, grant.qualification)]
        names = {"de": row["name_de"], "en": row["name_en"]} if row["name_de"] else None
        status = await connection.execute(
            """INSERT INTO outbox (key, kind, volunteer_id, language, recipient, recipient_name,
                                   params)
               VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb) ON CONFLICT (key) DO NOTHING""",
            warning_key(grant), QUALIFICATION_EXPIRING, grant.volunteer_id, row["language"],
            row["email"], row["name"],
            msgspec.json.encode(warning_params(grant, names, row["site"])).decode())
        queued += int(status.rsplit(" ", 1)[-1])
    return queued
