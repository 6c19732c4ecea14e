"""The coordinator's pages: a week view per site of every room's bookings, sessions and
trainings, and booking a room (once or weekly) with the conflicts shown next to the form.

The pages call the same commands (``CommandHandler.handle``) and projection queries as the
API. After a command the browser is sent to the week view with ``min_position``, which waits
until the read models show the command's result.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any
from uuid import UUID, uuid4

import msgspec
from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, QueryParameter
from litestar.response import Redirect, Template

from events.base import EventMetadata
from events.rooms import Recurrence, RoomBooked, RoomOccurrencesCancelled
from projections import directory, room_calendar, training_records
from services.auth.guards import ADMIN, COORDINATOR, for_site, from_path, requires_roles
from services.auth.tokens import Principal
from services.commands.handler import entity_id
from services.commands.http import first_of, now
from services.pages import coordinator_attendance as attendance
from services.pages import coordinator_planning as planning
from services.pages.coordinator_time import (
    FormError,
    local_instant,
    monday_of,
    parse_date,
    parse_time,
    this_week,
    week_bounds,
)
from services.pages.i18n import language_of, translator
from services.pages.local_time import BERLIN, local
from services.pages.rendering import page
from services.reads.routes import MinPosition, read_projection
from services.commands.rejections import Rejection
from services.platform.resources import Resources
from services.rooms.decider import ROOMS, BookRoom, CancelBooking
from services.rooms.state import ROOM
from services.shifts.decider import SHIFTS
from services.trainings.decider import TRAININGS
from services.volunteers import service as volunteers

STAFF_OF_SITE = for_site(from_path("site_id"))
WEEK = Annotated[str | None, QueryParameter(name="week")]
MIN_POSITION = MinPosition
BOOKED = Annotated[int | None, QueryParameter(name="booked", ge=0)]
CANCELLED = Annotated[int | None, QueryParameter(name="cancelled", ge=0)]
WITHIN_DAYS = Annotated[int, QueryParameter(name="within_days", ge=1, le=3650)]
HELD_WITHIN_DAYS = Annotated[int, QueryParameter(name="within_days", ge=1, le=366)]
RECORDED = Annotated[bool, QueryParameter(name="recorded")]
PLANNED = Annotated[bool, QueryParameter(name="planned")]

FORM_FIELD_OF = {
    "title": "title", "room_id": "room_id", "starts_at": "start", "ends_at": "end",
    "recurrence": "until", "recurrence.until": "until", "recurrence.rrule": "until",
    "recurrence.count": "until",
}
"""The form field a command's rejection is shown next to."""

CANCEL_CODES = ("already_cancelled", "already_started", "nothing_to_cancel", "not_found")
"""Refusals of a cancellation that have words of their own (``cancel.<code>``)."""

MESSAGE_OF_CODE = {
    "blank": "form.required", "ends_before_start": "booking.ends_before_start",
    "beyond_horizon": "booking.beyond_horizon", "too_many_occurrences": "booking.too_many",
    "no_occurrences": "booking.no_occurrences", "room_not_found": "booking.no_room",
    "occurrences_overlap": "booking.series_overlaps",
    "control_characters": "form.control_characters",
}


class CancelForm(msgspec.Struct):
    """One week entry's cancel form: the occurrence, and whether the whole series goes."""

    room_id: Annotated[str, msgspec.Meta(max_length=64)] = ""
    booking_id: Annotated[str, msgspec.Meta(max_length=64)] = ""
    occurrence: Annotated[str, msgspec.Meta(max_length=64)] = ""
    scope: Annotated[str, msgspec.Meta(max_length=16)] = ""
    request_key: Annotated[str, msgspec.Meta(max_length=64)] = ""


class BookingForm(msgspec.Struct):
    """What the booking form sends: strings as typed, read by ``booking_command``."""

    room_id: Annotated[str, msgspec.Meta(max_length=64)] = ""
    title: Annotated[str, msgspec.Meta(max_length=500)] = ""
    date: Annotated[str, msgspec.Meta(max_length=32)] = ""
    start: Annotated[str, msgspec.Meta(max_length=32)] = ""
    end: Annotated[str, msgspec.Meta(max_length=32)] = ""
    weekly: Annotated[str, msgspec.Meta(max_length=8)] = ""
    until: Annotated[str, msgspec.Meta(max_length=32)] = ""
    request_key: Annotated[str, msgspec.Meta(max_length=64)] = ""


