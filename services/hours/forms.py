"""The coordinator's form of a timesheet line (volunteer hours outside shifts), read into the
command behind ``POST /api/volunteers/{id}/hours``."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec

from events.base import EventMetadata
from services.commands.handler import entity_id
from services.hours.decider import RecordHours
from services.pages.forms import Short, form_uuid, wall_clock_range


class HoursForm(msgspec.Struct):
    volunteer_id: Short = ""
    offer_id: Short = ""
    activity: Annotated[str, msgspec.Meta(max_length=500)] = ""
    date: Short = ""
    start: Short = ""
    end: Short = ""
    request_key: Short = ""


FIELD_OF = {"volunteer_id": "volunteer_id", "offer_id": "offer_id", "activity": "activity",
            "started_at": "start", "ended_at": "end", "site_id": "activity"}
"""The form field a command's refusal is shown next to (any other: the activity)."""


def hours_command(site_id: UUID, form: HoursForm, metadata: EventMetadata,
                  now: datetime) -> RecordHours:
    volunteer_id = form_uuid("volunteer_id", form.volunteer_id, "roster.choose_volunteer")
    offer_id = (form_uuid("offer_id", form.offer_id, "offers.no_offer")
                if form.offer_id.strip() else None)
    started_at, ended_at = wall_clock_range(form.date, form.start, form.end)
    return RecordHours(line_id=entity_id(metadata, "hours"), volunteer_id=volunteer_id,
                       site_id=site_id, offer_id=offer_id, activity=form.activity.strip(),
                       started_at=started_at, ended_at=ended_at, now=now)
