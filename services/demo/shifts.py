"""Who serves which demo shift and errand, planned before any command runs.

What the deciders check is known ahead here: a claim needs the shift's qualifications valid at
its start and no overlapping shift of the volunteer; a walk-in and a timesheet line need the
volunteer free then. Planning it all first, in a seeded order, makes the demo the same on the
same day although its commands run side by side.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from uuid import UUID

from events.shifts import ServiceTime

NO_SHOW, WALK_IN, LEFT_EARLY, LATE_WALK_IN = 0.08, 0.12, 0.1, 0.02
"""How often a past shift had someone not turn up, a helper without a claim, someone leaving
early, and a walk-in noted only in a correction days later."""


@dataclass
class PlannedShift:
    shift_id: UUID
    site_id: UUID
    village: str
    title: str
    starts_at: datetime
    ends_at: datetime
    capacity: int
    required: tuple[str, ...]
    session_id: UUID | None
    popular: bool = False
    claims: list[UUID] = field(default_factory=list)
    """In the order they are made: the first ``capacity`` get places, the rest wait."""
    present: list[UUID] = field(default_factory=list)
    walk_ins: list[UUID] = field(default_factory=list)
    times: dict[UUID, ServiceTime] = field(default_factory=dict)
    late_walk_in: UUID | None = None


CONFIRMED_AFTER = timedelta(hours=2)
"""A past shift's attendance is confirmed two hours after its end."""


def confirmed(shift: PlannedShift, now: datetime) -> bool:
    return shift.ends_at + CONFIRMED_AFTER <= now


class ShiftPlanner:
    def __init__(self, rng: random.Random, volunteers: list[UUID], leaving: UUID) -> None:
        """``leaving`` serves in the past only: it is erased at the end of the demo."""
        self.rng = rng
        self.volunteers = volunteers
        self.leaving = leaving
        self.qualified: dict[UUID, dict[str, datetime]] = {}
        self.busy: dict[UUID, list[tuple[datetime, datetime]]] = {}
        self.refresher_due: list[UUID] = []
        self.shifts_from: datetime | None = None
        """No shift before this (the first food hygiene course)."""

    def qualify(self, volunteer_id: UUID, qualification: str, valid_until: datetime) -> None:
        held = self.qualified.setdefault(volunteer_id, {})
        held[qualification] = max(valid_until, held.get(qualification, valid_until))

    def plan(self, shifts: list[PlannedShift], now: datetime) -> list[PlannedShift]:
        """Claims, and for past shifts who served; shifts nobody could take are dropped."""
        planned = []
        for shift in sorted(shifts, key=lambda s: (s.starts_at, str(s.shift_id))):
            if self.shifts_from is not None and shift.starts_at < self.shifts_from:
                continue
            past = confirmed(shift, now)
            if not past and shift.starts_at <= now:
                continue  # under way while the demo is seeded: neither claimed nor confirmed
            people = [*self.volunteers, self.leaving] if past else list(self.volunteers)
            self.rng.shuffle(people)
            free = [v for v in people if self._can_take(v, shift)]
            wanted = shift.capacity + 2 if shift.popular else self.rng.choice(
                (shift.capacity - 1, shift.capacity, shift.capacity))
            shift.claims = free[:max(1, wanted)]
            if not shift.claims:
                continue
            for volunteer_id in shift.claims[:shift.capacity]:
                self._hold(volunteer_id, shift.starts_at, shift.ends_at)
            if past:
                self._served(shift, free[len(shift.claims):])
            planned.append(shift)
        return planned

    def _served(self, shift: PlannedShift, others: list[UUID]) -> None:
        holders = shift.claims[:shift.capacity]
        shift.present = [v for v in holders
                         if len(holders) == 1 or self.rng.random() >= NO_SHOW]
        free = [v for v in others if self._free(v, shift.starts_at, shift.ends_at)]
        if free and self.rng.random() < WALK_IN:
            shift.walk_ins = [free.pop(0)]
        if free and self.rng.random() < LATE_WALK_IN:
            shift.late_walk_in = free.pop(0)
        for volunteer_id in (*shift.walk_ins, *filter(None, [shift.late_walk_in])):
            self._hold(volunteer_id, shift.starts_at, shift.ends_at)
        if shift.present and self.rng.random() < LEFT_EARLY:
            shift.times[shift.present[-1]] = ServiceTime(
                started_at=shift.starts_at, ended_at=shift.ends_at - timedelta(minutes=45))

    def errands(self, days: dict[str, list[tuple[datetime, datetime]]],
                now: datetime) -> dict[str, list[tuple[UUID, datetime, datetime]]]:
        """Who did each village's weekly errand: one of four volunteers of the village, free."""
        lines: dict[str, list[tuple[UUID, datetime, datetime]]] = {}
        for number, (village, spans) in enumerate(sorted(days.items())):
            team = [*self.volunteers[3 + 4 * number:7 + 4 * number], self.leaving]
            lines[village] = []
            for week, (starts_at, ends_at) in enumerate(spans):
                turn = team[week % len(team):] + team[:week % len(team)]
                doing = next((v for v in turn if self._free(v, starts_at, ends_at)), None)
                if doing is None:
                    continue
                self._hold(doing, starts_at, ends_at)
                lines[village].append((doing, starts_at, ends_at))
        return lines

    def _can_take(self, volunteer_id: UUID, shift: PlannedShift) -> bool:
        held = self.qualified.get(volunteer_id, {})
        if any(held.get(q, shift.starts_at) <= shift.starts_at for q in shift.required):
            return False
        return self._free(volunteer_id, shift.starts_at, shift.ends_at)

    def _free(self, volunteer_id: UUID, starts_at: datetime, ends_at: datetime) -> bool:
        return not any(start < ends_at and starts_at < end
                       for start, end in self.busy.get(volunteer_id, []))

    def _hold(self, volunteer_id: UUID, starts_at: datetime, ends_at: datetime) -> None:
        self.busy.setdefault(volunteer_id, []).append((starts_at, ends_at))