def _uuid(field: str, value: str) -> UUID:
    try:
        return UUID(value.strip())
    except ValueError:
        raise FormError(field, "form.required") from None


def booking_times(form: BookingForm) -> tuple[datetime, datetime, Recurrence | None]:
    """The aware start and end of the (first) occurrence and the weekly series, if asked for."""
    day = parse_date("date", form.date)
    starts_at = local_instant("start", day, parse_time("start", form.start))
    ends_at = local_instant("end", day, parse_time("end", form.end))
    if ends_at <= starts_at:
        raise FormError("end", "booking.ends_before_start")
    recurrence = None
    if form.weekly:
        if not form.until.strip():
            raise FormError("until", "form.required")
        last_day = parse_date("until", form.until)
        if last_day < day:
            raise FormError("until", "booking.until_before_start")
        # RFC 5545 UNTIL is inclusive: any occurrence starting on the last day belongs to it.
        until = datetime.combine(last_day, time(23, 59, 59), tzinfo=BERLIN)
        recurrence = Recurrence(rrule="FREQ=WEEKLY", until=until)
    return starts_at, ends_at, recurrence


def metadata_of(request: Request[Principal, Any, Any], form: BookingForm) -> EventMetadata:
    """The form's hidden key makes a double submit (a second click, a reload) store nothing twice;
    each rendering of the form carries a fresh one."""
    key = form.request_key.strip() or None
    return EventMetadata(actor=f"account:{request.user.account_id}",
                         correlation_id=str(uuid4()),
                         idempotency_key=f"page-booking:{key}" if key else None)


# Reading the week ------------------------------------------------------------------------------


def _entry(occurrence: dict[str, Any], moment: datetime) -> dict[str, Any]:
    """One line of the week; one that is still ahead carries what its cancel form sends."""
    return {"title": occurrence["title"], "kind": occurrence["kind"],
            "cancelled": occurrence["cancelled"], "starts_at": local(occurrence["starts_at"]),
            "ends_at": local(occurrence["ends_at"]), "booking_id": occurrence["booking_id"],
            "occurrence": occurrence["starts_at"].astimezone(UTC).isoformat(),
            "ahead": occurrence["starts_at"] > moment and not occurrence["cancelled"],
            "request_key": uuid4().hex}


async def read_week(resources: Resources, site_id: UUID, monday: date,
                    min_position: int | None) -> dict[str, Any]:
    """The site, its rooms and each room's occurrences day by day in the week from ``monday``
    (an occurrence is listed on the day it starts)."""
    start, end = week_bounds(monday)

    async def site_and_rooms(connection: Any) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
        sites = await directory.sites(connection)
        site = next((s for s in sites if s["id"] == site_id), None)
        return site, await directory.rooms(connection, site_id)

    (site, rooms), _ = await read_projection(resources, directory.DIRECTORY, min_position,
                                             site_and_rooms)

    async def occurrences(connection: Any) -> dict[UUID, list[dict[str, Any]]]:
        return {room["id"]: await room_calendar.occurrences(connection, room["id"], start, end)
                for room in rooms}

    by_room, _ = await read_projection(resources, room_calendar.ROOM_CALENDAR, min_position,
                                       occurrences)
    days = [monday + timedelta(days=n) for n in range(7)]
    moment = datetime.now(UTC)
    return {
        "site": site,
        "rooms": [
            {**room, "days": [
                (day, [_entry(o, moment) for o in by_room[room["id"]]
                       if local(o["starts_at"]).date() == day])
                for day in days
            ]}
            for room in rooms
        ],
        "monday": monday,
        "sunday": monday + timedelta(days=6),
        "previous_week": monday - timedelta(days=7),
        "next_week": monday + timedelta(days=7),
    }


async def sites_of(resources: Resources, principal: Principal) -> list[dict[str, Any]]:
    sites, _ = await read_projection(resources, directory.DIRECTORY, None, directory.sites)
    if principal.role == ADMIN:
        return sites
    return [site for site in sites if site["id"] in principal.site_ids]


