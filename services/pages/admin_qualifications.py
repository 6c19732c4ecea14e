"""The admin's qualification catalogue ("Qualifikationen"): every code with its German and
English name and default validity; a form defines a new code or renames one (the same command
as ``POST /api/qualifications``). Shifts and trainings pick from this catalogue."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

import msgspec
from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import QueryParameter
from litestar.response import Redirect, Template

from projections import qualification_catalogue
from services.auth.guards import ADMIN, requires_roles
from services.auth.tokens import Principal
from services.commands.handler import CommandHandler
from services.commands.http import now
from services.commands.rejections import Rejection
from services.pages.coordinator import FORM
from services.pages.forms import FormError, form_metadata, fresh_key
from services.pages.i18n import language_of, translator
from services.pages.refusals import refusal_message
from services.pages.rendering import page
from services.qualifications import forms as qualification_forms
from services.qualifications.decider import QUALIFICATIONS
from services.reads.read_models import ReadModels
from services.reads.routes import MinPosition

CODE = Annotated[str | None, QueryParameter(name="code", max_length=200)]
DONE = Annotated[str | None, QueryParameter(name="done", max_length=200)]


class CataloguePage(msgspec.Struct, kw_only=True):
    catalogue: list[dict[str, Any]]
    form: qualification_forms.QualificationForm
    errors: dict[str, str] = {}
    done: str | None = None
    """The code just defined or renamed."""


class QualificationPages(Controller):
    path = "/coordinator/qualifications"
    include_in_schema = False
    guards = [requires_roles(ADMIN)]

    @get("/")
    async def catalogue(
        self, request: Request[Principal, Any, Any], read_models: NamedDependency[ReadModels],
        min_position: MinPosition = None, code: CODE = None, done: DONE = None,
    ) -> Template:
        """With ``code``: the form holds that code's names, to rename it."""
        return await self._page(request, read_models, min_position, code=code, done=done)

    @post("/")
    async def define(
        self, request: Request[Principal, Any, Any], commands: NamedDependency[CommandHandler],
        read_models: NamedDependency[ReadModels],
        data: Annotated[qualification_forms.QualificationForm, FORM],
    ) -> Template | Redirect:
        t = translator(language_of(request))
        try:
            metadata = form_metadata(request, "qualification", data.request_key)
            result = await commands.handle(
                QUALIFICATIONS, qualification_forms.define_command(data, now()), metadata)
        except FormError as error:
            return await self._page(request, read_models, None, status_code=422, form=data,
                                    errors={error.field: t(error.key)})
        except Rejection as rejection:
            field = qualification_forms.FIELD_OF.get(rejection.field, "code")
            return await self._page(request, read_models, None, status_code=rejection.status,
                                    form=data, errors={field: refusal_message(rejection, t)})
        query = urlencode({"min_position": result.position, "done": data.code.strip()})
        return Redirect(f"/coordinator/qualifications/?{query}", status_code=303)

    async def _page(self, request: Request[Principal, Any, Any], read_models: ReadModels,
                    min_position: int | None, *, status_code: int = 200,
                    code: str | None = None,
                    form: qualification_forms.QualificationForm | None = None,
                    **shown: Any) -> Template:
        rows, _ = await read_models.read(qualification_catalogue.QUALIFICATION_CATALOGUE,
                                         min_position, qualification_catalogue.catalogue)
        if form is None:
            chosen = next((row for row in rows if row["code"] == code), None)
            form = qualification_forms.QualificationForm(request_key=fresh_key()) if (
                chosen is None) else qualification_forms.QualificationForm(
                code=chosen["code"], name_de=chosen["name"]["de"], name_en=chosen["name"]["en"],
                months=str(chosen["default_valid_for_months"]), request_key=fresh_key())
        return page(request, "coordinator/qualifications.html",
                    CataloguePage(catalogue=rows, form=form, **shown), status_code=status_code)
