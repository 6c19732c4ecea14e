"""The funding programme's settings (API.md, "Second wave"): recorded as events, so that a
report as of any instant uses the settings of that instant."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, put
from litestar.di import NamedDependency
from litestar.params import JSONBody

from services.auth.guards import ADMIN, requires_roles
from services.auth.tokens import Principal
from services.commands.handler import CommandHandler
from services.commands.http import Positioned, Title, metadata_for, now
from services.commands.text import ONE_LINE
from services.funding.decider import (
    FUNDING_SETTINGS,
    MOST_EUR_PER_HOUR,
    ChangeFundingSettings,
)
from services.platform.problems import WRITE_PROBLEMS

Reference = Annotated[str, msgspec.Meta(min_length=1, max_length=100, pattern=ONE_LINE)]


class NewFundingSettings(msgspec.Struct, forbid_unknown_fields=True):
    provider: Title
    programme: Title
    funding_reference: Reference
    eur_per_volunteer_hour: Annotated[float, msgspec.Meta(ge=0, le=MOST_EUR_PER_HOUR)]
    valid_from: date


class FundingSettingsController(Controller):
    path = "/api/funding/settings"
    tags = ["reports"]

    @put("/", guards=[requires_roles(ADMIN)], status_code=200,
         summary="Record the funding settings valid from a day on (provider, programme, "
                 "reference, EUR per volunteer hour)", responses=WRITE_PROBLEMS)
    async def change(
        self, data: JSONBody[NewFundingSettings], commands: NamedDependency[CommandHandler],
        request: Request[Principal, Any, Any],
    ) -> Positioned:
        result = await commands.handle(FUNDING_SETTINGS, ChangeFundingSettings(
            provider=data.provider, programme=data.programme,
            funding_reference=data.funding_reference,
            eur_per_volunteer_hour=data.eur_per_volunteer_hour, valid_from=data.valid_from,
            now=now(),
        ), metadata_for(request))
        return Positioned(position=result.position)
