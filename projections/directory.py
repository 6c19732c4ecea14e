"""The directory: sites, their rooms and their offers, as every signed-in role sees them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from uuid import UUID

import asyncpg

from events.base import Event, RecordedEvent
from events.offers import OfferCreated
from events.rooms import RoomAdded
from events.sites import SiteAdded
from projections.row_changes import RowChange, apply_changes


class SiteListed(RowChange, frozen=True, kw_only=True):
    sql = "INSERT INTO {directory_sites} VALUES ($1, $2, $3) ON CONFLICT DO NOTHING"
    site_id: UUID
    name: str
    village: str


class RoomListed(RowChange, frozen=True, kw_only=True):
    sql = "INSERT INTO {directory_rooms} VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING"
    room_id: UUID
    site_id: UUID
    name: str
    capacity: int


class OfferListed(RowChange, frozen=True, kw_only=True):
    sql = "INSERT INTO {directory_offers} VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING"
    offer_id: UUID
    site_id: UUID
    title: str
    category: str
    description: str | None


def evolve(event: Event) -> list[RowChange]:
    match event:
        case SiteAdded():
            return [SiteListed(site_id=event.site_id, name=event.name, village=event.village)]
        case RoomAdded():
            return [RoomListed(room_id=event.room_id, site_id=event.site_id, name=event.name,
                               capacity=event.capacity)]
        case OfferCreated():
            return [OfferListed(offer_id=event.offer_id, site_id=event.site_id,
                                title=event.title, category=event.category,
                                description=event.description)]
    return []


class Directory:
    name = "directory"
    tables = {
        "directory_sites": "site_id uuid PRIMARY KEY, name text NOT NULL, village text NOT NULL",
        "directory_rooms": """room_id uuid PRIMARY KEY, site_id uuid NOT NULL, name text NOT NULL,
                              capacity integer NOT NULL""",
        "directory_offers": """offer_id uuid PRIMARY KEY, site_id uuid NOT NULL,
                               title text NOT NULL, category text NOT NULL, description text""",
    }
    indexes: Sequence[str] = (
        "CREATE INDEX ON {directory_rooms} (site_id)",
        "CREATE INDEX ON {directory_offers} (site_id)",
    )

    async def apply(
        self, connection: asyncpg.Connection, tables: Mapping[str, str],
        events: Sequence[RecordedEvent],
    ) -> None:
        await apply_changes(connection, tables, (c for e in events for c in evolve(e.event)))


DIRECTORY = Directory()


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
