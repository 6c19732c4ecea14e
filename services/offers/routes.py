"""Offers, sessions and attendance (API.md): write routes."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from events.offers import SessionScheduled
from events.shifts import ShiftCreated
from services.auth.guards import ADMIN, COORDINATOR, for_site, from_body, requires_roles
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
from services.commands.text import LINES, Code, Description, Reason
from services.offers.decider import (
    OFFERS,
    PUBLIC_DESCRIPTION_LENGTH,
    ChangeOffer,
    CreateOffer,
    RecordAttendance,
    ScheduleSession,
    SetOfferPublication,
)
from services.offers.staffing import STAFFING, PlanOfferShifts
from services.offers.state import OFFER, SESSION
from services.platform.problems import WRITE_PROBLEMS
from services.rooms.routes import Booked, NewRecurrence

Count = Annotated[int, msgspec.Meta(ge=0, le=1_000_000)]
PublicDescription = Annotated[str, msgspec.Meta(max_length=PUBLIC_DESCRIPTION_LENGTH,
                                                pattern=LINES)]


class NewOffer(msgspec.Struct, forbid_unknown_fields=True):
    site_id: UUID
    title: Title
    category: str
    description: Description | None = None
    public: bool = True
    """Listed in the public programme (``GET /api/programme``)."""
    public_description: PublicDescription | None = None


class OfferDetails(msgspec.Struct, forbid_unknown_fields=True):
    title: Title
    category: str
    description: Description | None = None
    """Left out or null: the offer has no description from now on."""


class Publication(msgspec.Struct, forbid_unknown_fields=True):
    public: bool
    public_description: PublicDescription | None = None


class NewSession(msgspec.Struct, forbid_unknown_fields=True):
    room_id: UUID
    starts_at: Aware
    ends_at: Aware
    recurrence: NewRecurrence | None = None


class NewAttendance(msgspec.Struct, forbid_unknown_fields=True):
    occurrence_starts_at: Aware
    visitors: Count
    breakdown: dict[Code, Count] | None = None
    reason: Reason | None = None


class NewShiftPlan(msgspec.Struct, forbid_unknown_fields=True):
    title: Title
    starts_at_time: Annotated[str, msgspec.Meta(pattern=r"\A([01]\d|2[0-3]):[0-5]\d\Z")]
    """``HH:MM``, Berlin wall clock on each session's date."""
    ends_at_time: Annotated[str, msgspec.Meta(pattern=r"\A([01]\d|2[0-3]):[0-5]\d\Z")]
    capacity: Annotated[int, msgspec.Meta(ge=1, le=10_000)]
    required_qualifications: Annotated[list[Code], msgspec.Meta(max_length=50)] = []


class ShiftsPlanned(msgspec.Struct):
    id: UUID
    shift_ids: list[UUID]
    position: int


