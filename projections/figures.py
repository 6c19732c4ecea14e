"""The figures of attendance and volunteering, defined once.

Sessions held, cancelled and unrecorded, visitors, volunteer hours, trainings held and their
participants: what each fact counts as, and how the counts add up by site, offer, category or
month. The statistics (``projections.attendance_stats``, a read model in PostgreSQL) and the
funding report (``projections.funding``, the sealed history folded in memory) hold the same
facts, the rows that ``attendance_stats.evolve`` folds from the events, and count them only
here, so the statistics page and the report cannot show two numbers for one thing.

The rules (README, "Funding report and audit"):

- An occurrence is *held* when its visitors were counted and it was not cancelled, *cancelled*
  when it was cancelled, and *unrecorded* when neither and it began before ``now`` (a gap for
  the coordinator to close); one still ahead counts for nothing yet.
- A shift counts once its attendance was confirmed: the volunteer hours are, for each person
  who served (those present who held a place, and the walk-ins who did not), their actual
  time if the confirmation names it, else the length of the shift; a later confirmation
  replaces the earlier. A shift of a session counts for the session's offer.
- A timesheet line (hours outside shifts) counts its length unless it was withdrawn; a
  correction replaces it. A line naming an offer counts for it, else for its site alone.
- Volunteer hours are valued at the funding programme's rate (EUR per hour) valid on the
  Berlin day on which their shift or line began; before any rate is set they are worth 0.
  The value adds up exactly (cent-seconds) and is rounded to cents, half up, when shown.
- A training is held when it was completed and not cancelled; its participants are those who
  attended.

Each fact counts where and when it happened: its site, its offer (None when tied to none:
trainings and shifts without a session) and the instant it began, by which periods and months
select. Volunteer time adds up in whole seconds and is rounded to hours (two decimals) only
when shown, so every total shown is its exact sum rounded, never a sum of rounded parts.

New kinds of fact get a rule here, a field of ``Facts`` and a loop in ``counted``; everything
that adds up or shows figures follows. The timesheet (``projections.timesheet``) counts the
same facts split per person, so its hours and values add up to the report's.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, NamedTuple, TypeVar
from uuid import UUID
from zoneinfo import ZoneInfo

import msgspec

from events.shifts import ShiftAttendanceConfirmed
from events.trainings import TrainingCompleted

BERLIN = ZoneInfo("Europe/Berlin")
Row = Mapping[str, Any]
Key = TypeVar("Key", bound=Hashable)


# What one fact counts as -----------------------------------------------------------------------


class Figures(msgspec.Struct, kw_only=True):
    """Figures as shown: volunteer time in hours, rounded to two decimals."""

    sessions_held: int = 0
    sessions_cancelled: int = 0
    sessions_unrecorded: int = 0
    visitors: int = 0
    volunteer_hours: float = 0.0
    volunteer_hours_value: float = 0.0
    """EUR: each hour at the programme's rate valid on its day."""
    trainings_held: int = 0
    training_participants: int = 0


class Tally(msgspec.Struct, kw_only=True):
    """Figures as they add up: volunteer time in whole seconds."""

    sessions_held: int = 0
    sessions_cancelled: int = 0
    sessions_unrecorded: int = 0
    visitors: int = 0
    volunteer_seconds: int = 0
    volunteer_value: int = 0
    """Cent-seconds: each second times the rate (cents per hour) valid on its day."""
    trainings_held: int = 0
    training_participants: int = 0

    def add(self, other: Tally) -> None:
        self.sessions_held += other.sessions_held
        self.sessions_cancelled += other.sessions_cancelled
        self.sessions_unrecorded += other.sessions_unrecorded
        self.visitors += other.visitors
        self.volunteer_seconds += other.volunteer_seconds
        self.volunteer_value += other.volunteer_value
        self.trainings_held += other.trainings_held
        self.training_participants += other.training_participants

    def shown(self) -> Figures:
        return Figures(
            sessions_held=self.sessions_held, sessions_cancelled=self.sessions_cancelled,
            sessions_unrecorded=self.sessions_unrecorded, visitors=self.visitors,
            volunteer_hours=hours(self.volunteer_seconds),
            volunteer_hours_value=euros(self.volunteer_value), trainings_held=self.trainings_held,
            training_participants=self.training_participants,
        )


