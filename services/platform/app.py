"""create_app(settings): the one place where the Litestar application is wired."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from litestar import Litestar
from litestar.datastructures import State
from litestar.middleware.base import DefineMiddleware
from litestar.openapi import OpenAPIConfig

from services.accounts.routes import AccountsController, SignInController
from services.audit.routes import AuditController
from services.funding.routes import FundingSettingsController
from services.handovers.routes import HandoversController
from services.hours.routes import HoursController
from services.auth.middleware import TokenAuthentication
from services.auth.client_limits import client_limits
from services.auth.throttle import SignInThrottle
from services.platform.json_bodies import JSONRequest
from services.platform.keys import derive_keys, secret_of
from services.platform.http_headers import head_as_get, security_headers
from services.platform.in_flight import bounded_in_flight
from services.offers.reads import list_offers
from services.notifications.routes import NotificationSettingsController, NotificationsController
from services.offers.routes import OffersController
from services.qualifications.routes import QualificationsController
from services.operations.routes import OperationsController
from services.programme.pages import PAGE_PATHS as PROGRAMME_PAGES, ProgrammePages
from services.programme.routes import PUBLIC_PATHS, ProgrammeController
from services.pages.wiring import PAGE_PATHS, csrf_config, page_handlers, template_config
from services.reports.routes import ReportsController
from services.rooms.reads import RoomReadsController
from services.rooms.routes import RoomsController
from services.shifts.reads import list_shifts, roster
from services.shifts.routes import ShiftsController
from services.shifts.series_routes import ShiftSeriesController
from services.sites.reads import list_sites
from services.sites.routes import SitesController
from services.stats.routes import StatsController
from services.trainings.reads import TrainingRecordsController
from services.trainings.routes import TrainingsController
from services.volunteers.routes import VolunteersController
from services.platform.problems import exception_handlers
from services.platform.resources import dependencies, open_resources
from services.platform.settings import Settings
from services.volunteers.schedule import FEED_PATH_PATTERN, VolunteerScheduleController

MAX_BODY_BYTES = 1_000_000


def create_app(settings: Settings) -> Litestar:
    keys = derive_keys(secret_of(settings))

    @contextlib.asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        async with open_resources(settings) as resources:
            app.state.resources = resources
            app.state.sign_in_throttle = SignInThrottle(resources.redis, settings.broker_namespace)
            app.state.client_limits = client_limits(resources.redis, settings.broker_namespace)
            yield

    app = Litestar(
        route_handlers=[
            OperationsController,
            SignInController,
            AccountsController,
            VolunteersController,
            NotificationSettingsController,
            NotificationsController,
            HoursController,
            FundingSettingsController,
            SitesController,
            RoomsController,
            OffersController,
            ShiftsController,
            HandoversController,
            TrainingsController,
            QualificationsController,
            ShiftSeriesController,
            list_sites,  # the read handlers come after the write controllers of their paths
            RoomReadsController,
            list_offers,
            list_shifts,
            roster,
            VolunteerScheduleController,
            ReportsController,
            AuditController,
            TrainingRecordsController,
            StatsController,
            ProgrammeController,
            ProgrammePages,
            *page_handlers(),
        ],
        state=State({"secret_keys": keys, "token_key": keys.tokens,
                     "public_url": settings.public_base_url()}),
        middleware=[
            # The API's bearer tokens; the pages read the session cookie through their own.
            DefineMiddleware(
                TokenAuthentication,
                exclude=[
                    "^/health$", "^/ready$", "^/metrics$", "^/schema", PAGE_PATHS,
                    FEED_PATH_PATTERN,  # calendar apps send the feed's ?token= instead
                    PUBLIC_PATHS, PROGRAMME_PAGES,  # the public programme: anyone, no sign-in
                ],
            )
        ],
        lifespan=[lifespan],
        dependencies=dependencies(),
        exception_handlers=exception_handlers,
        request_class=JSONRequest,
        request_max_body_size=MAX_BODY_BYTES,
        template_config=template_config(),
        csrf_config=csrf_config(keys),
        openapi_config=OpenAPIConfig(title="Treffpunkt", version="0.1.0", path="/schema"),
        before_send=[security_headers],
    )
    # Before routing, which knows no HEAD; the bound refuses before anything else is done.
    app.asgi_handler = head_as_get(bounded_in_flight(app.asgi_handler, settings.max_in_flight))
    return app
