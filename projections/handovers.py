"""Handovers: the places volunteers offer to a colleague or to their site, who took them, and
which offers are still open.

An offer is open until it is accepted or withdrawn, and while its holder still holds the claim
it offered: ``handover_holds`` follows each volunteer's claims of each shift (how many, and
whether one is held now) from the shifts' own events, so a place released, handed over another
way or cancelled with its shift closes its offers, and claiming it again does not reopen them.
Only ids, the shift's title and times are kept, never a name.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

from events.handovers import HandoverAccepted, HandoverOffered, HandoverWithdrawn
from events.shifts import ShiftClaimed, VolunteerShiftReleased
from projections.row_changes import (
    Evolve,
    Increment,
    RowChange,
    RowProjection,
    Schema,
    Update,
    Upsert,
)

NAME = "handovers"
OFFERS = "handover_offers"
HOLDS = "handover_holds"
SCHEMA = Schema(keys={OFFERS: ("handover_id",), HOLDS: ("shift_id", "volunteer_id")},
                defaults={HOLDS: {"claims": 0, "holding": False}})

evolve = Evolve()


@evolve.on(HandoverOffered)
def _offered(event: HandoverOffered) -> list[RowChange]:
    return [Upsert(OFFERS, {"handover_id": event.handover_id}, {
        "shift_id": event.shift_id, "site_id": event.site_id,
        "from_volunteer_id": event.from_volunteer_id, "to_volunteer_id": event.to_volunteer_id,
        "title": event.title, "starts_at": event.starts_at, "ends_at": event.ends_at,
        "accepted_by": None, "claim": event.claim, "withdrawn": False})]


@evolve.on(HandoverAccepted)
def _accepted(event: HandoverAccepted) -> list[RowChange]:
    return [Update(OFFERS, {"handover_id": event.handover_id},
                   {"accepted_by": event.to_volunteer_id})]


@evolve.on(HandoverWithdrawn)
def _withdrawn(event: HandoverWithdrawn) -> list[RowChange]:
    return [Update(OFFERS, {"handover_id": event.handover_id}, {"withdrawn": True})]


@evolve.on(ShiftClaimed)
def _claimed(event: ShiftClaimed) -> list[RowChange]:
    hold = {"shift_id": event.shift_id, "volunteer_id": event.volunteer_id}
    return [Upsert(HOLDS, hold, {"holding": True}), Increment(HOLDS, hold, {"claims": 1})]


@evolve.on(VolunteerShiftReleased)
def _released(event: VolunteerShiftReleased) -> list[RowChange]:
    """A claim ends: released, handed over, or its shift cancelled."""
    return [Update(HOLDS, {"shift_id": event.shift_id, "volunteer_id": event.volunteer_id},
                   {"holding": False})]


HANDOVERS = RowProjection(
    name=NAME,
    tables={
        OFFERS: """handover_id uuid PRIMARY KEY, shift_id uuid NOT NULL, site_id uuid NOT NULL,
                   from_volunteer_id uuid NOT NULL, to_volunteer_id uuid, title text NOT NULL,
                   starts_at timestamptz NOT NULL, ends_at timestamptz NOT NULL,
                   accepted_by uuid, claim integer, withdrawn boolean NOT NULL DEFAULT false""",
        HOLDS: """shift_id uuid NOT NULL, volunteer_id uuid NOT NULL,
                  claims integer NOT NULL, holding boolean NOT NULL,
                  PRIMARY KEY (shift_id, volunteer_id)""",
    },
    indexes=(f"CREATE INDEX ON {{{OFFERS}}} (shift_id)",
             f"CREATE INDEX ON {{{OFFERS}}} (starts_at)"),
    schema=SCHEMA,
    evolve=evolve,
)


async def open_offers(connection: asyncpg.Connection, *, since: datetime,
                      shift_ids: list[UUID] | None = None, to: UUID | None = None,
                      site_ids: list[UUID] | None = None,
                      by: UUID | None = None) -> list[dict[str, Any]]:
    """Open offers (not accepted, not withdrawn, their holder still holding the claim offered)
    of shifts starting after ``since``: of ``shift_ids``, or those offered to ``to`` by name or
    to one of ``site_ids``, or made ``by`` a volunteer; in time order."""
    rows = await connection.fetch(
        f"""SELECT o.handover_id AS id, o.shift_id, o.site_id, o.from_volunteer_id,
                   o.to_volunteer_id, o.title, o.starts_at, o.ends_at
              FROM {OFFERS} o
              JOIN {HOLDS} h ON h.shift_id = o.shift_id AND h.volunteer_id = o.from_volunteer_id
             WHERE o.accepted_by IS NULL AND NOT o.withdrawn AND h.holding
               AND (o.claim IS NULL OR o.claim = h.claims) AND o.starts_at > $1
               AND ($2::uuid[] IS NULL OR o.shift_id = ANY($2))
               AND ($3::uuid IS NULL OR o.to_volunteer_id = $3
                    OR (o.to_volunteer_id IS NULL AND o.site_id = ANY($4::uuid[])))
               AND ($5::uuid IS NULL OR o.from_volunteer_id = $5)
             ORDER BY o.starts_at, o.handover_id""",
        since, shift_ids, to, site_ids or [], by)
    return [dict(row) for row in rows]