def hours(seconds: int) -> float:
    return round(seconds / 3600, 2)


def euros(cent_seconds: int) -> float:
    """Cent-seconds as euros, rounded to the cent (half up, as money is)."""
    exact = Decimal(cent_seconds) / Decimal(3600 * 100)
    return float(exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def rate_on(rates: Mapping[date, int], moment: datetime) -> int:
    """Cents per volunteer hour valid on ``moment``'s Berlin day: the entry with the latest
    ``valid_from`` not after it; 0 before the first."""
    day = moment.astimezone(BERLIN).date()
    days = sorted(rates)
    index = bisect_right(days, day)
    return rates[days[index - 1]] if index else 0


NOTHING = Tally()
"""What a fact that does not count (yet) adds; never changed."""


def occurrence(cancelled: bool, visitors: int | None, starts_at: datetime, now: datetime) -> Tally:
    """What a session occurrence counts as at ``now``."""
    if cancelled:
        return Tally(sessions_cancelled=1)
    if visitors is not None:
        return Tally(sessions_held=1, visitors=visitors)
    if starts_at < now:
        return Tally(sessions_unrecorded=1)
    return NOTHING


def served_by(confirmation: ShiftAttendanceConfirmed) -> dict[UUID, int]:
    """Each person who served a shift and their volunteer seconds, as a confirmation of its
    attendance says: those present and the walk-ins, each for their actual time if it names
    one, else for the length of the shift. (The decider names each person once.)"""
    shift_seconds = int((confirmation.ends_at - confirmation.starts_at).total_seconds())
    seconds = {}
    for person in (*confirmation.present, *confirmation.walk_ins):
        actual = confirmation.times.get(person)
        seconds[person] = (shift_seconds if actual is None
                           else int((actual.ended_at - actual.started_at).total_seconds()))
    return seconds


def served(confirmation: ShiftAttendanceConfirmed) -> tuple[int, int]:
    """The number of people who served a shift and their volunteer seconds in all."""
    seconds = served_by(confirmation)
    return len(seconds), sum(seconds.values())


def line_seconds(started_at: datetime, ended_at: datetime) -> int:
    """What a timesheet line holds."""
    return int((ended_at - started_at).total_seconds())


def participants(completion: TrainingCompleted) -> int:
    """Those who attended a training (named once each: the decider drops repeats)."""
    return len(completion.attended)


def shift(confirmed: bool, volunteer_seconds: int, cents_per_hour: int = 0) -> Tally | None:
    """What a shift counts as; None until its attendance is confirmed."""
    if not confirmed:
        return None
    return Tally(volunteer_seconds=volunteer_seconds,
                 volunteer_value=volunteer_seconds * cents_per_hour)


def hours_line(withdrawn: bool, volunteer_seconds: int, cents_per_hour: int = 0) -> Tally | None:
    """What a timesheet line counts as; None once withdrawn."""
    if withdrawn:
        return None
    return Tally(volunteer_seconds=volunteer_seconds,
                 volunteer_value=volunteer_seconds * cents_per_hour)


def training(held: bool, cancelled: bool, participants: int) -> Tally | None:
    """What a training counts as; None unless it was held."""
    if not held or cancelled:
        return None
    return Tally(trainings_held=1, training_participants=participants)


# How the facts add up --------------------------------------------------------------------------


@dataclass(frozen=True)
class Facts:
    """The facts figures are made of, as rows (``attendance_stats``'s columns):

    - ``occurrences``: ``site_id``, ``offer_id``, ``starts_at``, ``cancelled``, ``visitors``;
    - ``shifts``: ``site_id``, ``session_id``, ``starts_at``, ``confirmed``,
      ``volunteer_seconds``; ``offer_of_session`` names a session's offer;
    - ``trainings``: ``site_id``, ``starts_at``, ``held``, ``cancelled``, ``participants``;
    - ``hours`` (timesheet lines): ``site_id``, ``offer_id``, ``starts_at``, ``withdrawn``,
      ``volunteer_seconds``;
    - ``rates``: ``valid_from`` day -> cents per volunteer hour.
    """

    occurrences: Iterable[Row] = ()
    shifts: Iterable[Row] = ()
    trainings: Iterable[Row] = ()
    hours: Iterable[Row] = ()
    offer_of_session: Callable[[UUID], UUID | None] = lambda session_id: None
    rates: Mapping[date, int] = field(default_factory=dict)


class Counted(NamedTuple):
    """One fact's figures, where and when it happened, and the row it was counted from."""

    site_id: UUID
    offer_id: UUID | None
    starts_at: datetime
    tally: Tally
    row: Row | None = None


def occurrence_counted(row: Row, now: datetime) -> Counted:
    return Counted(row["site_id"], row["offer_id"], row["starts_at"],
                   occurrence(row["cancelled"], row["visitors"], row["starts_at"], now), row)


def shift_counted(row: Row, offer_of_session: Callable[[UUID], UUID | None],
                  rates: Mapping[date, int] | None = None) -> Counted | None:
    tally = shift(row["confirmed"], row["volunteer_seconds"],
                  rate_on(rates, row["starts_at"]) if rates else 0)
    if tally is None:
        return None
    offer_id = offer_of_session(row["session_id"]) if row["session_id"] else None
    return Counted(row["site_id"], offer_id, row["starts_at"], tally, row)


def hours_counted(row: Row, rates: Mapping[date, int] | None = None) -> Counted | None:
    tally = hours_line(row["withdrawn"], row["volunteer_seconds"],
                       rate_on(rates, row["starts_at"]) if rates else 0)
    if tally is None:
        return None
    return Counted(row["site_id"], row["offer_id"], row["starts_at"], tally, row)


def training_counted(row: Row) -> Counted | None:
    tally = training(row["held"], row["cancelled"], row["participants"])
    return None if tally is None else Counted(row["site_id"], None, row["starts_at"], tally, row)


def counted(
    facts: Facts, now: datetime, within: Callable[[Row], bool] | None = None,
) -> Iterator[Counted]:
    """Every fact that counts at ``now`` (an occurrence always does, if only for its group),
    of those ``within`` selects."""
    for row in facts.occurrences:
        if within is None or within(row):
            yield occurrence_counted(row, now)
    for row in facts.shifts:
        if (within is None or within(row)) and (
                item := shift_counted(row, facts.offer_of_session, facts.rates)) is not None:
            yield item
    for row in facts.hours:
        if (within is None or within(row)) and (
                item := hours_counted(row, facts.rates)) is not None:
            yield item
    for row in facts.trainings:
        if (within is None or within(row)) and (item := training_counted(row)) is not None:
            yield item


def tally(
    facts: Facts,
    key: Callable[[Counted], Key],
    *,
    from_: datetime,
    to: datetime,
    now: datetime,
    site_ids: frozenset[UUID] | None = None,
) -> dict[Key, Tally]:
    """The figures of what began in ``[from_, to)`` at ``site_ids`` (None: every site), added
    up per ``key``; ``now`` decides which occurrences without a count are past (unrecorded)."""

    def within(row: Row) -> bool:
        return from_ <= row["starts_at"] < to and (site_ids is None or row["site_id"] in site_ids)

    sums: dict[Key, Tally] = {}
    for item in counted(facts, now, within):
        group = key(item)
        sums_of_group = sums.get(group)
        if sums_of_group is None:
            sums_of_group = sums[group] = Tally()
        sums_of_group.add(item.tally)
    return sums


def total(tallies: Iterable[Tally]) -> Tally:
    result = Tally()
    for each in tallies:
        result.add(each)
    return result


# Keys to add up by -----------------------------------------------------------------------------


def month_of(moment: datetime) -> str:
    """The Europe/Berlin calendar month, ``2026-03``."""
    local = moment.astimezone(BERLIN)
    return f"{local.year:04d}-{local.month:02d}"


def by_month(item: Counted) -> str:
    return month_of(item.starts_at)


def by_site(item: Counted) -> UUID:
    return item.site_id


def by_offer(item: Counted) -> UUID | None:
    return item.offer_id


def by_site_and_offer(item: Counted) -> tuple[UUID, UUID | None]:
    return item.site_id, item.offer_id


def by_category(category_of: Callable[[UUID], str | None]) -> Callable[[Counted], str | None]:
    """By the category of the offer (None: tied to no offer)."""
    return lambda item: category_of(item.offer_id) if item.offer_id is not None else None
