"""The funding proof's figures (Verwendungsnachweis), folded from the history in memory.

A pure fold, no SQL: ``FundingHistory.apply`` takes the events in read order (the caller picks
which: everything, or only what was recorded by an instant, for ``as_of``), and
``FundingHistory.figures`` sums a period of the world's timeline (when things happened).

- A session occurrence is *held* when its visitor count was recorded and it was not cancelled;
  a past occurrence without a count is *unrecorded* (a gap the coordinator should close).
- Volunteer hours: people confirmed present at a shift × the shift's length; the latest
  confirmation of a shift replaces earlier ones. A shift of a session counts for its offer.
- A training is held when it was completed; its participants are those who attended.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from events import offers, shifts, sites, trainings
from events.base import Event

OfferKey = UUID | None
"""The offer a figure belongs to; None for what belongs only to a site (trainings, free shifts)."""


@dataclass(frozen=True)
class Offer:
    site_id: UUID
    title: str
    category: str


@dataclass
class Occurrence:
    site_id: UUID
    offer_id: UUID
    starts_at: datetime
    ends_at: datetime
    cancelled: bool = False
    visitors: int | None = None


@dataclass
class Shift:
    site_id: UUID
    offer_id: UUID | None
    starts_at: datetime
    ends_at: datetime
    present: int = 0

    @property
    def hours(self) -> float:
        return self.present * (self.ends_at - self.starts_at).total_seconds() / 3600


@dataclass
class Training:
    site_id: UUID
    title: str
    starts_at: datetime
    completed: bool = False
    cancelled: bool = False
    participants: int = 0


@dataclass
class Figures:
    """One row of the report: a site's offer, or the site itself (offer None), or the totals."""

    sessions_held: int = 0
    sessions_cancelled: int = 0
    sessions_unrecorded: int = 0
    visitors: int = 0
    volunteer_hours: float = 0.0
    trainings_held: int = 0
    training_participants: int = 0

    def add(self, other: Figures) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def rounded(self) -> Figures:
        return Figures(**{**self.__dict__, "volunteer_hours": round(self.volunteer_hours, 2)})


@dataclass
class FundingHistory:
    site_names: dict[UUID, str] = field(default_factory=dict)
    offers: dict[UUID, Offer] = field(default_factory=dict)
    session_offers: dict[UUID, UUID] = field(default_factory=dict)
    occurrences: dict[tuple[UUID, datetime], Occurrence] = field(default_factory=dict)
    shifts: dict[UUID, Shift] = field(default_factory=dict)
    trainings: dict[UUID, Training] = field(default_factory=dict)

    def apply(self, event: Event) -> tuple[UUID, OfferKey, datetime] | None:
        """Fold one event in; returns the figure row it touched (site, offer, when it happened),
        or None when it touched none."""
        match event:
            case sites.SiteAdded():
                self.site_names[event.site_id] = event.name
            case offers.OfferCreated():
                self.offers[event.offer_id] = Offer(event.site_id, event.title, event.category)
            case offers.SessionScheduled():
                self.session_offers[event.session_id] = event.offer_id
                for occurrence in event.occurrences:
                    self.occurrences[(event.session_id, occurrence.starts_at)] = Occurrence(
                        event.site_id, event.offer_id, occurrence.starts_at, occurrence.ends_at
                    )
                first = event.occurrences[0].starts_at if event.occurrences else None
                return (event.site_id, event.offer_id, first) if first else None
            case offers.SessionOccurrencesCancelled():
                touched = None
                for starts_at in event.occurrence_starts_at:
                    occurrence = self.occurrences.get((event.session_id, starts_at))
                    if occurrence is not None:
                        occurrence.cancelled = True
                        touched = (occurrence.site_id, occurrence.offer_id, starts_at)
                return touched
            case offers.AttendanceRecorded() | offers.AttendanceCorrected():
                occurrence = self.occurrences.get((event.session_id, event.occurrence_starts_at))
                if occurrence is not None:
                    occurrence.visitors = event.visitors
                    return occurrence.site_id, occurrence.offer_id, occurrence.starts_at
            case shifts.ShiftCreated():
                offer_id = self.session_offers.get(event.session_id) if event.session_id else None
                self.shifts[event.shift_id] = Shift(
                    event.site_id, offer_id, event.starts_at, event.ends_at
                )
            case shifts.ShiftAttendanceConfirmed():
                shift = self.shifts.get(event.shift_id)
                if shift is not None:
                    shift.present = len(set(event.present))
                    return shift.site_id, shift.offer_id, shift.starts_at
            case trainings.TrainingPlanned():
                self.trainings[event.training_id] = Training(
                    event.site_id, event.title, event.starts_at
                )
            case trainings.TrainingCancelled():
                training = self.trainings.get(event.training_id)
                if training is not None:
                    training.cancelled = True
                    return training.site_id, None, training.starts_at
            case trainings.TrainingCompleted():
                training = self.trainings.get(event.training_id)
                if training is not None:
                    training.completed = True
                    training.participants = len(set(event.attended))
                    return training.site_id, None, training.starts_at
        return None

    def figures(
        self, start: datetime, end: datetime, now: datetime,
        site_ids: frozenset[UUID] | None = None,
    ) -> dict[tuple[UUID, OfferKey], Figures]:
        """Figures per (site, offer) for what happened in ``[start, end)``; ``now`` decides
        which occurrences without a count are already past (unrecorded)."""
        rows: dict[tuple[UUID, OfferKey], Figures] = {}

        def row(site: UUID, offer: OfferKey) -> Figures:
            return rows.setdefault((site, offer), Figures())

        def wanted(site: UUID, moment: datetime) -> bool:
            return start <= moment < end and (site_ids is None or site in site_ids)

        for offer_id, offer in self.offers.items():
            if site_ids is None or offer.site_id in site_ids:
                row(offer.site_id, offer_id)
        for occurrence in self.occurrences.values():
            if not wanted(occurrence.site_id, occurrence.starts_at):
                continue
            figures = row(occurrence.site_id, occurrence.offer_id)
            if occurrence.cancelled:
                figures.sessions_cancelled += 1
            elif occurrence.visitors is not None:
                figures.sessions_held += 1
                figures.visitors += occurrence.visitors
            elif occurrence.starts_at < now:
                figures.sessions_unrecorded += 1
        for shift in self.shifts.values():
            if shift.present and wanted(shift.site_id, shift.starts_at):
                row(shift.site_id, shift.offer_id).volunteer_hours += shift.hours
        for training in self.trainings.values():
            if training.completed and wanted(training.site_id, training.starts_at):
                figures = row(training.site_id, None)
                figures.trainings_held += 1
                figures.training_participants += training.participants
        return rows

    def visitors_by_month(
        self, start: datetime, end: datetime, site_ids: frozenset[UUID] | None,
        month_of: Callable[[datetime], str],
    ) -> dict[str, tuple[int, int]]:
        """``month_of(moment) -> "YYYY-MM"`` (local time) -> (sessions held, visitors)."""
        months: dict[str, tuple[int, int]] = {}
        for occurrence in self.occurrences.values():
            if (occurrence.cancelled or occurrence.visitors is None
                    or not start <= occurrence.starts_at < end
                    or (site_ids is not None and occurrence.site_id not in site_ids)):
                continue
            held, visitors = months.get(month_of(occurrence.starts_at), (0, 0))
            months[month_of(occurrence.starts_at)] = (held + 1, visitors + occurrence.visitors)
        return dict(sorted(months.items()))
