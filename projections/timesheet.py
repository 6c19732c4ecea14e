"""The timesheet annex of the funding proof: volunteer hours per person and day, as of any
instant, from the same sealed history and the same facts as the report.

``FundingHistory.per_person`` splits each confirmed shift's hours per person
(``figures.served_by``) and keeps the timesheet lines; ``projections.figures`` counts and values
them as it does for the report, grouped here by volunteer, Berlin day, site and activity. So the
timesheet's hours and values add up to the report's (tested over the demo).

Names are not here: the history holds them only as ciphertext. The caller puts a name to each
``volunteer_id`` (``erased`` ones have none).
"""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

import msgspec

from events.interface import Store
from projections.figures import BERLIN, Counted, Facts, Tally, by_month, tally, total
from projections.funding import FundingHistory
from projections.funding_report import (
    FundingSettings,
    LedgerHead,
    Period,
    funding_settings,
    sealed_history,
)


class TimesheetLine(msgspec.Struct, kw_only=True):
    volunteer_id: UUID
    name: str | None = None
    """Put in by the service; "gelöscht" once the volunteer's personal data is erased."""
    erased: bool
    day: date
    site_id: UUID
    site: str
    village: str = ""
    offer_id: UUID | None
    activity: str
    hours: float
    value: float
    """EUR, at the rate valid on the day."""


class Person(msgspec.Struct, kw_only=True):
    """A volunteer's hours and their value in the period: the exact sum, rounded once."""

    volunteer_id: UUID
    name: str | None = None
    erased: bool
    hours: float
    value: float


class Timesheet(msgspec.Struct, kw_only=True):
    from_: date = msgspec.field(name="from")
    to: date
    as_of: datetime
    site_ids: list[UUID] | None
    ledger_head: LedgerHead
    eur_per_volunteer_hour: float | None
    funding: FundingSettings | None = None
    lines: list[TimesheetLine]
    """By volunteer, then day; one line per volunteer, day, site and activity."""
    people: list[Person] = []
    """Each volunteer's total."""
    volunteers: int
    hours: float
    value: float


Key = tuple[UUID, date, UUID, UUID | None, str]


def _key(item: Counted) -> Key:
    assert item.row is not None
    return (item.row["volunteer_id"], item.starts_at.astimezone(BERLIN).date(), item.site_id,
            item.offer_id, item.row.get("activity") or "")


def timesheet_of(history: FundingHistory, period: Period, as_of: datetime,
                 site_ids: frozenset[UUID] | None, head: LedgerHead) -> Timesheet:
    sums: dict[Key, Tally] = tally(history.per_person(), _key, from_=period.start,
                                   to=period.end, now=as_of, site_ids=site_ids)
    lines = [
        TimesheetLine(volunteer_id=volunteer_id, erased=volunteer_id in history.erased, day=day,
                      site_id=site_id, site=history.site_name(site_id, "?"),
                      village=history.village(site_id), offer_id=offer_id,
                      activity=activity, hours=shown.volunteer_hours,
                      value=shown.volunteer_hours_value)
        for (volunteer_id, day, site_id, offer_id, activity), sums_of in sums.items()
        if (shown := sums_of.shown()).volunteer_hours or sums_of.volunteer_seconds
    ]
    lines.sort(key=lambda line: (str(line.volunteer_id), line.day, line.site, line.activity))
    overall = total(sums.values()).shown()
    per_person: dict[UUID, Tally] = {}
    for (volunteer_id, *_), sums_of in sums.items():
        per_person.setdefault(volunteer_id, Tally()).add(sums_of)
    people = [Person(volunteer_id=volunteer_id, erased=volunteer_id in history.erased,
                     hours=(shown := sums_of.shown()).volunteer_hours,
                     value=shown.volunteer_hours_value)
              for volunteer_id, sums_of in per_person.items()]
    settings = history.settings_on(period.last_day)
    return Timesheet(
        from_=period.first_day, to=period.last_day, as_of=as_of,
        site_ids=sorted(site_ids, key=str) if site_ids is not None else None, ledger_head=head,
        eur_per_volunteer_hour=settings.cents_per_hour / 100 if settings else None,
        funding=funding_settings(settings), lines=lines, people=people, volunteers=len({line.volunteer_id for line in lines}),
        hours=overall.volunteer_hours, value=overall.volunteer_hours_value)


async def funding_timesheet(
    store: Store, period: Period, as_of: datetime, site_ids: frozenset[UUID] | None,
    *, up_to: int | None = None,
) -> Timesheet:
    head, (history,), _ = await sealed_history(store, as_of, up_to=up_to)
    return timesheet_of(history, period, as_of, site_ids, head)


class PersonMonths(msgspec.Struct, kw_only=True):
    """One volunteer's hours in the period, per Europe/Berlin month (``2026-03``) and in all:
    the timesheet's figures for that person (the same facts and sums), so its ``hours`` is the
    timesheet's ``people[].hours`` for it."""

    months: dict[str, float]
    hours: float


def person_months_of(history: FundingHistory, volunteer_id: UUID, period: Period,
                     as_of: datetime, site_ids: frozenset[UUID] | None) -> PersonMonths:
    everyone = history.per_person()
    theirs = Facts(shifts=[row for row in everyone.shifts if row["volunteer_id"] == volunteer_id],
                   hours=[row for row in everyone.hours if row["volunteer_id"] == volunteer_id],
                   offer_of_session=everyone.offer_of_session, rates=everyone.rates)
    sums = tally(theirs, by_month, from_=period.start, to=period.end, now=as_of,
                 site_ids=site_ids)
    return PersonMonths(months={month: sums[month].shown().volunteer_hours
                                for month in sorted(sums)},
                        hours=total(sums.values()).shown().volunteer_hours)


async def person_months(store: Store, volunteer_id: UUID, period: Period, as_of: datetime,
                        site_ids: frozenset[UUID] | None) -> PersonMonths:
    """A volunteer's hours per month, replayed from the sealed history as the timesheet is."""
    _, (history,), _ = await sealed_history(store, as_of)
    return person_months_of(history, volunteer_id, period, as_of, site_ids)
