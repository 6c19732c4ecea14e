"""The funding proof's figures (Verwendungsnachweis), folded from the history in memory.

A pure fold, no SQL: ``FundingHistory.apply`` takes the events in read order (the caller picks
which: everything, or only what was recorded by an instant, for ``as_of``) and folds them with
the attendance statistics' own step into the same rows (``attendance_stats.evolve``);
``FundingHistory.figures`` sums a period of the world's timeline (when things happened) with
``projections.figures``, as the statistics do. So the report and ``/api/stats/attendance``
agree figure for figure; what counts as held, unrecorded or volunteer hours is defined there.

Beside the rows it keeps what a report names but does not count: the funding settings valid on
each day, each shift's title and latest confirmation (the timesheet splits a shift's hours per
person with ``figures.served_by``), the accounts that act (for the changes' actors), and who
was erased.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any, NamedTuple
from uuid import UUID

from events.accounts import AccountClosed, AccountRegistered
from events.base import Event
from events.shifts import ShiftAttendanceConfirmed, ShiftCreated
from events.volunteers import VolunteerErased
from projections.attendance_stats import (
    HOURS,
    OCCURRENCES,
    OFFERS,
    RATES,
    SCHEMA,
    SESSIONS,
    SHIFTS,
    SITES,
    TRAININGS,
    evolve,
    facts,
)
from projections.figures import (
    Counted,
    Tally,
    by_month,
    by_site_and_offer,
    hours_counted,
    occurrence_counted,
    rate_on,
    served_by,
    shift_counted,
    tally,
    training_counted,
)
from projections.figures import Facts
from projections.row_changes import RowChange, Rows, fold

OfferKey = UUID | None
"""The offer a figure belongs to; None for what belongs only to a site (trainings, free shifts)."""

CHANGE_FIGURES = ("sessions_held", "sessions_cancelled", "visitors", "volunteer_hours",
                  "volunteer_hours_value", "trainings_held", "training_participants")
"""Figures that only events change (``sessions_unrecorded`` moves with the clock alone)."""
_EVER = datetime.min.replace(tzinfo=UTC)
"""A ``now`` before everything: an occurrence then counts as held, cancelled or nothing."""


class Touch(NamedTuple):
    """A fact an event changed: where and when it happened, and which figures moved."""

    site_id: UUID
    offer_id: OfferKey
    happened_at: datetime
    figures: frozenset[str]


FigureRow = Touch


class Offer(NamedTuple):
    site_id: UUID
    title: str
    category: str


class Settings(NamedTuple):
    """The funding settings of one day on."""

    valid_from: date
    cents_per_hour: int
    provider: str
    programme: str
    funding_reference: str


class Actor(NamedTuple):
    role: str
    site_ids: tuple[UUID, ...]
    volunteer_id: UUID | None
    closed: bool


_FACTS = frozenset({OCCURRENCES, SHIFTS, TRAININGS, HOURS})


class FundingHistory:
    """The facts of the figures (``attendance_stats``'s rows), folded in memory; ``noting``:
    ``apply`` names the facts each event changed and which figures it moved (the causes of
    changes)."""

    def __init__(self, noting: bool = True) -> None:
        self.rows: Rows = {table: {} for table in SCHEMA.keys}
        self.noting = noting
        self.confirmations: dict[UUID, ShiftAttendanceConfirmed] = {}
        self.shift_titles: dict[UUID, str] = {}
        self.actors: dict[UUID, Actor] = {}
        self.erased: set[UUID] = set()

    def apply(self, event: Event) -> tuple[Touch, ...]:
        """Fold one event in; returns the facts it changed if ``noting``, each with the
        figures it moved there (none: it changed nothing that counts)."""
        self._note(event)
        changes = evolve(event)
        if not changes:
            return ()
        if not self.noting:
            fold(SCHEMA, changes, self.rows)
            return ()
        before = [self._counted(change) for change in changes]
        fold(SCHEMA, changes, self.rows)
        touched = []
        for change, old in zip(changes, before, strict=True):
            new = self._counted(change)
            item = new or old
            if item is None:
                continue
            moved = frozenset(figure for figure in CHANGE_FIGURES if _value(old, figure) !=
                              _value(new, figure))
            touched.append(Touch(item.site_id, item.offer_id, item.starts_at, moved))
        return tuple(touched)

    def _note(self, event: Event) -> None:
        match event:
            case ShiftCreated():
                self.shift_titles[event.shift_id] = event.title
            case ShiftAttendanceConfirmed():
                self.confirmations[event.shift_id] = event
            case AccountRegistered():
                self.actors[event.account_id] = Actor(event.role, tuple(event.site_ids),
                                                      event.volunteer_id, False)
            case AccountClosed() if event.account_id in self.actors:
                self.actors[event.account_id] = self.actors[event.account_id]._replace(
                    closed=True)
            case VolunteerErased():
                self.erased.add(event.volunteer_id)

    def _counted(self, change: RowChange) -> Counted | None:
        """What the fact a change names counts as now, valued at no rate (a rate moves values,
        not facts: ``changes_of`` names the settings that did)."""
        table = change.table
        if table not in _FACTS:
            return None
        row = self.rows[table].get(tuple([change.key[k] for k in SCHEMA.keys[table]]))
        if row is None or row.get("site_id") is None:
            return None
        match table:
            case "attendance_stats_occurrences":
                return occurrence_counted(row, _EVER)
            case "attendance_stats_shifts":
                return shift_counted(row, self._offer_of_session)
            case "attendance_stats_hours":
                return hours_counted(row)
        return training_counted(row)

    def _offer_of_session(self, session_id: UUID) -> UUID | None:
        session = self.rows[SESSIONS].get((session_id,))
        return session["offer_id"] if session else None

    def site_name(self, site_id: UUID, default: str) -> str:
        site = self.rows[SITES].get((site_id,))
        return site["name"] if site else default

    def village(self, site_id: UUID) -> str:
        site = self.rows[SITES].get((site_id,))
        return (site.get("village") or "") if site else ""

    def offer(self, offer_id: UUID) -> Offer | None:
        row = self.rows[OFFERS].get((offer_id,))
        return Offer(row["site_id"], row["title"], row["category"]) if row else None

    def settings(self) -> list[Settings]:
        """Every settings entry recorded, by the day it is valid from."""
        return sorted(Settings(valid_from, row["cents_per_hour"], row["provider"],
                               row["programme"], row["funding_reference"])
                      for (valid_from,), row in self.rows[RATES].items())

    def settings_on(self, day: date) -> Settings | None:
        """The settings valid on ``day`` (the latest entry valid from it or before)."""
        valid = [entry for entry in self.settings() if entry.valid_from <= day]
        return valid[-1] if valid else None

    def cents_per_hour_at(self, moment: datetime) -> int:
        return rate_on({entry.valid_from: entry.cents_per_hour for entry in self.settings()},
                       moment)

    def figures(
        self, start: datetime, end: datetime, now: datetime,
        site_ids: frozenset[UUID] | None = None,
    ) -> dict[tuple[UUID, OfferKey], Tally]:
        """Figures per (site, offer) for what happened in ``[start, end)``, and a row for every
        offer of the sites even without any; ``now`` decides which occurrences without a count
        are already past (unrecorded)."""
        rows = {
            (offer["site_id"], offer_id): Tally()
            for (offer_id,), offer in self.rows[OFFERS].items()
            if site_ids is None or offer["site_id"] in site_ids
        }
        counted = tally(facts(self.rows), by_site_and_offer, from_=start, to=end, now=now,
                        site_ids=site_ids)
        for key, sums in counted.items():
            rows.setdefault(key, Tally()).add(sums)
        return rows

    def months(
        self, start: datetime, end: datetime, now: datetime, site_ids: frozenset[UUID] | None,
    ) -> dict[str, Tally]:
        """Figures per Europe/Berlin month (``2026-03``) of what happened in ``[start, end)``."""
        return dict(sorted(tally(facts(self.rows), by_month, from_=start, to=end, now=now,
                                 site_ids=site_ids).items()))

    def per_person(self) -> Facts:
        """The volunteer-hour facts split per person: a row per person and confirmed shift
        (``figures.served_by``: its share of the shift's row) and a row per timesheet line,
        each naming ``volunteer_id`` and ``activity``; valued at the same rates."""
        whole = facts(self.rows)
        return Facts(shifts=list(self._shift_shares()), hours=whole.hours,
                     offer_of_session=whole.offer_of_session, rates=whole.rates)

    def _shift_shares(self) -> Iterator[dict[str, Any]]:
        for (shift_id,), row in self.rows[SHIFTS].items():
            confirmation = self.confirmations.get(shift_id)
            if not row["confirmed"] or confirmation is None:
                continue
            for volunteer_id, seconds in served_by(confirmation).items():
                yield {**row, "volunteer_id": volunteer_id, "volunteer_seconds": seconds,
                       "activity": self.shift_titles.get(shift_id, "")}


def _value(item: Counted | None, figure: str) -> Any:
    if item is None:
        return 0
    if figure == "volunteer_hours_value":
        return item.tally.volunteer_seconds  # valued at any rate, it moves with the seconds
    return getattr(item.tally.shown(), figure)
