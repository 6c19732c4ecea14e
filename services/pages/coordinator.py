"""The coordinator's pages: a week view per site of every room's bookings, sessions and
trainings, and booking a room (once or weekly) with the conflicts shown next to the form;
planning shifts and trainings; counting visitors; who needs a refresher.

A page is a thin adapter: each area's ``forms`` module reads a form into the command its API
route builds, ``CommandHandler.handle`` decides it as for the API, and a refusal is shown at
the form's field in the page's words (``services.pages.refusals``). After a command the browser
is sent on with ``min_position``, which waits until the read models show the command's result.
Each page's template gets one context Struct.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated, Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Template

from events.rooms import RoomBooked, RoomOccurrencesCancelled
from events.store import EventStore
from services.auth.guards import ADMIN, COORDINATOR, for_site, from_path, requires_roles
from services.auth.tokens import Principal
from services.commands.handler import CommandHandler
from services.commands.http import first_of, now
from services.commands.rejections import Rejection
from services.offers import forms as attendance_forms
from services.offers.decider import OFFERS
from services.offers.state import SESSION
from services.pages import coordinator_reads as reads
from services.pages.forms import FORM, FormError, form_metadata, form_uuid, fresh_key, parse_date
from services.pages.i18n import language_of, translator
from services.pages.local_time import BERLIN, local, monday_of, this_week
from services.pages.refusals import refusal_message
from services.pages.rendering import page
from services.pages.week_plan import DayPlan, day_plans
from services.reads.read_models import ReadModels
from services.reads.routes import MinPosition
from services.rooms import forms as room_forms
from services.rooms.decider import ROOMS
from services.rooms.state import ROOM
from services.shifts import forms as shift_forms
from services.shifts.decider import SHIFTS
from services.shifts.series import SHIFT_SERIES_DECIDER
from services.trainings import forms as training_forms
from services.trainings.decider import TRAININGS

STAFF_OF_SITE = for_site(from_path("site_id"))
WEEK = Annotated[str | None, QueryParameter(name="week")]
BOOKED = Annotated[int | None, QueryParameter(name="booked", ge=0)]
SKIPPED = Annotated[int | None, QueryParameter(name="skipped", ge=0)]
CANCELLED = Annotated[int | None, QueryParameter(name="cancelled", ge=0)]
HELD_WITHIN_DAYS = Annotated[int, QueryParameter(name="within_days", ge=1, le=366)]
RECORDED = Annotated[bool, QueryParameter(name="recorded")]
PLANNED = Annotated[bool, QueryParameter(name="planned")]


def week_of(value: str | None) -> date:
    """The Monday of the week asked for; this week's for a day unreadable or out of range."""
    if value:
        try:
            return monday_of(parse_date("week", value))
        except FormError:
            pass
    return this_week()


def local_conflicts(rejection: Rejection) -> list[dict[str, Any]]:
    """A ``room_taken`` refusal's conflicts, in Berlin time."""
    return [{**c, "starts_at": local(c["starts_at"]), "ends_at": local(c["ends_at"])}
            for c in rejection.members.get("conflicts", [])]


# What each page's template gets ----------------------------------------------------------------


class WeekPage(msgspec.Struct, kw_only=True):
    site: dict[str, Any]
    sites: list[dict[str, Any]]
    rooms: list[dict[str, Any]]
    monday: date
    form: room_forms.BookingForm
    plans: list[DayPlan] = []
    errors: dict[str, str] = {}
    conflicts: list[dict[str, Any]] = []
    free_dates: room_forms.BookingForm | None = None
    """The refused series' form leaving its taken dates out, for "only the free dates"."""
    booked: int | None = None
    skipped: int | None = None
    cancelled: int | None = None
    cancel_error: str | None = None
    request_key: str = msgspec.field(default_factory=fresh_key)
    free_dates_key: str = msgspec.field(default_factory=fresh_key)
    sunday: date | None = None
    previous_week: date | None = None
    next_week: date | None = None

    def __post_init__(self) -> None:
        self.sunday = self.monday + timedelta(days=6)
        self.previous_week = self.monday - timedelta(days=7)
        self.next_week = self.monday + timedelta(days=7)


