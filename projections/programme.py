"""The public programme: per site, the dates of its public offers, for anyone without sign-in.

It holds nothing personal by construction: sites (name, village, address, contact line), rooms
(name), offers (title, category, public description, whether public) and each date of a
session (times, room, cancelled, and the cancellation's reason only when the coordinator
marked it public; any other reason never enters these tables). No volunteer, no visitor count,
no staff description. An offer made non-public keeps its rows; the queries leave it out.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

from events.offers import (
    OfferCreated,
    OfferDetailsChanged,
    OfferPublicationChanged,
    SessionOccurrencesCancelled,
    SessionScheduled,
)
from events.rooms import RoomAdded
from events.sites import SiteAdded, SiteContactChanged
from projections.row_changes import Evolve, RowChange, RowProjection, Schema, Update, Upsert

SITES, ROOMS, OFFERS, DATES = (
    "programme_sites", "programme_rooms", "programme_offers", "programme_dates")
SCHEMA = Schema(
    keys={SITES: ("site_id",), ROOMS: ("room_id",), OFFERS: ("offer_id",),
          DATES: ("session_id", "starts_at")},
    defaults={DATES: {"cancelled": False, "reason": None}},
)

evolve = Evolve()


@evolve.on(SiteAdded)
def _site(event: SiteAdded) -> list[RowChange]:
    return [Upsert(SITES, {"site_id": event.site_id}, {
        "name": event.name, "village": event.village, "address": event.address,
        "contact": event.contact})]


@evolve.on(SiteContactChanged)
def _contact(event: SiteContactChanged) -> list[RowChange]:
    return [Update(SITES, {"site_id": event.site_id},
                   {"address": event.address, "contact": event.contact})]


@evolve.on(RoomAdded)
def _room(event: RoomAdded) -> list[RowChange]:
    return [Upsert(ROOMS, {"room_id": event.room_id},
                   {"site_id": event.site_id, "name": event.name})]


@evolve.on(OfferCreated)
def _offer(event: OfferCreated) -> list[RowChange]:
    return [Upsert(OFFERS, {"offer_id": event.offer_id}, {
        "site_id": event.site_id, "title": event.title, "category": event.category,
        "public": event.public, "description": event.public_description})]


@evolve.on(OfferPublicationChanged)
def _publication(event: OfferPublicationChanged) -> list[RowChange]:
    return [Update(OFFERS, {"offer_id": event.offer_id},
                   {"public": event.public, "description": event.public_description})]


@evolve.on(OfferDetailsChanged)
def _details(event: OfferDetailsChanged) -> list[RowChange]:
    # The staff's description stays out: the public one is the publication's.
    return [Update(OFFERS, {"offer_id": event.offer_id},
                   {"title": event.title, "category": event.category})]


@evolve.on(SessionScheduled)
def _scheduled(event: SessionScheduled) -> list[RowChange]:
    return [
        Upsert(DATES, {"session_id": event.session_id, "starts_at": o.starts_at}, {
            "ends_at": o.ends_at, "offer_id": event.offer_id, "site_id": event.site_id,
            "room_id": event.room_id})
        for o in event.occurrences
    ]


@evolve.on(SessionOccurrencesCancelled)
def _cancelled(event: SessionOccurrencesCancelled) -> list[RowChange]:
    reason = event.reason if event.reason_public else None
    return [Update(DATES, {"session_id": event.session_id, "starts_at": starts_at},
                   {"cancelled": True, "reason": reason})
            for starts_at in event.occurrence_starts_at]


PROGRAMME = RowProjection(
    name="programme",
    tables={
        SITES: """site_id uuid PRIMARY KEY, name text NOT NULL, village text NOT NULL,
                  address text, contact text""",
        ROOMS: "room_id uuid PRIMARY KEY, site_id uuid NOT NULL, name text NOT NULL",
        OFFERS: """offer_id uuid PRIMARY KEY, site_id uuid NOT NULL, title text NOT NULL,
                   category text NOT NULL, public boolean NOT NULL, description text""",
        DATES: """session_id uuid NOT NULL, starts_at timestamptz NOT NULL,
                  ends_at timestamptz NOT NULL, offer_id uuid NOT NULL, site_id uuid NOT NULL,
                  room_id uuid NOT NULL, cancelled boolean NOT NULL, reason text,
                  PRIMARY KEY (session_id, starts_at)""",
    },
    indexes=("CREATE INDEX ON {programme_dates} (site_id, starts_at)",
             "CREATE INDEX ON {programme_dates} (starts_at)"),
    schema=SCHEMA,
    evolve=evolve,
)


# Queries (on the live generation's views) ---------------------------------------------------


async def sites(connection: asyncpg.Connection) -> list[dict[str, Any]]:
    rows = await connection.fetch(
        """SELECT site_id AS id, name, village, address, contact FROM programme_sites
            ORDER BY village, name, site_id""")
    return [dict(row) for row in rows]


async def dates(
    connection: asyncpg.Connection, site_id: UUID | None, start: datetime, end: datetime,
) -> list[dict[str, Any]]:
    """The dates of public offers starting in ``[start, end)``, of one site or all, in order."""
    rows = await connection.fetch(
        """SELECT d.session_id, d.starts_at, d.ends_at, d.cancelled, d.reason,
                  d.site_id, d.offer_id, o.title, o.category, o.description,
                  d.room_id, r.name AS room, s.name AS site, s.village
             FROM programme_dates AS d
             JOIN programme_offers AS o ON o.offer_id = d.offer_id
             LEFT JOIN programme_rooms AS r ON r.room_id = d.room_id
             LEFT JOIN programme_sites AS s ON s.site_id = d.site_id
            WHERE o.public AND ($1::uuid IS NULL OR d.site_id = $1)
              AND d.starts_at >= $2 AND d.starts_at < $3
            ORDER BY d.starts_at, o.title, d.session_id""",
        site_id, start, end)
    return [dict(row) for row in rows]


async def publication(connection: asyncpg.Connection, site_id: UUID
                      ) -> tuple[dict[str, Any] | None, dict[UUID, dict[str, Any]]]:
    """What the public sees of one site, for its coordinator's pages: its address and contact
    line, and per offer (public or not) whether it is listed and its public description."""
    site = await connection.fetchrow(
        "SELECT address, contact FROM programme_sites WHERE site_id = $1", site_id)
    rows = await connection.fetch(
        "SELECT offer_id, public, description FROM programme_offers WHERE site_id = $1", site_id)
    return (dict(site) if site else None,
            {row["offer_id"]: {"public": row["public"], "public_description": row["description"]}
             for row in rows})
