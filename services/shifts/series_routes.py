"""Shift series (API.md, "Second wave"): ``POST /api/shift-series``."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, post
from litestar.di import NamedDependency
from litestar.params import JSONBody

from events.shifts import ShiftSeriesCreated
from services.auth.guards import ADMIN, COORDINATOR, for_site, from_body, requires_roles
from services.auth.tokens import Principal
from services.commands.handler import CommandHandler, entity_id
from services.commands.http import Aware, Title, first_of, metadata_for, now
from services.commands.text import Code
from services.platform.problems import WRITE_PROBLEMS
from services.rooms.routes import NewBookingRecurrence
from services.shifts.series import SHIFT_SERIES_DECIDER, CreateShiftSeries


class NewShiftSeries(msgspec.Struct, forbid_unknown_fields=True):
    site_id: UUID
    title: Title
    starts_at: Aware
    ends_at: Aware
    capacity: Annotated[int, msgspec.Meta(ge=1, le=10_000)]
    recurrence: NewBookingRecurrence
    required_qualifications: Annotated[list[Code], msgspec.Meta(max_length=50)] = []


class SeriesCreated(msgspec.Struct):
    id: UUID
    shift_ids: list[UUID]
    position: int


class ShiftSeriesController(Controller):
    path = "/api/shift-series"
    tags = ["shifts"]

    @post("/", guards=[requires_roles(ADMIN, COORDINATOR), for_site(from_body("site_id"))],
          summary="One shift per occurrence of a rule (with exdates), in one atomic step",
          responses=WRITE_PROBLEMS)
    async def create(
        self, data: JSONBody[NewShiftSeries], commands: NamedDependency[CommandHandler],
        request: Request[Principal, Any, Any],
    ) -> SeriesCreated:
        metadata = metadata_for(request)
        result = await commands.handle(SHIFT_SERIES_DECIDER, CreateShiftSeries(
            series_id=entity_id(metadata, "shift-series"), site_id=data.site_id,
            title=data.title, starts_at=data.starts_at, ends_at=data.ends_at,
            capacity=data.capacity, required_qualifications=data.required_qualifications,
            recurrence=data.recurrence.recurrence(), exdates=data.recurrence.exdates, now=now(),
        ), metadata)
        series = first_of(result, ShiftSeriesCreated)
        return SeriesCreated(id=series.series_id, shift_ids=series.shift_ids,
                             position=result.position)