class OffersController(Controller):
    path = "/api"
    tags = ["offers"]
    guards = [requires_roles(ADMIN, COORDINATOR)]

    @post("/offers", guards=[for_site(from_body("site_id"))], summary="Create an offer",
          responses=WRITE_PROBLEMS)
    async def create(
        self, data: JSONBody[NewOffer], commands: NamedDependency[CommandHandler],
        request: Request[Principal, Any, Any],
    ) -> Created:
        metadata = metadata_for(request)
        offer_id = entity_id(metadata, "offer")
        result = await commands.handle(OFFERS, CreateOffer(
            offer_id=offer_id, site_id=data.site_id, title=data.title, category=data.category,
            description=data.description, public=data.public,
            public_description=data.public_description, now=now(),
        ), metadata)
        return Created(id=offer_id, position=result.position)

    @put("/offers/{offer_id:uuid}", guards=[for_site(site_of(OFFER, "offer_id"))],
         summary="Change the offer's title, category and description",
         responses=WRITE_PROBLEMS)
    async def change(
        self, offer_id: FromPath[UUID], data: JSONBody[OfferDetails],
        commands: NamedDependency[CommandHandler], request: Request[Principal, Any, Any],
    ) -> Positioned:
        result = await commands.handle(OFFERS, ChangeOffer(
            offer_id=offer_id, title=data.title, category=data.category,
            description=data.description, now=now()), metadata_for(request))
        return Positioned(position=result.position)

    @put("/offers/{offer_id:uuid}/publication", guards=[for_site(site_of(OFFER, "offer_id"))],
         summary="Whether the offer is in the public programme, and its public description",
         responses=WRITE_PROBLEMS)
    async def publication(
        self, offer_id: FromPath[UUID], data: JSONBody[Publication],
        commands: NamedDependency[CommandHandler], request: Request[Principal, Any, Any],
    ) -> Positioned:
        result = await commands.handle(OFFERS, SetOfferPublication(
            offer_id=offer_id, public=data.public, public_description=data.public_description,
            now=now()), metadata_for(request))
        return Positioned(position=result.position)

    @post(
        "/offers/{offer_id:uuid}/sessions",
        guards=[for_site(site_of(OFFER, "offer_id"))],
        summary="Book the room and schedule the session(s) in one step",
        responses=WRITE_PROBLEMS,
    )
    async def schedule(
        self, offer_id: FromPath[UUID], data: JSONBody[NewSession],
        commands: NamedDependency[CommandHandler], request: Request[Principal, Any, Any],
    ) -> Booked:
        metadata = metadata_for(request)
        result = await commands.handle(OFFERS, ScheduleSession(
            session_id=entity_id(metadata, "session"), booking_id=entity_id(metadata, "booking"),
            offer_id=offer_id, room_id=data.room_id, starts_at=data.starts_at,
            ends_at=data.ends_at,
            recurrence=data.recurrence.recurrence() if data.recurrence else None, now=now(),
        ), metadata)
        scheduled = first_of(result, SessionScheduled)
        return Booked(id=scheduled.session_id, occurrences=scheduled.occurrences,
                      position=result.position)

    @post(
        "/sessions/{session_id:uuid}/attendance",
        guards=[for_site(site_of(SESSION, "session_id"))],
        summary="Record (or correct, with a reason) the visitors of one held occurrence",
        responses=WRITE_PROBLEMS,
    )
    async def attendance(
        self, session_id: FromPath[UUID], data: JSONBody[NewAttendance],
        commands: NamedDependency[CommandHandler], request: Request[Principal, Any, Any],
    ) -> Positioned:
        result = await commands.handle(OFFERS, RecordAttendance(
            session_id=session_id, occurrence_starts_at=data.occurrence_starts_at,
            visitors=data.visitors, breakdown=data.breakdown, reason=data.reason, now=now(),
        ), metadata_for(request))
        return Positioned(position=result.position)

    @post(
        "/offers/{offer_id:uuid}/shift-plans",
        guards=[for_site(site_of(OFFER, "offer_id"))],
        summary="Every session of the offer needs a shift at these times: created for each "
                "occurrence ahead, and for sessions scheduled later",
        responses=WRITE_PROBLEMS,
    )
    async def plan_shifts(
        self, offer_id: FromPath[UUID], data: JSONBody[NewShiftPlan],
        commands: NamedDependency[CommandHandler], request: Request[Principal, Any, Any],
    ) -> ShiftsPlanned:
        metadata = metadata_for(request)
        plan_id = entity_id(metadata, "shift-plan")
        result = await commands.handle(STAFFING, PlanOfferShifts(
            offer_id=offer_id, plan_id=plan_id, title=data.title,
            starts_at_time=data.starts_at_time, ends_at_time=data.ends_at_time,
            capacity=data.capacity, required_qualifications=data.required_qualifications,
            now=now(),
        ), metadata)
        return ShiftsPlanned(id=plan_id, position=result.position, shift_ids=[
            event.shift_id for event in result.events if isinstance(event, ShiftCreated)])
