"""The funding proof's figures (Verwendungsnachweis), folded from the history in memory.

A pure fold, no SQL: ``FundingHistory.apply`` takes the events in read order (the caller picks
which: everything, or only what was recorded by an instant, for ``as_of``) and folds them with
the attendance statistics' own step into the same rows (``attendance_stats.evolve``);
``FundingHistory.figures`` sums a period of the world's timeline (when things happened) with
``projections.figures``, as the statistics do. So the report and ``/api/stats/attendance``
agree figure for figure; what counts as held, unrecorded or volunteer hours is defined there.
"""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple
from uuid import UUID

from events.base import Event
from projections.attendance_stats import (
    OCCURRENCES,
    OFFERS,
    SCHEMA,
    SESSIONS,
    SHIFTS,
    SITES,
    TRAININGS,
    evolve,
    facts,
)
from projections.figures import (
    Tally,
    by_month,
    by_site_and_offer,
    shift_counted,
    tally,
    training_counted,
)
from projections.row_changes import RowChange, Rows, fold

OfferKey = UUID | None
"""The offer a figure belongs to; None for what belongs only to a site (trainings, free shifts)."""

FigureRow = tuple[UUID, OfferKey, datetime]
"""Where a figure counts: site, offer, and when it happened."""


class Offer(NamedTuple):
    site_id: UUID
    title: str
    category: str


_FACTS = frozenset({OCCURRENCES, SHIFTS, TRAININGS})


class FundingHistory:
    """The facts of the figures (``attendance_stats``'s rows), folded in memory; ``noting``:
    ``apply`` names the figure rows each event touched (for the causes of changes)."""

    def __init__(self, noting: bool = True) -> None:
        self.rows: Rows = {table: {} for table in SCHEMA.keys}
        self.noting = noting

    def apply(self, event: Event) -> tuple[FigureRow, ...]:
        """Fold one event in; returns the figure rows it touched if ``noting``: each fact it
        changed that counts once changed (any occurrence, a confirmed shift, a held training)."""
        changes = evolve(event)
        if not changes:
            return ()
        fold(SCHEMA, changes, self.rows)
        if not self.noting:
            return ()
        return tuple(row for change in changes if (row := self._touched(change)) is not None)

    def _touched(self, change: RowChange) -> FigureRow | None:
        table = change.table
        if table not in _FACTS:
            return None
        row = self.rows[table].get(tuple([change.key[k] for k in SCHEMA.keys[table]]))
        if row is None:
            return None
        if table == OCCURRENCES:
            return row["site_id"], row["offer_id"], row["starts_at"]
        item = (shift_counted(row, self._offer_of_session) if table == SHIFTS
                else training_counted(row))
        return None if item is None else (item.site_id, item.offer_id, item.starts_at)

    def _offer_of_session(self, session_id: UUID) -> UUID | None:
        session = self.rows[SESSIONS].get((session_id,))
        return session["offer_id"] if session else None

    def site_name(self, site_id: UUID, default: str) -> str:
        site = self.rows[SITES].get((site_id,))
        return site["name"] if site else default

    def offer(self, offer_id: UUID) -> Offer | None:
        row = self.rows[OFFERS].get((offer_id,))
        return Offer(row["site_id"], row["title"], row["category"]) if row else None

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
