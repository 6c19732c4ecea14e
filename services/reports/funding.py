"""The funding report and its changes for the API and the pages, with HTTP's view of failure.

The assembly lives in ``projections.funding_report`` (a worker replays it too, for a long
history); here its ``NotSealedYet`` becomes the 503 with Retry-After a client can act on.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from events.store import EventStore
from projections import funding_report as assembly
from projections.timesheet import Timesheet, TimesheetLine
from projections import timesheet as timesheets
from projections.funding_report import (
    Cause,
    FigureChange,
    FundingChanges,
    FundingReport,
    LedgerHead,
    Month,
    NotSealedYet,
    OfferFigures,
    Period,
    SiteFigures,
)
from services.platform.problems import Problem

__all__ = [
    "Cause", "FigureChange", "FundingChanges", "FundingReport", "LedgerHead", "Month",
    "OfferFigures", "Period", "SiteFigures", "funding_changes", "funding_report",
    "not_sealed_yet", "sealed_head", "Timesheet", "TimesheetLine", "funding_timesheet",
]


def not_sealed_yet() -> Problem:
    return Problem(503, "History not sealed yet",
                   "Recent events are still being sealed; try again shortly.",
                   headers={"Retry-After": "1"})


async def sealed_head(store: EventStore) -> int:
    """Seal everything committed before the request; the number of sealed events."""
    try:
        return await assembly.sealed_head(store)
    except NotSealedYet:
        raise not_sealed_yet() from None


async def funding_report(
    store: EventStore, period: Period, as_of: datetime | None,
    site_ids: frozenset[UUID] | None, *, up_to: int | None = None,
) -> FundingReport:
    try:
        return await assembly.funding_report(store, period, as_of, site_ids, up_to=up_to)
    except NotSealedYet:
        raise not_sealed_yet() from None


async def funding_changes(
    store: EventStore, period: Period, since: datetime, until: datetime,
    *, up_to: int | None = None, site_ids: frozenset[UUID] | None = None,
) -> FundingChanges:
    try:
        return await assembly.funding_changes(store, period, since, until, up_to=up_to,
                                              site_ids=site_ids)
    except NotSealedYet:
        raise not_sealed_yet() from None


async def funding_timesheet(
    store: EventStore, period: Period, as_of: datetime, site_ids: frozenset[UUID] | None,
    *, up_to: int | None = None,
) -> Timesheet:
    try:
        return await timesheets.funding_timesheet(store, period, as_of, site_ids, up_to=up_to)
    except NotSealedYet:
        raise not_sealed_yet() from None
