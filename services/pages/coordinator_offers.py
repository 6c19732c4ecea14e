"""The coordinator's offers ("Angebote"): the site's offers with their coming dates, a new
offer, its title, category and description changed ("Bearbeiten"), and its sessions once or weekly (the room booked in the same step, conflicts listed
beside the form); a date is cancelled through the week view's question (with a reason). Per
offer, whether the public programme lists it and its public description; and the Dorftreff's
address and contact line the public programme shows.

Thin adapters: ``services.offers.forms`` reads each form into the command its API route builds.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Template

from events.offers import CATEGORIES
from projections import programme
from services.auth.guards import ADMIN, COORDINATOR, for_site, from_path, requires_roles
from services.auth.tokens import Principal
from services.commands.decider import Decider
from services.commands.handler import CommandHandler
from services.commands.http import now
from services.commands.rejections import Rejection
from services.offers import forms as offer_forms
from services.offers.decider import OFFERS, ChangeOffer, SetOfferPublication
from services.offers.staffing import STAFFING
from services.offers.state import OFFER
from services.pages import coordinator_reads as reads
from services.pages.coordinator import FORM, local_conflicts, no_such_site
from services.pages.forms import FormError, form_metadata, fresh_key
from services.pages.i18n import language_of, translator
from services.pages.refusals import refusal_message
from services.pages.rendering import page
from services.reads.read_models import ReadModels
from services.reads.routes import MinPosition
from services.rooms import forms as room_forms
from services.sites import forms as site_forms
from services.sites.decider import SITES, SetSiteContact

STAFF_OF_SITE = for_site(from_path("site_id"))
DAYS_AHEAD = 35
DONE = Annotated[str | None, QueryParameter(name="done", max_length=32)]
DONE_WORDS = ("offer", "details", "sessions", "shift_plan", "publication", "contact")


async def require_offer_of(commands: CommandHandler, site_id: UUID, offer_id: UUID) -> None:
    """An offer of another site (or none) is not on this site's page: ``404``, not a refusal
    shown beside a form the page does not have."""
    if (await commands.state(OFFER(offer_id))).site_id != site_id:
        raise NotFoundException("no such offer at this site")


class OffersPage(msgspec.Struct, kw_only=True):
    site: dict[str, Any]
    rooms: list[dict[str, Any]]
    offers: list[dict[str, Any]]
    categories: list[str]
    days_ahead: int = DAYS_AHEAD
    offer: offer_forms.OfferForm = msgspec.field(default_factory=offer_forms.OfferForm)
    offer_errors: dict[str, str] = {}
    session: room_forms.BookingForm | None = None
    session_offer: str | None = None
    """The offer whose session form was refused (its input kept, the reason beside it)."""
    session_errors: dict[str, str] = {}
    conflicts: list[dict[str, Any]] = []
    catalogue: list[dict[str, Any]] = []
    shift_plan: offer_forms.ShiftPlanForm | None = None
    plan_offer: str | None = None
    """The offer whose shift plan was refused (its input kept, the reason beside it)."""
    plan_errors: dict[str, str] = {}
    details: offer_forms.DetailsForm | None = None
    details_offer: str | None = None
    """The offer whose edit form was refused (its input kept, the reason beside it)."""
    details_errors: dict[str, str] = {}
    publication: offer_forms.PublicationForm | None = None
    publication_offer: str | None = None
    """The offer whose publication form was refused (its input kept, the reason beside it)."""
    publication_errors: dict[str, str] = {}
    contact: site_forms.ContactForm | None = None
    """The site's address and contact line as the public programme shows them (or as typed)."""
    contact_errors: dict[str, str] = {}
    contact_key: str = msgspec.field(default_factory=fresh_key)
    done: str | None = None
    offer_key: str = msgspec.field(default_factory=fresh_key)


