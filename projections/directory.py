"""The directory: sites, their rooms and their offers, as every signed-in role sees them."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import asyncpg

from events.offers import OfferCreated, OfferDetailsChanged
from events.rooms import RoomAdded
from events.sites import SiteAdded
from projections.row_changes import Evolve, RowChange, RowProjection, Schema, Update, Upsert


SITES, ROOMS, OFFERS = "directory_sites", "directory_rooms", "directory_offers"
SCHEMA = Schema(keys={SITES: ("site_id",), ROOMS: ("room_id",), OFFERS: ("offer_id",)},
                defaults={})


evolve = Evolve()


@evolve.on(SiteAdded)
def _site(event: SiteAdded) -> list[RowChange]:
    return [Upsert(SITES, {"site_id": event.site_id},
                   {"name": event.name, "village": event.village})]


@evolve.on(RoomAdded)
def _room(event: RoomAdded) -> list[RowChange]:
    return [Upsert(ROOMS, {"room_id": event.room_id}, {
        "site_id": event.site_id, "name": event.name, "capacity": event.capacity})]


@evolve.on(OfferCreated)
def _offer(event: OfferCreated) -> list[RowChange]:
    return [Upsert(OFFERS, {"offer_id": event.offer_id}, {
        "site_id": event.site_id, "title": event.title, "category": event.category,
        "description": event.description})]


@evolve.on(OfferDetailsChanged)
def _offer_changed(event: OfferDetailsChanged) -> list[RowChange]:
    return [Update(OFFERS, {"offer_id": event.offer_id}, {
        "title": event.title, "category": event.category, "description": event.description})]


DIRECTORY = RowProjection(
    name="directory",
    tables={
        "directory_sites": "site_id uuid PRIMARY KEY, name text NOT NULL, village text NOT NULL",
        "directory_rooms": """room_id uuid PRIMARY KEY, site_id uuid NOT NULL, name text NOT NULL,
                              capacity integer NOT NULL""",
        "directory_offers": """offer_id uuid PRIMARY KEY, site_id uuid NOT NULL,
                               title text NOT NULL, category text NOT NULL, description text""",
    },
    indexes=(
        "CREATE INDEX ON {directory_rooms} (site_id)",
        "CREATE INDEX ON {directory_offers} (site_id)",
    ),
    schema=SCHEMA,
    evolve=evolve,
)


# Queries (on the live generation's views) ---------------------------------------------------


async def sites(connection: asyncpg.Connection) -> list[dict[str, Any]]:
    rows = await connection.fetch(
        "SELECT site_id AS id, name, village FROM directory_sites ORDER BY name, site_id"
    )
    return [dict(row) for row in rows]


async def rooms(connection: asyncpg.Connection, site_id: UUID | None) -> list[dict[str, Any]]:
    rows = await connection.fetch(
        """SELECT room_id AS id, site_id, name, capacity FROM directory_rooms
            WHERE $1::uuid IS NULL OR site_id = $1 ORDER BY name, room_id""",
        site_id,
    )
    return [dict(row) for row in rows]


async def offers(connection: asyncpg.Connection, site_id: UUID | None) -> list[dict[str, Any]]:
    rows = await connection.fetch(
        """SELECT offer_id AS id, site_id, title, category, description FROM directory_offers
            WHERE $1::uuid IS NULL OR site_id = $1 ORDER BY title, offer_id""",
        site_id,
    )
    return [dict(row) for row in rows]
