"""The coordinator's forms of shifts, read into the commands behind ``POST /api/shifts``, a
coordinator's claim for a volunteer and its release, and ``POST /api/shifts/{id}/attendance``
(who served, walk-ins and actual times)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Annotated
from uuid import UUID

import msgspec

from events.base import EventMetadata
from events.rooms import Recurrence
from events.shifts import ServiceTime
from services.commands.handler import entity_id
from services.pages.forms import (
    FormError,
    Many,
    VolunteerForm,
    form_uuid,
    local_instant,
    many,
    parse_date,
    parse_time,
    wall_clock_range,
    whole_number,
)
from services.pages.local_time import BERLIN
from services.shifts.decider import (
    CancelShift,
    ClaimShift,
    ConfirmShiftAttendance,
    CreateShift,
    ReleaseClaim,
)
from services.shifts.series import CreateShiftSeries

Text = Annotated[str, msgspec.Meta(max_length=500)]
Short = Annotated[str, msgspec.Meta(max_length=64)]


class ShiftForm(msgspec.Struct):
    title: Text = ""
    date: Short = ""
    start: Short = ""
    end: Short = ""
    capacity: Short = ""
    qualifications: Many = []
    """Catalogue codes, ticked (the form offers the catalogue, never free text)."""
    session_id: Short = ""
    weekly: Short = ""
    until: Short = ""
    except_dates: Text = ""
    """Days of the series left out, e.g. ``2026-12-24, 2026-12-31``."""
    request_key: Short = ""


FIELD_OF = {
    "title": "title", "starts_at": "start", "ends_at": "end", "capacity": "capacity",
    "session_id": "session_id", "recurrence": "until", "recurrence.until": "until",
    "exdates": "except_dates",
}
"""The form field a command's refusal is shown next to (any other: the title)."""


def form_field(rejection_field: str) -> str:
    if rejection_field.startswith("required_qualifications"):
        return "qualifications"
    return FIELD_OF.get(rejection_field, "title")


def shift_command(site_id: UUID, form: ShiftForm, metadata: EventMetadata,
                  now: datetime) -> CreateShift:
    starts_at, ends_at = wall_clock_range(form.date, form.start, form.end)
    capacity = whole_number("capacity", form.capacity, 10_000)
    required = [q.strip() for q in many(form.qualifications) if q.strip()]
    session_id = None
    if form.session_id.strip():
        try:
            session_id = UUID(form.session_id.strip())
        except ValueError:
            raise FormError("session_id", "plan.no_session") from None
    return CreateShift(shift_id=entity_id(metadata, "shift"), site_id=site_id,
                       title=form.title.strip(), starts_at=starts_at, ends_at=ends_at,
                       capacity=capacity, required_qualifications=required,
                       session_id=session_id, now=now)


class ReleaseForm(msgspec.Struct):
    """The volunteer's confirmation of cancelling a shift (or leaving its waitlist)."""

    message: Annotated[str, msgspec.Meta(max_length=2000)] = ""
    request_key: Short = ""


def release_command(shift_id: UUID, volunteer_id: UUID, form: ReleaseForm,
                    now: datetime) -> ReleaseClaim:
    return ReleaseClaim(shift_id=shift_id, volunteer_id=volunteer_id, now=now,
                        message=form.message.strip() or None)
# The roster's forms: assign, remove (after a confirmation), and who served --------------------

class ServedForm(msgspec.Struct):
    """Who served: a row per holder (``person``, its ``start`` and ``end``; ticked ones in
    ``present``), rows of walk-ins (``walk_in`` chosen from the site's volunteers, with
    ``walk_in_start`` and ``walk_in_end``), and a reason when it corrects a confirmation."""

    present: Many = []
    person: Many = []
    start: Many = []
    end: Many = []
    walk_in: Many = []
    walk_in_start: Many = []
    walk_in_end: Many = []
    reason: Text = ""
    request_key: Short = ""


def assign_command(shift_id: UUID, form: VolunteerForm, now: datetime) -> ClaimShift:
    volunteer_id = form_uuid("volunteer_id", form.volunteer_id, "roster.choose_volunteer")
    return ClaimShift(shift_id=shift_id, volunteer_id=volunteer_id, now=now)