async def needing_refreshers(resources: Resources, site_id: UUID,
                             within_days: int) -> list[dict[str, Any]]:
    """As ``GET /api/qualifications/expiring``: qualifications granted at the site that run out
    within ``within_days`` or ran out as long ago, by volunteer; names decrypted only here."""
    moment = datetime.now(UTC)
    window = timedelta(days=within_days)
    rows, _ = await read_projection(
        resources, training_records.TRAINING_RECORDS, None,
        lambda connection: training_records.expiring(
            connection, since=moment - window, until=moment + window, site_id=site_id),
    )
    by_volunteer: dict[UUID, list[dict[str, Any]]] = {}
    for row in rows:
        by_volunteer.setdefault(row["volunteer_id"], []).append({
            "qualification": row["qualification"], "valid_until": local(row["valid_until"]),
            "expired": row["valid_until"] <= moment})
    people = []
    for volunteer_id, qualifications in by_volunteer.items():
        person = await volunteers.profile(resources.store, resources.pool, volunteer_id)
        people.append({"name": person.name, "erased": person.erased,
                       "qualifications": qualifications})
    return people


def week_of(value: str | None) -> date:
    """The Monday of the week asked for; this week's for a day unreadable or out of range."""
    if value:
        try:
            return monday_of(parse_date("week", value))
        except FormError:
            pass
    return this_week()


# The pages -------------------------------------------------------------------------------------


