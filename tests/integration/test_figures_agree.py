"""The statistics page, the funding report and its timesheet never show two numbers for one
thing: over the demo's whole history, ``/api/stats/attendance`` and ``/api/reports/funding``
agree figure by figure (volunteer hours and their value included), for every site and month
and for every offer, and the timesheet's hours and value add up to the report's, for each site
and in all (all count with projections.figures)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from dateutil.relativedelta import relativedelta
from litestar.testing import AsyncTestClient

from events.offers import SessionScheduled
from events.shifts import ShiftCreated
from events.sites import SiteAdded
from events.trainings import TrainingPlanned
from projections.attendance_stats import ATTENDANCE_STATS
from services.platform.app import create_app
from services.demo.programme import AUDITOR, DEMO_PASSWORD
from tests.demo_store import Seeded
from tests.projecting import projecting

pytestmark = pytest.mark.integration

BERLIN = ZoneInfo("Europe/Berlin")
FIGURES = ("sessions_held", "sessions_cancelled", "sessions_unrecorded", "visitors",
           "volunteer_hours", "volunteer_hours_value", "trainings_held", "training_participants")
OFFER_FIGURES = FIGURES[:6]
UNRECORDED = "sessions_unrecorded"


def months_of(demo: Seeded) -> list[date]:
    """The first day of every Berlin month in which something of the demo begins."""
    starts = [o.starts_at for s in demo.of(SessionScheduled) for o in s.occurrences]
    starts += [s.starts_at for s in demo.of(ShiftCreated)]
    starts += [t.starts_at for t in demo.of(TrainingPlanned)]
    first, last = (moment.astimezone(BERLIN).date().replace(day=1)
                   for moment in (min(starts), max(starts)))
    months = [first]
    while months[-1] < last:
        months.append(months[-1] + relativedelta(months=1))
    return months


def midnight(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), BERLIN)


def occurrence_months_between(demo: Seeded, earliest: datetime, latest: datetime) -> set[str]:
    """Months with an occurrence beginning between two instants: its ``sessions_unrecorded``
    may move from one read to the next as the clock passes it."""
    return {o.starts_at.astimezone(BERLIN).strftime("%Y-%m")
            for s in demo.of(SessionScheduled) for o in s.occurrences
            if earliest <= o.starts_at <= latest}


def pick(figures: dict[str, Any], names: tuple[str, ...], unsettled: bool) -> dict[str, Any]:
    return {name: figures.get(name, 0) for name in names if not (unsettled and name == UNRECORDED)}


class Reader:
    def __init__(self, client: AsyncTestClient, token: str, min_position: int) -> None:
        self.client, self.token, self.min_position = client, token, min_position

    async def get(self, path: str, **query: Any) -> dict[str, Any]:
        response = await self.client.get(
            path, params={k: str(v) for k, v in query.items() if v is not None},
            headers={"Authorization": f"Bearer {self.token}"})
        assert response.status_code == 200, f"{path} {query}: {response.text}"
        return response.json()

    async def statistics(self, first: date, after_last: date, group_by: str,
                         site_id: str | None = None) -> dict[str | None, dict[str, Any]]:
        """The groups by key, and the totals under the key "totals"."""
        stats = await self.get("/api/stats/attendance", group_by=group_by, site_id=site_id,
                               min_position=self.min_position,
                               **{"from": midnight(first).isoformat(),
                                  "to": midnight(after_last).isoformat()})
        return {**{group["key"]: group for group in stats["groups"]}, "totals": stats["totals"]}

    async def report(self, first: date, after_last: date,
                     site_id: str | None = None) -> dict[str, Any]:
        return await self.get("/api/reports/funding", site_id=site_id, format="json",
                              **{"from": first.isoformat(),
                                 "to": (after_last - timedelta(days=1)).isoformat()})


def month_pairs(months: list[date]) -> Iterator[tuple[date, date]]:
    yield from ((month, month + relativedelta(months=1)) for month in months)


async def test_statistics_and_funding_report_agree_for_every_site_month_and_offer(
    demo: Seeded,
):
    months = months_of(demo)
    first, after_last = months[0], months[-1] + relativedelta(months=1)
    sites = sorted(str(site.site_id) for site in demo.of(SiteAdded))
    async with AsyncTestClient(create_app(demo.settings)) as client:
        signed_in = await client.post("/api/auth/token",
                                      json={"email": AUDITOR, "password": DEMO_PASSWORD})
        assert signed_in.status_code == 200, signed_in.text
        with projecting(demo.settings.database_url, (ATTENDANCE_STATS,)):
            reader = Reader(client, signed_in.json()["access_token"],
                            await demo.store.head_position())
            began = datetime.now(UTC)
            stats = {site: await reader.statistics(first, after_last, "month", site)
                     for site in sites}
            stats_by_month = await reader.statistics(first, after_last, "month")
            stats_by_offer = await reader.statistics(first, after_last, "offer")
            reports = {(site, month): await reader.report(month, end, site)
                       for site in sites for month, end in month_pairs(months)}
            whole = await reader.report(first, after_last)
            timesheets = {site: await reader.get(
                "/api/reports/funding/timesheet", site_id=site, format="json",
                **{"from": first.isoformat(),
                   "to": (after_last - timedelta(days=1)).isoformat()}) for site in sites}
            ended = datetime.now(UTC)
    unsettled = occurrence_months_between(demo, began, ended)
    compared = 0

    for (site, month), report in reports.items():
        key = month.strftime("%Y-%m")
        [reported] = [s["totals"] for s in report["sites"] if s["site_id"] == site] or [{}]
        counted = stats[site].get(key, {})  # no group: nothing began there then
        assert pick(reported, FIGURES, key in unsettled) == pick(
            counted, FIGURES, key in unsettled), f"site {site}, {key}"
        compared += any(reported.get(name) for name in FIGURES)
    assert compared >= 3 * len(sites), "the demo should have figures in most months"

    stats_totals = stats_by_month.pop("totals")
    report_months = {m["month"]: m for m in whole["months"]}
    for key in report_months.keys() | stats_by_month.keys():
        names = ("sessions_held", "visitors")
        assert pick(report_months.get(key, {}), names, False) == pick(
            stats_by_month.get(key, {}), names, False), key

    stats_by_offer.pop("totals")
    offers = {o["offer_id"]: o for s in whole["sites"] for o in s["offers"]}
    assert offers
    for offer_id in offers.keys() | {key for key in stats_by_offer if key is not None}:
        assert pick(offers.get(offer_id, {}), OFFER_FIGURES, bool(unsettled)) == pick(
            stats_by_offer.get(offer_id, {}), OFFER_FIGURES, bool(unsettled)), offer_id
    assert pick(whole["totals"], FIGURES, bool(unsettled)) == pick(
        stats_totals, FIGURES, bool(unsettled))
    assert whole["totals"]["volunteer_hours_value"] > whole["totals"]["volunteer_hours"] * 15

    for site, sheet in timesheets.items():
        [reported] = [s["totals"] for s in whole["sites"] if s["site_id"] == site]
        assert (sheet["hours"], sheet["value"]) == (
            reported["volunteer_hours"], reported["volunteer_hours_value"]), site
        assert sheet["lines"], site