class OfferPages(Controller):
    path = "/coordinator/sites/{site_id:uuid}"
    include_in_schema = False
    guards = [requires_roles(ADMIN, COORDINATOR), STAFF_OF_SITE]

    @get("/offers")
    async def offers(
        self, site_id: FromPath[UUID], request: Request[Principal, Any, Any],
        read_models: NamedDependency[ReadModels], min_position: MinPosition = None,
        done: DONE = None,
    ) -> Template:
        return await self._page(request, read_models, site_id, min_position,
                                done=done if done in DONE_WORDS else None)

    @post("/offers")
    async def create(
        self, site_id: FromPath[UUID], request: Request[Principal, Any, Any],
        commands: NamedDependency[CommandHandler], read_models: NamedDependency[ReadModels],
        data: Annotated[offer_forms.OfferForm, FORM],
    ) -> Template | Redirect:
        t = translator(language_of(request))
        try:
            metadata = form_metadata(request, "offer", data.request_key)
            result = await commands.handle(
                OFFERS, offer_forms.offer_command(site_id, data, metadata, now()), metadata)
        except FormError as error:
            return await self._page(request, read_models, site_id, None, status_code=422,
                                    offer=data, offer_errors={error.field: t(error.key)})
        except Rejection as rejection:
            field = rejection.field if rejection.field in offer_forms.OFFER_FIELDS else "title"
            return await self._page(request, read_models, site_id, None,
                                    status_code=rejection.status, offer=data,
                                    offer_errors={field: refusal_message(rejection, t)})
        return Redirect(f"/coordinator/sites/{site_id}/offers?min_position={result.position}"
                        "&done=offer", status_code=303)

    @post("/offers/{offer_id:uuid}/sessions")
    async def schedule(
        self, site_id: FromPath[UUID], offer_id: FromPath[UUID],
        request: Request[Principal, Any, Any], commands: NamedDependency[CommandHandler],
        read_models: NamedDependency[ReadModels],
        data: Annotated[room_forms.BookingForm, FORM],
    ) -> Template | Redirect:
        t = translator(language_of(request))
        refused: dict[str, Any] = {"session": data, "session_offer": str(offer_id)}
        try:
            await require_offer_of(commands, site_id, offer_id)
            metadata = form_metadata(request, "sessions", data.request_key)
            result = await commands.handle(
                OFFERS, offer_forms.session_command(offer_id, data, metadata, now()), metadata)
        except FormError as error:
            return await self._page(request, read_models, site_id, None, status_code=422,
                                    session_errors={error.field: t(error.key)}, **refused)
        except Rejection as rejection:
            if rejection.members.get("code") == "room_taken":
                return await self._page(request, read_models, site_id, None, status_code=409,
                                        conflicts=local_conflicts(rejection), **refused)
            field = room_forms.FIELD_OF.get(rejection.field, "date")
            return await self._page(request, read_models, site_id, None,
                                    status_code=rejection.status,
                                    session_errors={field: refusal_message(rejection, t)},
                                    **refused)
        return Redirect(f"/coordinator/sites/{site_id}/offers?min_position={result.position}"
                        "&done=sessions", status_code=303)

    @post("/offers/{offer_id:uuid}/shift-plans")
    async def plan_shifts(
        self, site_id: FromPath[UUID], offer_id: FromPath[UUID],
        request: Request[Principal, Any, Any], commands: NamedDependency[CommandHandler],
        read_models: NamedDependency[ReadModels],
        data: Annotated[offer_forms.ShiftPlanForm, FORM],
    ) -> Template | Redirect:
        """Every session of the offer needs this shift: one for each date ahead, and for the
        dates scheduled later."""
        t = translator(language_of(request))
        refused: dict[str, Any] = {"shift_plan": data, "plan_offer": str(offer_id)}
        try:
            await require_offer_of(commands, site_id, offer_id)
            metadata = form_metadata(request, "shift-plan", data.request_key)
            result = await commands.handle(STAFFING, offer_forms.shift_plan_command(
                offer_id, data, metadata, now()), metadata)
        except FormError as error:
            return await self._page(request, read_models, site_id, None, status_code=422,
                                    plan_errors={error.field: t(error.key)}, **refused)
        except Rejection as rejection:
            field = ("qualifications" if rejection.field.startswith("required_qualifications")
                     else offer_forms.PLAN_FIELD_OF.get(rejection.field, "title"))
            return await self._page(request, read_models, site_id, None,
                                    status_code=rejection.status,
                                    plan_errors={field: refusal_message(rejection, t)},
                                    **refused)
        return Redirect(f"/coordinator/sites/{site_id}/offers?min_position={result.position}"
                        "&done=shift_plan", status_code=303)

    @post("/offers/{offer_id:uuid}/details")
    async def change(
        self, site_id: FromPath[UUID], offer_id: FromPath[UUID],
        request: Request[Principal, Any, Any], commands: NamedDependency[CommandHandler],
        read_models: NamedDependency[ReadModels],
        data: Annotated[offer_forms.DetailsForm, FORM],
    ) -> Template | Redirect:
        """The offer's title, category and description from now on."""
        async def command() -> ChangeOffer:
            await require_offer_of(commands, site_id, offer_id)
            return offer_forms.details_command(offer_id, data, now())

        return await self._decided(
            request, commands, read_models, site_id, OFFERS, command, data.request_key,
            offer_forms.DETAILS_FIELDS, "details", f"#offer-{offer_id}",
            details=data, details_offer=str(offer_id))

    @post("/offers/{offer_id:uuid}/publication")
    async def publish(
        self, site_id: FromPath[UUID], offer_id: FromPath[UUID],
        request: Request[Principal, Any, Any], commands: NamedDependency[CommandHandler],
        read_models: NamedDependency[ReadModels],
        data: Annotated[offer_forms.PublicationForm, FORM],
    ) -> Template | Redirect:
        """Whether the offer is in the public programme, and its public description."""
        async def command() -> SetOfferPublication:
            await require_offer_of(commands, site_id, offer_id)
            return offer_forms.publication_command(offer_id, data, now())

        return await self._decided(
            request, commands, read_models, site_id, OFFERS, command, data.request_key,
            offer_forms.PUBLICATION_FIELDS, "publication", f"#offer-{offer_id}",
            publication=data, publication_offer=str(offer_id))

    @post("/contact")
    async def contact(
        self, site_id: FromPath[UUID], request: Request[Principal, Any, Any],
        commands: NamedDependency[CommandHandler], read_models: NamedDependency[ReadModels],
        data: Annotated[site_forms.ContactForm, FORM],
    ) -> Template | Redirect:
        """The site's address and contact line, as the public programme shows them."""
        async def command() -> SetSiteContact:
            return site_forms.contact_command(site_id, data, now())

        return await self._decided(
            request, commands, read_models, site_id, SITES, command, data.request_key,
            site_forms.FIELDS, "contact", "#dorftreff", contact=data)

    async def _decided(self, request: Request[Principal, Any, Any], commands: CommandHandler,
                       read_models: ReadModels, site_id: UUID, decider: Decider[Any],
                       command: Callable[[], Awaitable[Any]], request_key: str,
                       fields: tuple[str, ...], done: str, anchor: str,
                       **refused: Any) -> Template | Redirect:
        """One form's command through the handler: back to the page with ``done`` (at
        ``anchor``), or the page again with the input kept and the reason at the form's field
        (``<done>_errors``; a refusal about another field is shown at the first)."""
        t = translator(language_of(request))
        try:
            metadata = form_metadata(request, done, request_key)
            result = await commands.handle(decider, await command(), metadata)
        except FormError as error:
            return await self._page(request, read_models, site_id, None, status_code=422,
                                    **{f"{done}_errors": {error.field: t(error.key)}},
                                    **refused)
        except Rejection as rejection:
            field = rejection.field if rejection.field in fields else fields[0]
            return await self._page(request, read_models, site_id, None,
                                    status_code=rejection.status,
                                    **{f"{done}_errors": {field: refusal_message(rejection, t)}},
                                    **refused)
        return Redirect(f"/coordinator/sites/{site_id}/offers?min_position={result.position}"
                        f"&done={done}{anchor}", status_code=303)

    async def _page(self, request: Request[Principal, Any, Any], read_models: ReadModels,
                    site_id: UUID, min_position: int | None, *, status_code: int = 200,
                    **shown: Any) -> Template:
        site, rooms = await reads.site_and_rooms(read_models, site_id, min_position)
        if site is None:
            return no_such_site(request)
        offers = await reads.offers_with_dates(read_models, site_id, rooms, DAYS_AHEAD,
                                               min_position)
        catalogue, _ = await reads.qualifications(read_models, language_of(request))
        (public_site, published), _ = await read_models.read(
            programme.PROGRAMME, min_position,
            lambda connection: programme.publication(connection, site_id))
        shown.setdefault("contact", site_forms.ContactForm(
            address=(public_site or {}).get("address") or "",
            contact=(public_site or {}).get("contact") or ""))
        context = OffersPage(
            site=site, rooms=rooms, categories=sorted(CATEGORIES), catalogue=catalogue,
            offers=[{**o, **published.get(o["id"], {"public": None}),
                     "session_key": fresh_key(), "plan_key": fresh_key(),
                     "publication_key": fresh_key(), "details_key": fresh_key()}
                    for o in offers],
            **shown)
        return page(request, "coordinator/offers.html", context, status_code=status_code)
