"""Trainings (API.md, "Trainings"): write routes."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, delete, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from services.auth.guards import (
    ADMIN,
    COORDINATOR,
    for_site,
    from_body,
    from_path,
    requires_roles,
    volunteer_itself_or,
)
from services.auth.tokens import Principal
from services.commands.handler import CommandHandler, entity_id
from services.commands.http import (
    Aware,
    Created,
    Positioned,
    Title,
    metadata_for,
    now,
    site_of,
)
from services.commands.text import Code
from services.platform.problems import WRITE_PROBLEMS
from services.shifts.routes import NewClaim, volunteer_of
from services.trainings.decider import (
    TRAININGS,
    CancelEnrollment,
    CompleteTraining,
    EnrollInTraining,
    PlanTraining,
)
from services.trainings.state import TRAINING

STAFF_OF_TRAINING = for_site(site_of(TRAINING, "training_id"))


class NewTraining(msgspec.Struct, forbid_unknown_fields=True):
    site_id: UUID
    room_id: UUID
    title: Title
    qualification: Code
    valid_for_months: Annotated[int, msgspec.Meta(ge=1, le=240)]
    starts_at: Aware
    ends_at: Aware
    capacity: Annotated[int, msgspec.Meta(ge=1, le=10_000)]


class Completion(msgspec.Struct, forbid_unknown_fields=True):
    attended: Annotated[list[UUID], msgspec.Meta(max_length=10_000)]


class TrainingsController(Controller):
    path = "/api/trainings"
    tags = ["trainings"]

    @post(
        "/",
        guards=[requires_roles(ADMIN, COORDINATOR), for_site(from_body("site_id"))],
        summary="Book the room and plan a training in one step",
        responses=WRITE_PROBLEMS,
    )
    async def plan(
        self, data: JSONBody[NewTraining], commands: NamedDependency[CommandHandler],
        request: Request[Principal, Any, Any],
    ) -> Created:
        metadata = metadata_for(request)
        training_id = entity_id(metadata, "training")
        result = await commands.handle(TRAININGS, PlanTraining(
            training_id=training_id, booking_id=entity_id(metadata, "booking"),
            site_id=data.site_id, room_id=data.room_id, title=data.title,
            qualification=data.qualification, valid_for_months=data.valid_for_months,
            starts_at=data.starts_at, ends_at=data.ends_at, capacity=data.capacity, now=now(),
        ), metadata)
        return Created(id=training_id, position=result.position)

    @post(
        "/{training_id:uuid}/enrollments",
        guards=[volunteer_itself_or(from_body("volunteer_id", default_to_self=True),
                                    STAFF_OF_TRAINING)],
        summary="Enroll a volunteer (409 when full)",
        responses=WRITE_PROBLEMS,
    )
    async def enroll(
        self, training_id: FromPath[UUID], commands: NamedDependency[CommandHandler],
        request: Request[Principal, Any, Any], data: JSONBody[NewClaim | None] = None,
    ) -> Positioned:
        result = await commands.handle(TRAININGS, EnrollInTraining(
            training_id=training_id,
            volunteer_id=volunteer_of(request, data.volunteer_id if data is not None else None),
            now=now(),
        ), metadata_for(request))
        return Positioned(position=result.position)

    @delete(
        "/{training_id:uuid}/enrollments/{volunteer_id:uuid}",
        guards=[volunteer_itself_or(from_path("volunteer_id"), STAFF_OF_TRAINING)],
        status_code=200,
        summary="Cancel an enrollment",
        responses=WRITE_PROBLEMS,
    )
    async def cancel(
        self, training_id: FromPath[UUID], volunteer_id: FromPath[UUID],
        commands: NamedDependency[CommandHandler], request: Request[Principal, Any, Any],
    ) -> Positioned:
        result = await commands.handle(TRAININGS, CancelEnrollment(
            training_id=training_id, volunteer_id=volunteer_id, now=now(),
        ), metadata_for(request))
        return Positioned(position=result.position)

    @post(
        "/{training_id:uuid}/completion",
        guards=[requires_roles(ADMIN, COORDINATOR), STAFF_OF_TRAINING],
        summary="Complete a training: grant its qualification to each attendee",
        responses=WRITE_PROBLEMS,
    )
    async def complete(
        self, training_id: FromPath[UUID], data: JSONBody[Completion],
        commands: NamedDependency[CommandHandler], request: Request[Principal, Any, Any],
    ) -> Positioned:
        result = await commands.handle(TRAININGS, CompleteTraining(
            training_id=training_id, attended=data.attended, now=now(),
        ), metadata_for(request))
        return Positioned(position=result.position)