class CoordinatorPages(Controller):
    path = "/coordinator"
    include_in_schema = False
    guards = [requires_roles(ADMIN, COORDINATOR)]

    @get("/")
    async def start(self, request: Request[Principal, Any, Any],
                    resources: NamedDependency[Resources]) -> Template | Redirect:
        sites = await sites_of(resources, request.user)
        if len(sites) == 1:
            return Redirect(f"/coordinator/sites/{sites[0]['id']}/week", status_code=303)
        return page(request, "coordinator/sites.html", sites=sites)

    @get("/sites/{site_id:uuid}/week", guards=[STAFF_OF_SITE])
    async def week(
        self, site_id: FromPath[UUID], request: Request[Principal, Any, Any],
        resources: NamedDependency[Resources], week: WEEK = None,
        min_position: MIN_POSITION = None, booked: BOOKED = None,
        cancelled: CANCELLED = None,
    ) -> Template:
        return await self._week_page(request, resources, site_id, week_of(week), min_position,
                                     booked=booked, cancelled=cancelled)

    @get("/sites/{site_id:uuid}/refreshers", guards=[STAFF_OF_SITE])
    async def refreshers(
        self, site_id: FromPath[UUID], request: Request[Principal, Any, Any],
        resources: NamedDependency[Resources], within_days: WITHIN_DAYS = 60,
    ) -> Template:
        site = next((s for s in await sites_of(resources, request.user) if s["id"] == site_id),
                    None)
        if site is None:
            return page(request, "error.html", status_code=404,
                        message=translator(language_of(request))("coordinator.no_site"))
        return page(request, "coordinator/refreshers.html", site=site,
                    within_days=within_days,
                    people=await needing_refreshers(resources, site_id, within_days))

    @post("/sites/{site_id:uuid}/bookings", guards=[STAFF_OF_SITE])
    async def book(
        self, site_id: FromPath[UUID], request: Request[Principal, Any, Any],
        resources: NamedDependency[Resources],
        data: Annotated[BookingForm, Body(media_type=RequestEncodingType.URL_ENCODED)],
    ) -> Template | Redirect:
        t = translator(language_of(request))
        try:
            room_id = _uuid("room_id", data.room_id)
            if (await resources.commands.state(ROOM(room_id))).site_id != site_id:
                raise FormError("room_id", "booking.no_room")
            if not data.title.strip():
                raise FormError("title", "form.required")
            if len(data.title.strip()) > 200:
                raise FormError("title", "form.too_long")
            starts_at, ends_at, recurrence = booking_times(data)
            metadata = metadata_of(request, data)
            result = await resources.commands.handle(ROOMS, BookRoom(
                room_id=room_id, booking_id=entity_id(metadata, "booking"),
                title=data.title.strip(), starts_at=starts_at, ends_at=ends_at,
                recurrence=recurrence, now=now(),
            ), metadata)
        except FormError as error:
            return await self._refused(request, resources, site_id, data, 422,
                                       {error.field: t(error.key)})
        except Rejection as rejection:
            code = rejection.members.get("code")
            if code == "room_taken":
                conflicts = [{**c, "starts_at": local(c["starts_at"]),
                              "ends_at": local(c["ends_at"])}
                             for c in rejection.members.get("conflicts", [])]
                return await self._refused(request, resources, site_id, data, 409, {},
                                           conflicts=conflicts)
            field = FORM_FIELD_OF.get(rejection.field, "title")
            message = t(MESSAGE_OF_CODE[code]) if code in MESSAGE_OF_CODE else rejection.message
            return await self._refused(request, resources, site_id, data, rejection.status,
                                       {field: message})
        booked = first_of(result, RoomBooked)
        first_day = local(booked.occurrences[0].starts_at).date()
        return Redirect(
            f"/coordinator/sites/{site_id}/week?week={monday_of(first_day).isoformat()}"
            f"&min_position={result.position}&booked={len(booked.occurrences)}",
            status_code=303,
        )

    @get("/sites/{site_id:uuid}/attendance", guards=[STAFF_OF_SITE])
    async def attendance(
        self, site_id: FromPath[UUID], request: Request[Principal, Any, Any],
        resources: NamedDependency[Resources], within_days: HELD_WITHIN_DAYS = 56,
        min_position: MIN_POSITION = None, recorded: RECORDED = False,
    ) -> Template:
        return await self._attendance_page(request, resources, site_id, within_days,
                                           min_position, recorded=recorded)

    @post("/sites/{site_id:uuid}/attendance", guards=[STAFF_OF_SITE])
    async def record_attendance(
        self, site_id: FromPath[UUID], request: Request[Principal, Any, Any],
        resources: NamedDependency[Resources],
        data: Annotated[attendance.AttendanceForm,
                        Body(media_type=RequestEncodingType.URL_ENCODED)],
    ) -> Template | Redirect:
        t = translator(language_of(request))
        try:
            result = await attendance.record(resources, request, site_id, data)
        except FormError as error:
            return await self._attendance_page(request, resources, site_id, 56, None,
                                               status_code=422, form=data, field=error.field,
                                               message=t(error.key))
        except Rejection as rejection:
            code = rejection.members.get("code")
            key = attendance.MESSAGE_OF_CODE.get(code or "")
            field = rejection.field if rejection.field in ("visitors", "reason") else "occurrence"
            return await self._attendance_page(
                request, resources, site_id, 56, None, status_code=rejection.status, form=data,
                field=field, message=t(key) if key else rejection.message)
        return Redirect(f"/coordinator/sites/{site_id}/attendance"
                        f"?min_position={result.position}&recorded=true", status_code=303)

    @get("/sites/{site_id:uuid}/plan", guards=[STAFF_OF_SITE])
    async def plan(
        self, site_id: FromPath[UUID], request: Request[Principal, Any, Any],
        resources: NamedDependency[Resources], min_position: MIN_POSITION = None,
        planned: PLANNED = False,
    ) -> Template:
        return await self._plan_page(request, resources, site_id, min_position, planned=planned)

    @post("/sites/{site_id:uuid}/shifts", guards=[STAFF_OF_SITE])
    async def plan_shift(
        self, site_id: FromPath[UUID], request: Request[Principal, Any, Any],
        resources: NamedDependency[Resources],
        data: Annotated[planning.ShiftForm, Body(media_type=RequestEncodingType.URL_ENCODED)],
    ) -> Template | Redirect:
        t = translator(language_of(request))
        try:
            metadata = planning.metadata_of(request, "shift", data.request_key)
            command = planning.shift_command(site_id, data, metadata, now())
            result = await resources.commands.handle(SHIFTS, command, metadata)
        except FormError as error:
            return await self._plan_page(request, resources, site_id, None, status_code=422,
                                         shift=data, shift_errors={error.field: t(error.key)})
        except Rejection as rejection:
            message = (t("plan.no_session") if rejection.field == "session_id"
                       else planning.words(t, rejection))
            return await self._plan_page(
                request, resources, site_id, None, status_code=rejection.status, shift=data,
                shift_errors={planning.form_field(rejection.field): message})
        return Redirect(f"/coordinator/sites/{site_id}/plan?min_position={result.position}"
                        "&planned=true", status_code=303)

    @post("/sites/{site_id:uuid}/trainings", guards=[STAFF_OF_SITE])
    async def plan_training(
        self, site_id: FromPath[UUID], request: Request[Principal, Any, Any],
        resources: NamedDependency[Resources],
        data: Annotated[planning.TrainingForm,
                        Body(media_type=RequestEncodingType.URL_ENCODED)],
    ) -> Template | Redirect:
        t = translator(language_of(request))
        try:
            metadata = planning.metadata_of(request, "training", data.request_key)
            command = planning.training_command(site_id, data, metadata, now())
            result = await resources.commands.handle(TRAININGS, command, metadata)
        except FormError as error:
            return await self._plan_page(request, resources, site_id, None, status_code=422,
                                         training=data,
                                         training_errors={error.field: t(error.key)})
        except Rejection as rejection:
            code = rejection.members.get("code")
            if code == "room_taken":
                conflicts = [{**c, "starts_at": local(c["starts_at"]),
                              "ends_at": local(c["ends_at"])}
                             for c in rejection.members.get("conflicts", [])]
                return await self._plan_page(request, resources, site_id, None,
                                             status_code=409, training=data,
                                             conflicts=conflicts)
            field = planning.form_field(rejection.field)
            message = (t("booking.no_room") if code in ("room_not_found", "other_site")
                       else planning.words(t, rejection))
            return await self._plan_page(request, resources, site_id, None,
                                         status_code=rejection.status, training=data,
                                         training_errors={field: message})
        first_day = local(command.starts_at).date()
        return Redirect(
            f"/coordinator/sites/{site_id}/week?week={monday_of(first_day).isoformat()}"
            f"&min_position={result.position}&booked=1", status_code=303)

    async def _plan_page(
        self, request: Request[Principal, Any, Any], resources: Resources, site_id: UUID,
        min_position: int | None, *, status_code: int = 200,
        shift: planning.ShiftForm | None = None, shift_errors: dict[str, str] | None = None,
        training: planning.TrainingForm | None = None,
        training_errors: dict[str, str] | None = None,
        conflicts: list[dict[str, Any]] | None = None, planned: bool = False,
    ) -> Template:
        """Both forms; after a refusal, the refused one as filled in, the reason at its field."""

        async def site_and_rooms(connection: Any) -> tuple[Any, list[dict[str, Any]]]:
            sites = await directory.sites(connection)
            return (next((s for s in sites if s["id"] == site_id), None),
                    await directory.rooms(connection, site_id))

        (site, rooms), _ = await read_projection(resources, directory.DIRECTORY, min_position,
                                                 site_and_rooms)
        if site is None:
            return page(request, "error.html", status_code=404,
                        message=translator(language_of(request))("coordinator.no_site"))
        return page(
            request, "coordinator/plan.html", status_code=status_code, site=site, rooms=rooms,
            sessions=await planning.coming_sessions(resources, site_id, min_position), planned=planned,
            shift=shift or planning.ShiftForm(), shift_errors=shift_errors or {},
            training=training or planning.TrainingForm(valid_for_months="24"),
            training_errors=training_errors or {}, conflicts=conflicts or [],
            shift_key=uuid4().hex, training_key=uuid4().hex,
        )

    async def _attendance_page(
        self, request: Request[Principal, Any, Any], resources: Resources, site_id: UUID,
        within_days: int, min_position: int | None, *, status_code: int = 200,
        form: attendance.AttendanceForm | None = None, field: str | None = None,
        message: str | None = None, recorded: bool = False,
    ) -> Template:
        """The list; after a refused form, that occurrence's input kept and the reason beside
        the field it concerns."""
        sites, _ = await read_projection(resources, directory.DIRECTORY, min_position,
                                         directory.sites)
        site = next((s for s in sites if s["id"] == site_id), None)
        if site is None:
            return page(request, "error.html", status_code=404,
                        message=translator(language_of(request))("coordinator.no_site"))
        held = await attendance.held_occurrences(resources, site_id, within_days, min_position)
        failed = (attendance.occurrence_key(form.session_id.strip(), form.occurrence.strip())
                  if form else None)
        return page(
            request, "coordinator/attendance.html", status_code=status_code, site=site,
            within_days=within_days, recorded=recorded, failed=failed, form=form,
            field=field, message=message,
            unrecorded=[o for o in held if o["visitors"] is None],
            counted=[o for o in held if o["visitors"] is not None],
        )

    @post("/sites/{site_id:uuid}/cancellations", guards=[STAFF_OF_SITE])
    async def cancel(
        self, site_id: FromPath[UUID], request: Request[Principal, Any, Any],
        resources: NamedDependency[Resources],
        data: Annotated[CancelForm, Body(media_type=RequestEncodingType.URL_ENCODED)],
    ) -> Template | Redirect:
        """Cancels one occurrence (``scope=occurrence``) or every one of the series still ahead
        (``scope=series``); a session's or training's occurrence goes with its booking."""
        t = translator(language_of(request))
        try:
            room_id = _uuid("room_id", data.room_id)
            booking_id = _uuid("booking_id", data.booking_id)
            starts_at = datetime.fromisoformat(data.occurrence.strip())
            if starts_at.tzinfo is None or data.scope not in ("occurrence", "series"):
                raise ValueError(data.occurrence)
            if (await resources.commands.state(ROOM(room_id))).site_id != site_id:
                raise FormError("room_id", "booking.no_room")
            key = data.request_key.strip() or None
            metadata = EventMetadata(actor=f"account:{request.user.account_id}",
                                     correlation_id=str(uuid4()),
                                     idempotency_key=f"page-cancel:{key}" if key else None)
            result = await resources.commands.handle(ROOMS, CancelBooking(
                room_id=room_id, booking_id=booking_id,
                occurrence_starts_at=starts_at if data.scope == "occurrence" else None,
                now=now()), metadata)
        except (ValueError, FormError):
            return await self._week_page(request, resources, site_id, this_week(), None,
                                         status_code=422, cancel_error=t("cancel.unknown"))
        except Rejection as rejection:
            code = rejection.members.get("code")
            message = t(f"cancel.{code}") if code in CANCEL_CODES else rejection.message
            return await self._week_page(request, resources, site_id,
                                         monday_of(local(starts_at).date()), None,
                                         status_code=rejection.status, cancel_error=message)
        cancelled = first_of(result, RoomOccurrencesCancelled)
        return Redirect(
            f"/coordinator/sites/{site_id}/week?week={monday_of(local(starts_at).date())}"
            f"&min_position={result.position}"
            f"&cancelled={len(cancelled.occurrence_starts_at)}", status_code=303)

    async def _refused(self, request: Request[Principal, Any, Any], resources: Resources,
                       site_id: UUID, form: BookingForm, status: int, errors: dict[str, str],
                       conflicts: list[dict[str, Any]] | None = None) -> Template:
        """The week again, with the form as the user filled it and what was wrong beside it."""
        return await self._week_page(request, resources, site_id, week_of(form.date), None,
                                     status_code=status, form=form, errors=errors,
                                     conflicts=conflicts or [])

    async def _week_page(self, request: Request[Principal, Any, Any], resources: Resources,
                         site_id: UUID, monday: date, min_position: int | None, *,
                         status_code: int = 200, form: BookingForm | None = None,
                         errors: dict[str, str] | None = None,
                         conflicts: list[dict[str, Any]] | None = None,
                         booked: int | None = None, cancelled: int | None = None,
                         cancel_error: str | None = None) -> Template:
        week = await read_week(resources, site_id, monday, min_position)
        if week["site"] is None:
            return page(request, "error.html", status_code=404,
                        message=translator(language_of(request))("coordinator.no_site"))
        return page(
            request, "coordinator/week.html", status_code=status_code, **week,
            sites=await sites_of(resources, request.user),
            form=form or BookingForm(date=monday.isoformat()), errors=errors or {},
            conflicts=conflicts or [], booked=booked, request_key=uuid4().hex,
            cancelled=cancelled, cancel_error=cancel_error,
        )