def remove_command(shift_id: UUID, form: VolunteerForm, now: datetime) -> ReleaseClaim:
    volunteer_id = form_uuid("volunteer_id", form.volunteer_id, "roster.choose_volunteer")
    return ReleaseClaim(shift_id=shift_id, volunteer_id=volunteer_id, now=now)


def _actual(field: str, day: date, start: str, end: str, shift: tuple[datetime, datetime]
            ) -> ServiceTime | None:
    """The actual time typed for one person on the shift's day; None where it is the shift's
    own (or left empty)."""
    if not start.strip() and not end.strip():
        return None
    started_at = local_instant(field, day, parse_time(field, start))
    ended_at = local_instant(field, day, parse_time(field, end))
    if ended_at <= started_at:
        ended_at += timedelta(days=1)  # a shift that runs past midnight
    if (started_at, ended_at) == shift:
        return None
    return ServiceTime(started_at=started_at, ended_at=ended_at)


def served_command(shift_id: UUID, form: ServedForm, shift: tuple[datetime, datetime],
                   now: datetime) -> ConfirmShiftAttendance:
    """``shift``: its ``[starts_at, ends_at)``; actual times are typed on its (Berlin) day."""
    day = shift[0].astimezone(BERLIN).date()
    present = [form_uuid("present", value) for value in many(form.present)]
    times: dict[UUID, ServiceTime] = {}
    for person, start, end in zip(many(form.person), many(form.start), many(form.end),
                                  strict=False):
        volunteer_id = form_uuid("present", person)
        if volunteer_id in present:
            actual = _actual(f"time-{volunteer_id}", day, start, end, shift)
            if actual is not None:
                times[volunteer_id] = actual
    walk_ins: list[UUID] = []
    for index, (chosen, start, end) in enumerate(zip(
            many(form.walk_in), many(form.walk_in_start), many(form.walk_in_end), strict=False)):
        if not chosen.strip():
            continue
        volunteer_id = form_uuid(f"walk_in-{index}", chosen)
        walk_ins.append(volunteer_id)
        actual = _actual(f"walk_in-{index}", day, start, end, shift)
        if actual is not None:
            times[volunteer_id] = actual
    return ConfirmShiftAttendance(shift_id=shift_id, present=present, walk_ins=walk_ins,
                                  times=times, reason=form.reason.strip() or None, now=now)


class CancelShiftForm(msgspec.Struct):
    """The answer of the question before a shift is cancelled: why (everyone is told)."""

    reason: Annotated[str, msgspec.Meta(max_length=1000)] = ""
    request_key: Short = ""


def cancel_command(shift_id: UUID, form: CancelShiftForm, now: datetime) -> CancelShift:
    if not form.reason.strip():
        raise FormError("reason", "cancel.reason_required")
    return CancelShift(shift_id=shift_id, reason=form.reason.strip(), now=now)


def shift_series_command(site_id: UUID, form: ShiftForm, metadata: EventMetadata,
                         now: datetime) -> CreateShiftSeries:
    """The shift every week until a last day (inclusive), but for the days left out: one shift
    per date, in one step (``POST /api/shift-series``)."""
    starts_at, ends_at = wall_clock_range(form.date, form.start, form.end)
    if not form.until.strip():
        raise FormError("until", "form.required")
    last_day = parse_date("until", form.until)
    if last_day < starts_at.astimezone(BERLIN).date():
        raise FormError("until", "booking.until_before_start")
    left_out = [local_instant("except_dates", parse_date("except_dates", day),
                              starts_at.astimezone(BERLIN).time())
                for day in form.except_dates.replace(";", ",").split(",") if day.strip()]
    return CreateShiftSeries(
        series_id=entity_id(metadata, "shift-series"), site_id=site_id,
        title=form.title.strip(), starts_at=starts_at, ends_at=ends_at,
        capacity=whole_number("capacity", form.capacity, 10_000),
        required_qualifications=[q.strip() for q in many(form.qualifications) if q.strip()],
        recurrence=Recurrence(rrule="FREQ=WEEKLY", until=datetime.combine(
            last_day, time(23, 59, 59), tzinfo=BERLIN)),
        exdates=left_out, now=now)
