"""The coordinator's trainings ("Schulungen"): who needs a refresher, with one action to enrol
them into the next training that grants it; the coming trainings with who is enrolled (enrol
someone, take someone off after a question); the past ones, to mark who attended (which grants
the qualification).

Thin adapters: ``services.trainings.forms`` reads each form into the command its API route
builds; a refusal is shown at the top of the page in the words of ``services.pages.refusals``.
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

import asyncpg
from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Template

from events.store import EventStore
from services.auth.guards import ADMIN, COORDINATOR, for_site, from_path, requires_roles
from services.auth.tokens import Principal
from services.commands.handler import CommandHandler
from services.commands.http import now, site_of
from services.commands.rejections import Rejection
from services.pages import coordinator_reads as reads
from services.pages.coordinator import FORM, no_such_site
from services.pages.forms import FormError, VolunteerForm, form_metadata, fresh_key
from services.pages.i18n import language_of, translator
from services.pages.people_reads import names_of, site_volunteers
from services.pages.refusals import refusal_message
from services.pages.rendering import page
from services.reads.read_models import ReadModels
from services.reads.routes import MinPosition
from services.trainings import forms as training_forms
from services.trainings.decider import TRAININGS
from services.trainings.state import TRAINING

STAFF_OF_SITE = for_site(from_path("site_id"))
STAFF_OF_TRAINING = for_site(site_of(TRAINING, "training_id"))
DONE = Annotated[str | None, QueryParameter(name="done", max_length=32)]
DONE_WORDS = ("enrolled", "unenrolled", "completed")
ENROLMENT_CHANGES = {"enrol": "enrolled", "unenrol": "unenrolled"}
DAYS_BACK, DAYS_AHEAD, REFRESHER_DAYS = 90, 365, 60


class TrainingPages(Controller):
    path = "/coordinator"
    include_in_schema = False
    guards = [requires_roles(ADMIN, COORDINATOR)]

    @get("/sites/{site_id:uuid}/trainings", guards=[STAFF_OF_SITE])
    async def trainings(
        self, site_id: FromPath[UUID], request: Request[Principal, Any, Any],
        read_models: NamedDependency[ReadModels], store: NamedDependency[EventStore],
        pool: NamedDependency[asyncpg.Pool], min_position: MinPosition = None,
        done: DONE = None,
    ) -> Template:
        return await self._page(request, read_models, store, pool, site_id, min_position,
                                done=done if done in DONE_WORDS else None)

    @post("/trainings/{training_id:uuid}/enrolments/{change:str}", guards=[STAFF_OF_TRAINING])
    async def change_enrolment(
        self, training_id: FromPath[UUID], change: FromPath[str],
        request: Request[Principal, Any, Any], commands: NamedDependency[CommandHandler],
        read_models: NamedDependency[ReadModels], store: NamedDependency[EventStore],
        pool: NamedDependency[asyncpg.Pool], data: Annotated[VolunteerForm, FORM],
    ) -> Template | Redirect:
        """``change``: ``enrol`` or ``unenrol`` (the answer of the question before)."""
        if change not in ENROLMENT_CHANGES:
            raise NotFoundException()
        make = (training_forms.enrol_command if change == "enrol"
                else training_forms.unenrol_command)
        return await self._run(request, commands, read_models, store, pool, training_id,
                               lambda: make(training_id, data, now()), data.request_key,
                               ENROLMENT_CHANGES[change])

    @get("/trainings/{training_id:uuid}/unenrolment/{volunteer_id:uuid}",
         guards=[STAFF_OF_TRAINING])
    async def confirm_unenrolment(
        self, training_id: FromPath[UUID], volunteer_id: FromPath[UUID],
        request: Request[Principal, Any, Any], commands: NamedDependency[CommandHandler],
        read_models: NamedDependency[ReadModels], store: NamedDependency[EventStore],
        pool: NamedDependency[asyncpg.Pool],
    ) -> Template:
        t = translator(language_of(request))
        training = await commands.state(TRAINING(training_id))
        found = next((tr for tr in await reads.trainings_around(
            read_models, training.site_id, DAYS_BACK, DAYS_AHEAD, None)
            if tr["id"] == training_id), None)
        if found is None or volunteer_id not in found["enrolled"]:
            raise NotFoundException()  # nobody's name is shown but of those enrolled
        name = (await names_of(store, pool, [volunteer_id]))[volunteer_id] or t("roster.erased")
        return page(request, "coordinator/confirm.html",
                    heading=t("trainings.unenrol_heading"),
                    question=t("trainings.unenrol_question", name=name, title=found["title"],
                               when=found["starts_at"].strftime("%d.%m.%Y %H:%M")),
                    consequence=None,
                    action=f"/coordinator/trainings/{training_id}/enrolments/unenrol",
                    hidden={"volunteer_id": str(volunteer_id), "request_key": fresh_key()},
                    confirm=t("trainings.unenrol_confirm"), reason=False,
                    back=f"/coordinator/sites/{training.site_id}/trainings")

    @post("/trainings/{training_id:uuid}/completion", guards=[STAFF_OF_TRAINING])
    async def complete(
        self, training_id: FromPath[UUID], request: Request[Principal, Any, Any],
        commands: NamedDependency[CommandHandler], read_models: NamedDependency[ReadModels],
        store: NamedDependency[EventStore], pool: NamedDependency[asyncpg.Pool],
        data: Annotated[training_forms.CompletionForm, FORM],
    ) -> Template | Redirect:
        return await self._run(request, commands, read_models, store, pool, training_id,
                               lambda: training_forms.completion_command(training_id, data,
                                                                         now()),
                               data.request_key, "completed")

    async def _run(self, request: Request[Principal, Any, Any], commands: CommandHandler,
                   read_models: ReadModels, store: EventStore, pool: asyncpg.Pool,
                   training_id: UUID, make: Any, request_key: str, done: str
                   ) -> Template | Redirect:
        """Runs the form's command; back to the site's trainings, with the outcome or why not."""
        t = translator(language_of(request))
        site_id = (await commands.state(TRAINING(training_id))).site_id
        try:
            result = await commands.handle(TRAININGS, make(),
                                           form_metadata(request, done, request_key))
        except FormError as error:
            return await self._page(request, read_models, store, pool, site_id, None,
                                    status_code=422, error=t(error.key))
        except Rejection as rejection:
            return await self._page(request, read_models, store, pool, site_id, None,
                                    status_code=rejection.status,
                                    error=refusal_message(rejection, t, on_behalf=True))
        return Redirect(f"/coordinator/sites/{site_id}/trainings?min_position="
                        f"{result.position}&done={done}", status_code=303)

    async def _page(self, request: Request[Principal, Any, Any], read_models: ReadModels,
                    store: EventStore, pool: asyncpg.Pool, site_id: UUID,
                    min_position: int | None, *, status_code: int = 200,
                    **shown: Any) -> Template:
        site, _ = await reads.site_and_rooms(read_models, site_id, min_position)
        if site is None:
            return no_such_site(request)
        trainings = await reads.trainings_around(read_models, site_id, DAYS_BACK, DAYS_AHEAD,
                                                 min_position)
        names = await names_of(store, pool, {v for tr in trainings
                                             for v in [*tr["enrolled"], *tr["attended"]]})
        people = await site_volunteers(read_models, store, pool, site_id, min_position)
        refreshers = await reads.needing_refreshers(read_models, store, pool, site_id,
                                                    REFRESHER_DAYS)
        coming = [tr for tr in trainings if not tr["started"] and tr["status"] == "planned"]
        for person in refreshers:
            for q in person["qualifications"]:
                q["booked"] = next((tr for tr in coming if tr["qualification"] ==
                                    q["qualification"] and person["id"] in tr["enrolled"]),
                                   None)
                q["next"] = next((tr for tr in coming if tr["qualification"] ==
                                  q["qualification"] and len(tr["enrolled"]) < tr["capacity"]),
                                 None)
        return page(request, "coordinator/trainings.html", status_code=status_code,
                    site=site, coming=coming, refreshers=refreshers, names=names,
                    past=[tr for tr in trainings if tr["started"]][::-1], people=people,
                    named=(await reads.qualifications(read_models, language_of(request)))[1],
                    within_days=REFRESHER_DAYS, key=fresh_key, **shown)
