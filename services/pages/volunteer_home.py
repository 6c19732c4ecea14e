"""The volunteer's start page: greeted by name, my next shifts, what my Dorftreff still needs
in the coming days (shifts I can take first, the others saying why not), and my qualifications,
one expiring soon shown in a warning colour with its date."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
from litestar import Controller, Request, get
from litestar.di import NamedDependency
from litestar.response import Template

from events.store import EventStore
from projections import directory, shift_board, training_records, volunteer_schedule
from services.auth.guards import VOLUNTEER, requires_roles
from services.auth.tokens import Principal
from services.commands.handler import CommandHandler
from services.pages.i18n import language_of
from services.pages.local_time import day_label, local, time_span
from services.pages.rendering import page
from services.pages.volunteer import (
    Reads,
    catalogue_names,
    qualification_names,
    qualification_rows,
    volunteer_id_of,
    with_a_volunteer_record,
)
from services.reads.read_models import ReadModels
from services.reads.routes import MinPosition
from services.shifts.eligibility import obstacles
from services.volunteers import service
from services.volunteers.state import VOLUNTEER as VOLUNTEER_STREAM

NEXT_SHIFTS = 3
NEEDED_AHEAD = timedelta(days=7)
NEEDED_SHOWN = 6


def needed_first(shifts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Shifts I can take before those I cannot, each group in time order."""
    return sorted(shifts, key=lambda shift: (bool(shift["obstacles"]), shift["starts_at"]))


class VolunteerHome(Controller):
    path = "/volunteer"
    guards = [requires_roles(VOLUNTEER), with_a_volunteer_record]
    include_in_schema = False

    @get("/")
    async def home(
        self, request: Request[Principal, Any, Any], read_models: NamedDependency[ReadModels],
        commands: NamedDependency[CommandHandler], store: NamedDependency[EventStore],
        pool: NamedDependency[asyncpg.Pool], min_position: MinPosition = None,
    ) -> Template:
        volunteer_id = volunteer_id_of(request)
        language = language_of(request)
        now = datetime.now(UTC)
        read = Reads(read_models, min_position)
        person = await service.profile(store, pool, volunteer_id)
        me = await commands.state(VOLUNTEER_STREAM(volunteer_id))
        sites = await read(directory.DIRECTORY, directory.sites)
        mine = await read(volunteer_schedule.VOLUNTEER_SCHEDULE,
                          lambda c: volunteer_schedule.schedule(c, volunteer_id, now, None))
        board = await read(shift_board.SHIFT_BOARD, lambda c: shift_board.shifts(
            c, start=now, end=now + NEEDED_AHEAD, open_only=True))
        qualifications = await read(training_records.TRAINING_RECORDS,
                                    lambda c: training_records.qualifications_of(c, volunteer_id))
        site_of = {site["id"]: site for site in sites}
        held = {row["shift_id"] for row in mine}
        home_sites = set(me.home_site_ids)
        named = qualification_names(language, await catalogue_names(read))

        def shown(shift: dict[str, Any]) -> dict[str, Any]:
            return {**shift, "site": site_of.get(shift["site_id"]),
                    "day": day_label(local(shift["starts_at"]).date(), language),
                    "time": time_span(shift["starts_at"], shift["ends_at"], language)}

        needed = [
            {**shown(shift), "obstacles": obstacles(me, shift),
             "missing": ", ".join(named(q) for q in obstacles(me, shift).missing)}
            for shift in board
            if shift["starts_at"] > now and shift["id"] not in held
            and (not home_sites or shift["site_id"] in home_sites)
        ]
        return page(
            request, "volunteer/home.html",
            name=person.name, next_shifts=[shown(row) for row in mine][:NEXT_SHIFTS],
            needed=needed_first(needed)[:NEEDED_SHOWN], home_sites=bool(home_sites),
            qualifications=qualification_rows(qualifications, now, language),
            qualification=named, behind=read.behind,
        )