class PlanPage(msgspec.Struct, kw_only=True):
    site: dict[str, Any]
    rooms: list[dict[str, Any]]
    catalogue: list[dict[str, Any]]
    sessions: list[dict[str, Any]]
    shift: shift_forms.ShiftForm = msgspec.field(default_factory=shift_forms.ShiftForm)
    shift_errors: dict[str, str] = {}
    training: training_forms.TrainingForm = msgspec.field(
        default_factory=lambda: training_forms.TrainingForm(valid_for_months="24"))
    training_errors: dict[str, str] = {}
    conflicts: list[dict[str, Any]] = []
    planned: bool = False
    shift_key: str = msgspec.field(default_factory=fresh_key)
    training_key: str = msgspec.field(default_factory=fresh_key)


class AttendancePage(msgspec.Struct, kw_only=True):
    site: dict[str, Any]
    within_days: int
    unrecorded: list[dict[str, Any]]
    counted: list[dict[str, Any]]
    recorded: bool = False
    form: attendance_forms.AttendanceForm | None = None
    failed: str | None = None
    """The occurrence whose form was refused (its input is kept, the reason shown beside it)."""
    field: str | None = None
    message: str | None = None


# The pages -------------------------------------------------------------------------------------


class CoordinatorPages(Controller):
    path = "/coordinator"
    include_in_schema = False
    guards = [requires_roles(ADMIN, COORDINATOR)]

    @get("/")
    async def start(self, request: Request[Principal, Any, Any],
                    read_models: NamedDependency[ReadModels]) -> Template | Redirect:
        sites = await reads.sites_of(read_models, request.user)
        if len(sites) == 1:
            return Redirect(f"/coordinator/sites/{sites[0]['id']}/week", status_code=303)
        return page(request, "coordinator/sites.html", sites=sites)

    @get("/sites/{site_id:uuid}/week", guards=[STAFF_OF_SITE])
    async def week(
        self, site_id: FromPath[UUID], request: Request[Principal, Any, Any],
        read_models: NamedDependency[ReadModels], week: WEEK = None,
        min_position: MinPosition = None, booked: BOOKED = None, cancelled: CANCELLED = None,
        skipped: SKIPPED = None,
    ) -> Template:
        return await self._week_page(request, read_models, site_id, week_of(week),
                                     min_position, booked=booked, cancelled=cancelled,
                                     skipped=skipped)

    @post("/sites/{site_id:uuid}/bookings", guards=[STAFF_OF_SITE])
    async def book(
        self, site_id: FromPath[UUID], request: Request[Principal, Any, Any],
        commands: NamedDependency[CommandHandler], read_models: NamedDependency[ReadModels],
        data: Annotated[room_forms.BookingForm, FORM],
    ) -> Template | Redirect:
        t = translator(language_of(request))
        week = week_of(data.date)
        try:
            metadata = form_metadata(request, "booking", data.request_key)
            command = room_forms.booking_command(data, metadata, now())
            if (await commands.state(ROOM(command.room_id))).site_id != site_id:
                raise FormError("room_id", "booking.no_room")
            result = await commands.handle(ROOMS, command, metadata)
        except FormError as error:
            return await self._week_page(request, read_models, site_id, week, None,
                                         status_code=422, form=data,
                                         errors={error.field: t(error.key)})
        except Rejection as rejection:
            if rejection.members.get("code") == "room_taken":
                return await self._week_page(
                    request, read_models, site_id, week, None, status_code=409, form=data,
                    conflicts=local_conflicts(rejection),
                    free_dates=room_forms.free_dates_form(data, command,
                                                          rejection.members.get("taken", [])))
            field = room_forms.FIELD_OF.get(rejection.field.split("[")[0], "title")
            return await self._week_page(request, read_models, site_id, week, None,
                                         status_code=rejection.status, form=data,
                                         errors={field: refusal_message(rejection, t)})
        booked = first_of(result, RoomBooked)
        first_day = local(booked.occurrences[0].starts_at).date()
        skipped = f"&skipped={len(booked.exdates)}" if booked.exdates else ""
        return Redirect(
            f"/coordinator/sites/{site_id}/week?week={monday_of(first_day).isoformat()}"
            f"&min_position={result.position}&booked={len(booked.occurrences)}{skipped}",
            status_code=303,
        )

    @get("/sites/{site_id:uuid}/cancellations", guards=[STAFF_OF_SITE])
    async def confirm_cancel(
        self, site_id: FromPath[UUID], request: Request[Principal, Any, Any],
        commands: NamedDependency[CommandHandler], read_models: NamedDependency[ReadModels],
    ) -> Template:
        """The question before an occurrence (or the rest of its series) is cancelled, with
        the reason asked for; its answer is the cancellation's form."""
        form = room_forms.CancelForm(**{name: request.query_params.get(name, "")[:64]
                                        for name in ("room_id", "booking_id", "occurrence",
                                                     "scope")})
        return await self._cancel_question(request, commands, read_models, site_id, form)

    @post("/sites/{site_id:uuid}/cancellations", guards=[STAFF_OF_SITE])
    async def cancel(
        self, site_id: FromPath[UUID], request: Request[Principal, Any, Any],
        commands: NamedDependency[CommandHandler], read_models: NamedDependency[ReadModels],
        data: Annotated[room_forms.CancelForm, FORM],
    ) -> Template | Redirect:
        """Cancels one occurrence (``scope=occurrence``) or every one of the series still ahead
        (``scope=series``); a session's or training's occurrence goes with its booking."""
        t = translator(language_of(request))
        try:
            command = room_forms.cancel_command(data, now())
            if (await commands.state(ROOM(command.room_id))).site_id != site_id:
                raise FormError("room_id", "cancel.unknown")
            week = monday_of(local(room_forms.occurrence_of(data)).date())
            result = await commands.handle(
                ROOMS, command, form_metadata(request, "cancel", data.request_key))
        except FormError as error:
            if error.field == "reason":
                return await self._cancel_question(request, commands, read_models, site_id,
                                                   data, error=t(error.key))
            return await self._week_page(request, read_models, site_id, this_week(), None,
                                         status_code=422, cancel_error=t("cancel.unknown"))
        except Rejection as rejection:
            return await self._week_page(request, read_models, site_id, week, None,
                                         status_code=rejection.status,
                                         cancel_error=refusal_message(rejection, t))
        cancelled = first_of(result, RoomOccurrencesCancelled)
        return Redirect(
            f"/coordinator/sites/{site_id}/week?week={week}&min_position={result.position}"
            f"&cancelled={len(cancelled.occurrence_starts_at)}", status_code=303)

    async def _cancel_question(
        self, request: Request[Principal, Any, Any], commands: CommandHandler,
        read_models: ReadModels, site_id: UUID, form: room_forms.CancelForm,
        error: str | None = None,
    ) -> Template:
        t = translator(language_of(request))
        try:
            starts_at = local(room_forms.occurrence_of(form))
            room = await commands.state(ROOM(form_uuid("room_id", form.room_id)))
            booking = room.bookings.get(form_uuid("booking_id", form.booking_id))
            if room.site_id != site_id or booking is None:
                raise FormError("room_id", "cancel.unknown")
        except FormError:
            return await self._week_page(request, read_models, site_id, this_week(), None,
                                         status_code=422, cancel_error=t("cancel.unknown"))
        when = f"{t('weekday.' + str(starts_at.weekday()))} {starts_at:%d.%m.%Y %H:%M}"
        series = form.scope == "series"
        return page(
            request, "coordinator/confirm.html", status_code=422 if error else 200,
            heading=t("cancel.series_heading") if series else t("cancel.heading"),
            question=(t("cancel.series_question", title=booking.title, when=when) if series
                      else t("cancel.question", title=booking.title, when=when)),
            consequence=t("cancel.session_consequence") if booking.session_id else None,
            action=f"/coordinator/sites/{site_id}/cancellations",
            hidden={"room_id": form.room_id, "booking_id": form.booking_id,
                    "occurrence": form.occurrence, "scope": form.scope,
                    "request_key": form.request_key or fresh_key()},
            reason=True, reason_value=form.reason, error=error,
            reason_public=booking.session_id is not None,
            reason_public_value=bool(form.reason_public),
            confirm=t("cancel.confirm"),
            back=f"/coordinator/sites/{site_id}/week?week={monday_of(starts_at.date())}")

    @get("/sites/{site_id:uuid}/refreshers", guards=[STAFF_OF_SITE])
    async def refreshers(self, site_id: FromPath[UUID]) -> Redirect:
        """Who needs a refresher is on the trainings page now, with its action."""
        return Redirect(f"/coordinator/sites/{site_id}/trainings#refreshers-heading",
                        status_code=301)

    @get("/sites/{site_id:uuid}/attendance", guards=[STAFF_OF_SITE])
    async def attendance(
        self, site_id: FromPath[UUID], request: Request[Principal, Any, Any],
        read_models: NamedDependency[ReadModels], store: NamedDependency[EventStore],
        within_days: HELD_WITHIN_DAYS = 56, min_position: MinPosition = None,
        recorded: RECORDED = False,
    ) -> Template:
        return await self._attendance_page(request, read_models, store, site_id, within_days,
                                           min_position, recorded=recorded)

    @post("/sites/{site_id:uuid}/attendance", guards=[STAFF_OF_SITE])
    async def record_attendance(
        self, site_id: FromPath[UUID], request: Request[Principal, Any, Any],
        commands: NamedDependency[CommandHandler], read_models: NamedDependency[ReadModels],
        store: NamedDependency[EventStore], data: Annotated[attendance_forms.AttendanceForm, FORM],
    ) -> Template | Redirect:
        t = translator(language_of(request))
        try:
            command = attendance_forms.attendance_command(data, now())
            if (await commands.state(SESSION(command.session_id))).site_id != site_id:
                raise FormError("occurrence", "attendance.no_occurrence")
            result = await commands.handle(
                OFFERS, command, form_metadata(request, "attendance", data.request_key))
        except FormError as error:
            return await self._attendance_page(request, read_models, store, site_id, 56, None,
                                               status_code=422, form=data, field=error.field,
                                               message=t(error.key))
        except Rejection as rejection:
            field = (rejection.field if rejection.field in attendance_forms.FIELDS
                     else "occurrence")
            return await self._attendance_page(
                request, read_models, store, site_id, 56, None, status_code=rejection.status,
                form=data, field=field, message=refusal_message(rejection, t))
        return Redirect(f"/coordinator/sites/{site_id}/attendance"
                        f"?min_position={result.position}&recorded=true", status_code=303)

    @get("/sites/{site_id:uuid}/plan", guards=[STAFF_OF_SITE])
    async def plan(
        self, site_id: FromPath[UUID], request: Request[Principal, Any, Any],
        read_models: NamedDependency[ReadModels], min_position: MinPosition = None,
        planned: PLANNED = False,
    ) -> Template:
        return await self._plan_page(request, read_models, site_id, min_position,
                                     planned=planned)

    @post("/sites/{site_id:uuid}/shifts", guards=[STAFF_OF_SITE])
    async def plan_shift(
        self, site_id: FromPath[UUID], request: Request[Principal, Any, Any],
        commands: NamedDependency[CommandHandler], read_models: NamedDependency[ReadModels],
        data: Annotated[shift_forms.ShiftForm, FORM],
    ) -> Template | Redirect:
        t = translator(language_of(request))
        try:
            metadata = form_metadata(request, "shift", data.request_key)
            if data.weekly:
                result = await commands.handle(SHIFT_SERIES_DECIDER, shift_forms.
                                               shift_series_command(site_id, data, metadata,
                                                                    now()), metadata)
            else:
                result = await commands.handle(SHIFTS, shift_forms.shift_command(
                    site_id, data, metadata, now()), metadata)
        except FormError as error:
            return await self._plan_page(request, read_models, site_id, None, status_code=422,
                                         shift=data, shift_errors={error.field: t(error.key)})
        except Rejection as rejection:
            return await self._plan_page(
                request, read_models, site_id, None, status_code=rejection.status, shift=data,
                shift_errors={shift_forms.form_field(rejection.field):
                              refusal_message(rejection, t)})
        return Redirect(f"/coordinator/sites/{site_id}/plan?min_position={result.position}"
                        "&planned=true", status_code=303)

    @post("/sites/{site_id:uuid}/trainings", guards=[STAFF_OF_SITE])
    async def plan_training(
        self, site_id: FromPath[UUID], request: Request[Principal, Any, Any],
        commands: NamedDependency[CommandHandler], read_models: NamedDependency[ReadModels],
        data: Annotated[training_forms.TrainingForm, FORM],
    ) -> Template | Redirect:
        t = translator(language_of(request))
        try:
            metadata = form_metadata(request, "training", data.request_key)
            command = training_forms.training_command(site_id, data, metadata, now())
            result = await commands.handle(TRAININGS, command, metadata)
        except FormError as error:
            return await self._plan_page(request, read_models, site_id, None, status_code=422,
                                         training=data,
                                         training_errors={error.field: t(error.key)})
        except Rejection as rejection:
            if rejection.members.get("code") == "room_taken":
                return await self._plan_page(request, read_models, site_id, None,
                                             status_code=409, training=data,
                                             conflicts=local_conflicts(rejection))
            return await self._plan_page(
                request, read_models, site_id, None, status_code=rejection.status,
                training=data, training_errors={
                    training_forms.form_field(rejection.field): refusal_message(rejection, t)})
        first_day = local(command.starts_at).date()
        return Redirect(
            f"/coordinator/sites/{site_id}/week?week={monday_of(first_day).isoformat()}"
            f"&min_position={result.position}&booked=1", status_code=303)

    async def _week_page(
        self, request: Request[Principal, Any, Any], read_models: ReadModels, site_id: UUID,
        monday: date, min_position: int | None, *, status_code: int = 200, **shown: Any,
    ) -> Template:
        """The week from ``monday``; ``shown``: the rest of the page (``WeekPage``), e.g. a
        refused form as filled in and what was wrong beside it."""
        site, rooms = await reads.site_and_rooms(read_models, site_id, min_position)
        if site is None:
            return no_such_site(request)
        rooms = await reads.week_of_rooms(read_models, rooms, monday, min_position)
        shifts = await reads.week_of_shifts(read_models, site_id, monday, min_position)
        plans = day_plans(monday, datetime.now(BERLIN).date(), rooms, shifts,
                          translator(language_of(request))("week.shifts"),
                          booking_href=lambda room, entry: f"#{entry['anchor']}",
                          shift_href=lambda shift: f"/coordinator/shifts/{shift['id']}")
        context = WeekPage(
            site=site, sites=await reads.sites_of(read_models, request.user), rooms=rooms,
            plans=plans, monday=monday, form=shown.pop("form", None)
            or room_forms.BookingForm(date=monday.isoformat()), **shown)
        return page(request, "coordinator/week.html", context, status_code=status_code)

    async def _plan_page(
        self, request: Request[Principal, Any, Any], read_models: ReadModels, site_id: UUID,
        min_position: int | None, *, status_code: int = 200, **shown: Any,
    ) -> Template:
        """Both forms; after a refusal, the refused one as filled in, the reason at its field."""
        site, rooms = await reads.site_and_rooms(read_models, site_id, min_position)
        if site is None:
            return no_such_site(request)
        catalogue, _ = await reads.qualifications(read_models, language_of(request))
        context = PlanPage(site=site, rooms=rooms, catalogue=catalogue,
                           sessions=await reads.coming_sessions(read_models, site_id,
                                                                min_position), **shown)
        return page(request, "coordinator/plan.html", context, status_code=status_code)

    async def _attendance_page(
        self, request: Request[Principal, Any, Any], read_models: ReadModels, store: EventStore,
        site_id: UUID, within_days: int, min_position: int | None, *, status_code: int = 200,
        form: attendance_forms.AttendanceForm | None = None, **shown: Any,
    ) -> Template:
        """The list; after a refused form, that occurrence's input kept and the reason beside
        the field it concerns."""
        site, _ = await reads.site_and_rooms(read_models, site_id, min_position)
        if site is None:
            return no_such_site(request)
        held = await reads.held_occurrences(read_models, site_id, within_days, min_position)
        history = await reads.count_history(
            store, [o["session_id"] for o in held if o["visitors"] is not None])
        held = [{**o, "history": history.get(o["key"], [])} for o in held]
        failed = (attendance_forms.occurrence_key(form.session_id.strip(),
                                                  form.occurrence.strip()) if form else None)
        context = AttendancePage(
            site=site, within_days=within_days, form=form, failed=failed,
            unrecorded=[o for o in held if o["visitors"] is None],
            counted=[o for o in held if o["visitors"] is not None], **shown)
        return page(request, "coordinator/attendance.html", context, status_code=status_code)


def no_such_site(request: Request[Any, Any, Any]) -> Template:
    return page(request, "error.html", status_code=404,
                message=translator(language_of(request))("coordinator.no_site"))
