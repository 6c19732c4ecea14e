"""Handovers: the places volunteers offer to a colleague or to their site, and who took them.

Only ids, the shift's title and times are kept, never a name.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

from events.handovers import HandoverAccepted, HandoverOffered
from projections.row_changes import Evolve, RowChange, RowProjection, Schema, Update, Upsert

NAME = "handovers"
OFFERS = "handover_offers"
SCHEMA = Schema(keys={OFFERS: ("handover_id",)}, defaults={})

evolve = Evolve()


@evolve.on(HandoverOffered)
def _offered(event: HandoverOffered) -> list[RowChange]:
    return [Upsert(OFFERS, {"handover_id": event.handover_id}, {
        "shift_id": event.shift_id, "site_id": event.site_id,
        "from_volunteer_id": event.from_volunteer_id, "to_volunteer_id": event.to_volunteer_id,
        "title": event.title, "starts_at": event.starts_at, "ends_at": event.ends_at,
        "accepted_by": None})]


@evolve.on(HandoverAccepted)
def _accepted(event: HandoverAccepted) -> list[RowChange]:
    return [Update(OFFERS, {"handover_id": event.handover_id},
                   {"accepted_by": event.to_volunteer_id})]


HANDOVERS = RowProjection(
    name=NAME,
    tables={
        OFFERS: """handover_id uuid PRIMARY KEY, shift_id uuid NOT NULL, site_id uuid NOT NULL,
                   from_volunteer_id uuid NOT NULL, to_volunteer_id uuid, title text NOT NULL,
                   starts_at timestamptz NOT NULL, ends_at timestamptz NOT NULL,
                   accepted_by uuid""",
    },
    indexes=(f"CREATE INDEX ON {{{OFFERS}}} (shift_id)",
             f"CREATE INDEX ON {{{OFFERS}}} (starts_at)"),
    schema=SCHEMA,
    evolve=evolve,
)


async def open_offers(connection: asyncpg.Connection, *, since: datetime,
                      shift_ids: list[UUID] | None = None, to: UUID | None = None,
                      site_ids: list[UUID] | None = None) -> list[dict[str, Any]]:
    """Offers not yet accepted of shifts starting after ``since``: of ``shift_ids``, or those
    offered to ``to`` by name or to one of ``site_ids``; in time order. Whether the holder
    still holds the place is the shift's (the page asks it)."""
    rows = await connection.fetch(
        f"""SELECT handover_id AS id, shift_id, site_id, from_volunteer_id, to_volunteer_id,
                   title, starts_at, ends_at
              FROM {OFFERS}
             WHERE accepted_by IS NULL AND starts_at > $1
               AND ($2::uuid[] IS NULL OR shift_id = ANY($2))
               AND ($3::uuid IS NULL OR to_volunteer_id = $3
                    OR (to_volunteer_id IS NULL AND site_id = ANY($4::uuid[])))
             ORDER BY starts_at, handover_id""",
        since, shift_ids, to, site_ids or [])
    return [dict(row) for row in rows]
