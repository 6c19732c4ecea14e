"""Rooms and bookings (API.md, "Sites and rooms"): write routes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, delete, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from events.rooms import Occurrence, Recurrence, RoomBooked
from services.auth.guards import ADMIN, COORDINATOR, for_site, from_path, requires_roles
from services.auth.tokens import Principal
from services.commands.handler import CommandHandler, entity_id
from services.commands.http import (
    Aware,
    Created,
    Positioned,
    Title,
    first_of,
    metadata_for,
    now,
    site_of,
)
from services.commands.text import LINES
from services.platform.problems import WRITE_PROBLEMS
from services.reads.routes import aware
from services.rooms.recurrence import MAX_OCCURRENCES
from services.rooms.decider import ROOMS, AddRoom, BookRoom, CancelBooking
from services.rooms.state import ROOM

STAFF_ONLY = requires_roles(ADMIN, COORDINATOR)


class NewRoom(msgspec.Struct, forbid_unknown_fields=True):
    name: Title
    capacity: Annotated[int, msgspec.Meta(ge=1, le=100_000)]


class NewRecurrence(msgspec.Struct, forbid_unknown_fields=True):
    rrule: Annotated[str, msgspec.Meta(min_length=1, max_length=500)]
    until: Aware | None = None
    count: Annotated[int, msgspec.Meta(ge=1)] | None = None

    def recurrence(self) -> Recurrence:
        return Recurrence(rrule=self.rrule, until=self.until, count=self.count)


class NewBookingRecurrence(NewRecurrence, forbid_unknown_fields=True):
    exdates: Annotated[list[Aware], msgspec.Meta(
        max_length=MAX_OCCURRENCES,
        description="Starts of occurrences of the rule to leave out (each must be one)")] = []


CancelReason = Annotated[str | None, QueryParameter(
    max_length=1000, description="Why (passed on to the volunteers of linked shifts)")]


class NewBooking(msgspec.Struct, forbid_unknown_fields=True):
    title: Title
    starts_at: Aware
    ends_at: Aware
    recurrence: NewBookingRecurrence | None = None
    free_dates_only: Annotated[bool, msgspec.Meta(description=(
        "Book only the occurrences the room is free at, leaving the taken ones out (they are "
        "answered as exdates); 409 room_taken only if none is free. Without it a series "
        "with any conflict is refused whole, its 409 listing the conflicts and, in taken, "
        "the starts to send as recurrence.exdates"))] = False


class Booked(msgspec.Struct):
    id: UUID
    occurrences: list[Occurrence]
    position: int
    exdates: list[datetime] = []
    """The series' occurrences left out (asked for, or taken with ``free_dates_only``)."""


class RoomsController(Controller):
    path = "/api"
    tags = ["rooms"]
    guards = [STAFF_ONLY]

    @post(
        "/sites/{site_id:uuid}/rooms",
        guards=[for_site(from_path("site_id"))],
        summary="Add a room to a site",
        responses=WRITE_PROBLEMS,
    )
    async def add_room(
        self, site_id: FromPath[UUID], data: JSONBody[NewRoom],
        commands: NamedDependency[CommandHandler], request: Request[Principal, Any, Any],
    ) -> Created:
        metadata = metadata_for(request)
        room_id = entity_id(metadata, "room")
        result = await commands.handle(ROOMS, AddRoom(
            room_id=room_id, site_id=site_id, name=data.name, capacity=data.capacity, now=now(),
        ), metadata)
        return Created(id=room_id, position=result.position)

    @post(
        "/rooms/{room_id:uuid}/bookings",
        guards=[for_site(site_of(ROOM, "room_id"))],
        summary="Book a room, once or as a series (with exdates, or its free dates only); "
                "409 with the conflicts when it is taken",
        responses=WRITE_PROBLEMS,
    )
    async def book(
        self, room_id: FromPath[UUID], data: JSONBody[NewBooking],
        commands: NamedDependency[CommandHandler], request: Request[Principal, Any, Any],
    ) -> Booked:
        metadata = metadata_for(request)
        result = await commands.handle(ROOMS, BookRoom(
            room_id=room_id, booking_id=entity_id(metadata, "booking"), title=data.title,
            starts_at=data.starts_at, ends_at=data.ends_at,
            recurrence=data.recurrence.recurrence() if data.recurrence else None,
            exdates=data.recurrence.exdates if data.recurrence else [],
            free_dates_only=data.free_dates_only, now=now(),
        ), metadata)
        booked = first_of(result, RoomBooked)
        return Booked(id=booked.booking_id, occurrences=booked.occurrences,
                      position=result.position, exdates=booked.exdates)

    @delete(
        "/rooms/{room_id:uuid}/bookings/{booking_id:uuid}",
        guards=[for_site(site_of(ROOM, "room_id"))],
        status_code=200,
        summary="Cancel a booking's coming occurrences, or the one at ?occurrence=; "
                "?reason= (shown in the public programme with &reason_public=true)",
        responses=WRITE_PROBLEMS,
    )
    async def cancel(
        self, room_id: FromPath[UUID], booking_id: FromPath[UUID],
        commands: NamedDependency[CommandHandler], request: Request[Principal, Any, Any],
        occurrence: FromQuery[str | None] = None, reason: CancelReason = None,
        reason_public: FromQuery[bool] = False,
    ) -> Positioned:
        result = await commands.handle(ROOMS, CancelBooking(
            room_id=room_id, booking_id=booking_id,
            occurrence_starts_at=aware("occurrence", occurrence), reason=reason,
            reason_public=reason_public, now=now(),
        ), metadata_for(request))
        return Positioned(position=result.position)
