"""Demo data for the README's start command: a year of the four Dorftreffs of
``services.demo.programme``, seeded into an empty store through the same commands and services
the API runs, so that its history is real (the deciders check every step, the ledger verifies).

The year is written on a simulated clock: each command carries the moment a coordinator would
have given it (sessions planned before the year, claims days before a shift, attendance after
it, a timesheet line the day after), which the pure deciders allow, as in the tests' history
generator. Only what lies ahead (upcoming shifts, the refresher, the erasure) carries the real
time. Events are *recorded* while the demo is seeded, so a report ``as_of`` an instant before
the seeding shows nothing; the periods (when things happened) cover the whole year.

Choices come from seeded random generators and are planned before any command runs, so a seed
on the same day gives the same programme (ids of volunteers and accounts, which their services
choose, differ). Commands run four at a time.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections import Counter
from collections.abc import Awaitable, Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

import asyncpg
from dateutil.relativedelta import relativedelta

from events.base import EventMetadata
from events.store import EventStore
from services.accounts.bootstrap import SYSTEM_ACTOR
from services.accounts.service import find_account, register_account
from services.auth.roles import AUDITOR, COORDINATOR, VOLUNTEER
from services.commands.catalog import decider_for
from services.commands.handler import CommandHandler, CommandResult
from services.demo import programme as plan
from services.demo.programme import VILLAGES, OfferPlan, Person, VillagePlan
from services.demo.shifts import CONFIRMED_AFTER, PlannedShift, ShiftPlanner, confirmed
from services.funding.decider import ChangeFundingSettings
from services.hours.decider import CorrectHours, RecordHours
from services.offers.decider import CreateOffer, RecordAttendance, ScheduleSession
from services.platform.keys import Keys, derive_keys, secret_of
from services.qualifications.decider import DefineQualification
from services.platform.settings import Settings
from services.rooms.decider import AddRoom, CancelBooking
from services.rooms.recurrence import BERLIN
from events.offers import SessionScheduled
from events.rooms import Occurrence, Recurrence
from services.shifts.decider import ClaimShift, ConfirmShiftAttendance, CreateShift
from services.sites.decider import AddSite
from services.trainings.decider import (
    CompleteTraining,
    EnrollInTraining,
    PlanTraining,
    qualification_valid_until,
)
from services.volunteers.service import erase, register

log = logging.getLogger(__name__)

CONCURRENCY = 4
"""Commands in flight at once: the start command's pool holds four connections."""
PASSWORD_HASHES_AT_ONCE = 2
"""Argon2 takes 64 MiB and a core per hash."""
TRAINING_START, TRAINING_HOURS = (9, 30), 3

_DEMO_IDS = uuid5(NAMESPACE_URL, "treffpunkt:demo")
_WEEKDAYS = {"MO": 0, "TU": 1, "WE": 2, "TH": 3, "FR": 4, "SA": 5, "SU": 6}


async def seed_demo(pool: asyncpg.Pool, store: EventStore, settings: Settings) -> bool:
    """Seed the demo year into a store that holds nothing but the first admin (keys of accounts
    and volunteers go into ``pool``'s database).

    Returns whether it seeded; a store with anything else in it is left alone."""
    if await store.has_events_by_others_than(SYSTEM_ACTOR):
        log.info("demo data: the store holds data already; nothing seeded")
        return False
    started = time.monotonic()
    keys = derive_keys(secret_of(settings))
    handler = CommandHandler(store)
    admin = await find_account(handler, keys.email_digest(settings.admin_email))
    admin_actor = f"account:{admin.account_id}" if admin is not None else SYSTEM_ACTOR
    counts = await _Seeder(handler, pool, keys, admin_actor).seed()
    log.info(
        "demo data: seeded %s in %.1f s",
        ", ".join(f"{count} {what}" for what, count in counts.items()),
        time.monotonic() - started,
    )
    return True


def _id(kind: str, key: str) -> UUID:
    return uuid5(_DEMO_IDS, f"{kind}:{key}")


def _now() -> datetime:
    return datetime.now(UTC)


async def _each(awaitables: Iterable[Awaitable[Any]]) -> list[Any]:
    return list(await asyncio.gather(*awaitables))


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=BERLIN).astimezone(UTC)


class _Seeder:
    def __init__(
        self, handler: CommandHandler, pool: asyncpg.Pool, keys: Keys, admin_actor: str
    ) -> None:
        self.handler = handler
        self.pool = pool
        self.keys = keys
        self.admin = admin_actor
        self.rng = random.Random(plan.SEED)
        self.in_flight = asyncio.Semaphore(CONCURRENCY)
        self.hashing = asyncio.Semaphore(PASSWORD_HASHES_AT_ONCE)
        self.counts: Counter[str] = Counter()
        self.started = _now().replace(microsecond=0)
        self.today = self.started.astimezone(BERLIN).date()
        self.first_day = (self.today - relativedelta(months=plan.MONTHS_BACK)).replace(day=1)
        self.planned_at = at(self.first_day, 8) - timedelta(days=14)
        """When the year's programme was planned: two weeks before it began."""
        self.sites: dict[str, UUID] = {}
        self.coordinators: dict[str, str] = {}
        """Village key -> the actor of its coordinator's account."""
        self.coordinator_of_all = admin_actor
        self.volunteers: list[UUID] = []
        """In registration order: the first ones have accounts; the erased one is last."""

    async def seed(self) -> Counter[str]:
        await self._sites_and_staff()
        await self._catalogue()
        await self._rooms_and_volunteers()
        volunteer_accounts = asyncio.create_task(self._volunteer_accounts())
        await self._funding_settings()
        shifts = ShiftPlanner(self.rng, self.volunteers[:-1], self.volunteers[-1])
        await self._trainings(shifts)
        sessions = await _each(self._offer(village, offer)
                               for village in VILLAGES for offer in village.offers)
        planned = shifts.plan(self._shift_occurrences(sessions), self.started)
        errands = shifts.errands(self._errand_days(), self.started)
        await _each([
            *(self._shifts_of(group) for group in _by_site(planned)),
            *(self._timesheet(village, lines) for village, lines in errands.items()),
        ])
        await self._refresher(shifts)
        await volunteer_accounts
        await self._erase()
        return self.counts

    async def _run(self, command: Any, actor: str) -> CommandResult:
        async with self.in_flight:
            return await self.handler.handle(
                decider_for(command), command, EventMetadata(actor=actor))

    # Sites, staff, rooms, volunteers and the funding settings ----------------------------------

    async def _catalogue(self) -> None:
        await _each(
            self._run(DefineQualification(code=code, name_de=de, name_en=en,
                                          default_valid_for_months=months, now=self.planned_at),
                      self.admin)
            for code, de, en, months in plan.CATALOGUE
        )

    async def _sites_and_staff(self) -> None:
        for village in VILLAGES:
            self.sites[village.key] = _id("site", village.key)
        await _each(
            self._run(AddSite(site_id=self.sites[village.key], name=village.site_name,
                              village=village.village, now=self.planned_at), self.admin)
            for village in VILLAGES
        )
        staff = [(village.coordinator_email, COORDINATOR, [self.sites[village.key]])
                 for village in VILLAGES]
        staff += [(plan.ALL_SITES_COORDINATOR, COORDINATOR, list(self.sites.values())),
                  (plan.AUDITOR, AUDITOR, [])]
        ids = await _each(self._account(email, role, site_ids) for email, role, site_ids in staff)
        for village, account_id in zip(VILLAGES, ids):
            self.coordinators[village.key] = f"account:{account_id}"
        self.coordinator_of_all = f"account:{ids[len(VILLAGES)]}"

    async def _account(self, email: str, role: str, site_ids: list[UUID],
                       volunteer_id: UUID | None = None) -> UUID:
        async with self.hashing:
            _, account_id = await register_account(
                self.handler, self.pool, self.keys, email=email, password=plan.DEMO_PASSWORD,
                role=role, site_ids=site_ids, volunteer_id=volunteer_id, actor=self.admin,
            )
        self.counts["accounts"] += 1
        return account_id

    async def _rooms_and_volunteers(self) -> None:
        rooms = [
            AddRoom(room_id=self._room(village, room.key), site_id=self.sites[village.key],
                    name=room.name, capacity=room.capacity, now=self.planned_at)
            for village in VILLAGES for room in village.rooms
        ]
        actors = [self.coordinators[village.key] for village in VILLAGES for _ in village.rooms]
        people = [*_people(self.rng), plan.ERASED_VOLUNTEER]
        phones = [f"05439 {self.rng.randint(1000, 99999)}" if self.rng.random() < 0.7 else None
                  for _ in people]
        _, self.volunteers = await _each([
            _each(self._run(room, actor) for room, actor in zip(rooms, actors)),
            _each(self._register(person, phone) for person, phone in zip(people, phones)),
        ])
        self.counts["sites"] = len(VILLAGES)
        self.counts["rooms"] = len(rooms)

    def _room(self, village: VillagePlan, room: str) -> UUID:
        return _id("room", f"{village.key}:{room}")

    async def _register(self, person: Person, phone: str | None) -> UUID:
        async with self.in_flight:
            _, volunteer_id = await register(self.handler, self.pool, person.name, person.email,
                                             phone, self.coordinator_of_all)
        self.counts["volunteers"] += 1
        return volunteer_id

    async def _volunteer_accounts(self) -> None:
        await _each(self._account(person.email, VOLUNTEER, [], volunteer_id)
                    for person, volunteer_id in zip(plan.VOLUNTEERS_WITH_ACCOUNTS,
                                                    self.volunteers))

    async def _funding_settings(self) -> None:
        raised = (self.today - relativedelta(months=plan.RATE_RAISED_MONTHS_BACK)).replace(day=1)
        for valid_from, rate in ((self.first_day, plan.EUR_PER_HOUR),
                                 (raised, plan.EUR_PER_HOUR_LATER)):
            await self._run(ChangeFundingSettings(
                provider=plan.PROVIDER, programme=plan.PROGRAMME,
                funding_reference=plan.FUNDING_REFERENCE, eur_per_volunteer_hour=rate,
                valid_from=valid_from, now=min(at(valid_from, 8), self.started)), self.admin)
        self.counts["funding settings"] = 2

    # Trainings: one a month, at each village in turn; the refresher ahead ---------------------

    async def _trainings(self, shifts: ShiftPlanner) -> None:
        rotation = iter(_cycle(self.volunteers))
        plans = []
        for month, training in enumerate(plan.MONTHLY_TRAININGS):
            village = VILLAGES[month % len(VILLAGES)]
            day = _first_weekday(self.first_day + relativedelta(months=month), 5)
            starts_at = at(day, *TRAINING_START)
            attendees = [next(rotation) for _ in range(training.attendees)]
            no_shows = [next(rotation) for _ in range(training.no_shows)]
            valid_until = qualification_valid_until(starts_at, training.valid_for_months)
            for volunteer_id in attendees:
                shifts.qualify(volunteer_id, training.qualification, valid_until)
                if month == plan.SHORT_HYGIENE:
                    shifts.refresher_due.append(volunteer_id)
            plans.append((training, village, starts_at, attendees, no_shows, month))
        if plans:
            shifts.shifts_from = plans[plan.FIRST_HYGIENE][2] + timedelta(hours=TRAINING_HOURS)
        await _each(self._training(*each) for each in plans)

    async def _training(self, training: plan.TrainingPlan, village: VillagePlan,
                        starts_at: datetime, attendees: list[UUID], no_shows: list[UUID],
                        month: int) -> None:
        training_id = await self._plan_training(
            training, village, f"month-{month}", starts_at,
            starts_at + timedelta(hours=TRAINING_HOURS), [*attendees, *no_shows],
            starts_at - timedelta(days=30))
        await self._run(CompleteTraining(training_id=training_id, attended=attendees,
                                         now=starts_at + timedelta(hours=TRAINING_HOURS + 1)),
                        self.coordinators[village.key])
        self.counts["trainings held"] += 1

    async def _plan_training(self, training: plan.TrainingPlan, village: VillagePlan, key: str,
                             starts_at: datetime, ends_at: datetime, enrolled: list[UUID],
                             planned_at: datetime) -> UUID:
        training_id = _id("training", key)
        actor = self.coordinators[village.key]
        await self._run(PlanTraining(
            training_id=training_id, booking_id=_id("training-booking", key),
            site_id=self.sites[village.key], room_id=self._room(village, village.training_room),
            title=training.title, qualification=training.qualification,
            valid_for_months=training.valid_for_months, starts_at=starts_at, ends_at=ends_at,
            capacity=training.capacity, now=min(planned_at, self.started),
        ), actor)
        enrolled_at = min(starts_at - timedelta(days=7), self.started)
        for volunteer_id in enrolled:
            await self._run(EnrollInTraining(training_id=training_id, volunteer_id=volunteer_id,
                                             now=enrolled_at), actor)
        self.counts["enrollments"] += len(enrolled)
        return training_id

    async def _refresher(self, shifts: ShiftPlanner) -> None:
        village = next(v for v in VILLAGES if v.key == plan.REFRESHER_VILLAGE)
        day = _first_weekday(self.today + timedelta(days=plan.REFRESHER_DAYS_AHEAD), 5)
        starts_at = at(day, plan.REFRESHER_START.hour, plan.REFRESHER_START.minute)
        enrolled = list(dict.fromkeys(shifts.refresher_due))[:plan.REFRESHER.capacity]
        await self._plan_training(plan.REFRESHER, village, "refresher", starts_at,
                                  starts_at + timedelta(minutes=plan.REFRESHER_MINUTES),
                                  enrolled, _now())

    # The weekly programme: sessions, counts, corrections, cancellations ------------------------

    async def _offer(self, village: VillagePlan, offer: OfferPlan) -> tuple[
            VillagePlan, OfferPlan, UUID, list[Occurrence]]:
        rng = random.Random(f"{plan.SEED}:{offer.key}")
        actor = self.coordinators[village.key]
        offer_id, session_id = _id("offer", offer.key), _id("session", offer.key)
        room_id, booking_id = self._room(village, offer.room), _id("booking", offer.key)
        await self._run(CreateOffer(offer_id=offer_id, site_id=self.sites[village.key],
                                    title=offer.title, category=offer.category,
                                    description=offer.description, now=self.planned_at), actor)
        starts_at = at(_first_weekday(self.first_day, _WEEKDAYS[offer.weekday]),
                       offer.start.hour, offer.start.minute)
        weeks = (self.today - self.first_day).days // 7 + plan.WEEKS_AHEAD + 1
        scheduled = await self._run(ScheduleSession(
            session_id=session_id, booking_id=booking_id, offer_id=offer_id, room_id=room_id,
            starts_at=starts_at, ends_at=starts_at + timedelta(minutes=offer.minutes),
            recurrence=Recurrence(rrule=f"FREQ=WEEKLY;BYDAY={offer.weekday}", count=weeks),
            now=self.planned_at,
        ), actor)
        occurrences = next(event for event in scheduled.events
                           if isinstance(event, SessionScheduled)).occurrences
        self.counts["offers"] += 1
        kept = []
        for occurrence in occurrences:
            local = occurrence.starts_at.astimezone(BERLIN)
            if (local.month, local.day) in plan.CANCELLATION_DAYS or rng.random() < 0.015:
                await self._run(CancelBooking(
                    room_id=room_id, booking_id=booking_id,
                    occurrence_starts_at=occurrence.starts_at,
                    now=min(occurrence.starts_at - timedelta(days=5), self.started)), actor)
                self.counts["cancelled occurrences"] += 1
            else:
                kept.append(occurrence)
        held = [o for o in kept if o.ends_at <= self.started]
        counted: list[int] = []
        for occurrence in held:
            season = 0.75 if occurrence.starts_at.astimezone(BERLIN).month in (7, 8) else 1.0
            counted.append(max(1, round(rng.gauss(offer.visitors * season,
                                                  offer.visitors * 0.18))))
            await self._run(RecordAttendance(
                session_id=session_id, occurrence_starts_at=occurrence.starts_at,
                visitors=counted[-1], now=occurrence.ends_at + timedelta(hours=1)), actor)
        self.counts["attendance records"] += len(held)
        for which in rng.sample(range(len(held)), k=min(len(held), rng.choice((0, 1, 1, 2)))):
            await self._run(RecordAttendance(
                session_id=session_id, occurrence_starts_at=held[which].starts_at,
                visitors=max(0, counted[which] + rng.choice((-2, -1, 1, 2, 3))),
                reason=rng.choice(plan.CORRECTION_REASONS),
                now=min(held[which].ends_at + timedelta(days=3), self.started)), actor)
            self.counts["corrections"] += 1
        return village, offer, session_id, kept

    # Shifts: past ones served and confirmed, upcoming ones claimed -----------------------------

    def _shift_occurrences(self, sessions: list[Any]) -> list[PlannedShift]:
        shifts = []
        for village, offer, session_id, occurrences in sessions:
            work = offer.shift
            if work is None:
                continue
            upcoming = 0
            for occurrence in occurrences:
                starts_at = occurrence.starts_at - timedelta(minutes=work.before)
                if starts_at > self.started:
                    upcoming += 1
                    if upcoming > plan.SHIFT_WEEKS_AHEAD:
                        break
                shifts.append(PlannedShift(
                    shift_id=_id("shift", f"{offer.key}:{occurrence.starts_at.isoformat()}"),
                    site_id=self.sites[village.key], village=village.key,
                    title=f"{offer.title}: {work.title}", starts_at=starts_at,
                    ends_at=occurrence.ends_at + timedelta(minutes=work.after),
                    capacity=work.capacity, required=work.required, session_id=session_id,
                    popular=offer.popular_shift and upcoming == 1))
        return shifts

    async def _shifts_of(self, shifts: list[PlannedShift]) -> None:
        """One site's shifts, in order (claims of one volunteer never race each other there)."""
        for shift in shifts:
            await self._shift(shift)

    async def _shift(self, shift: PlannedShift) -> None:
        actor = self.coordinators[shift.village]
        past = confirmed(shift, self.started)
        await self._run(CreateShift(
            shift_id=shift.shift_id, site_id=shift.site_id, title=shift.title,
            starts_at=shift.starts_at, ends_at=shift.ends_at, capacity=shift.capacity,
            required_qualifications=list(shift.required), session_id=shift.session_id,
            now=shift.starts_at - timedelta(days=21) if past else _now(),
        ), actor)
        self.counts["shifts"] += 1
        for volunteer_id in shift.claims:
            await self._run(ClaimShift(
                shift_id=shift.shift_id, volunteer_id=volunteer_id,
                now=shift.starts_at - timedelta(days=3) if past else _now()), actor)
        self.counts["claims"] += len(shift.claims)
        if not past:
            return
        confirmed_at = shift.ends_at + CONFIRMED_AFTER
        await self._run(ConfirmShiftAttendance(
            shift_id=shift.shift_id, present=shift.present, walk_ins=shift.walk_ins,
            times=shift.times, now=confirmed_at), actor)
        self.counts["shifts with confirmed hours"] += 1
        self.counts["walk-ins"] += len(shift.walk_ins)
        if shift.late_walk_in is not None:
            await self._run(ConfirmShiftAttendance(
                shift_id=shift.shift_id, present=shift.present,
                walk_ins=[*shift.walk_ins, shift.late_walk_in], times=shift.times,
                reason="Nachtrag: half ohne Anmeldung beim Aufräumen mit",
                now=min(confirmed_at + timedelta(days=2), self.started)), actor)
            self.counts["attendance corrections of shifts"] += 1

    # Hours outside shifts: a weekly errand per village, on a timesheet -------------------------

    def _errand_days(self) -> dict[str, list[tuple[datetime, datetime]]]:
        days = {}
        for village in VILLAGES:
            errand = village.errand
            day = _first_weekday(self.first_day, errand.weekday)
            spans = []
            while (starts_at := at(day, errand.start.hour, errand.start.minute)) + timedelta(
                    minutes=errand.minutes, days=1) <= self.started:
                spans.append((starts_at, starts_at + timedelta(minutes=errand.minutes)))
                day += timedelta(weeks=1)
            days[village.key] = spans
        return days

    async def _timesheet(self, village_key: str,
                         lines: list[tuple[UUID, datetime, datetime]]) -> None:
        village = next(v for v in VILLAGES if v.key == village_key)
        actor = self.coordinators[village_key]
        for number, (volunteer_id, starts_at, ends_at) in enumerate(lines):
            line_id = _id("hours", f"{village_key}:{starts_at.isoformat()}")
            command = RecordHours(line_id=line_id, volunteer_id=volunteer_id,
                                  site_id=self.sites[village_key],
                                  activity=village.errand.activity, started_at=starts_at,
                                  ended_at=ends_at, now=ends_at + timedelta(days=1))
            await self._run(command, actor)
            self.counts["timesheet lines"] += 1
            if number == 5:  # entered half an hour too long, corrected a week later
                await self._run(CorrectHours(
                    line_id=line_id, volunteer_id=volunteer_id, site_id=command.site_id,
                    activity=command.activity, started_at=starts_at,
                    ended_at=ends_at - timedelta(minutes=30),
                    reason="Ende laut Fahrtenbuch eine halbe Stunde früher",
                    now=ends_at + timedelta(days=8)), actor)
                self.counts["timesheet corrections"] += 1

    async def _erase(self) -> None:
        await erase(self.handler, self.pool, self.volunteers[-1], self.admin)
        self.counts["erased volunteers"] = 1


def _by_site(shifts: list[PlannedShift]) -> list[list[PlannedShift]]:
    """Shifts of each site, in time order: the sites run side by side."""
    groups: dict[UUID, list[PlannedShift]] = {}
    for shift in sorted(shifts, key=lambda s: (s.starts_at, str(s.shift_id))):
        groups.setdefault(shift.site_id, []).append(shift)
    return list(groups.values())


def _cycle(items: list[UUID]) -> Iterable[UUID]:
    while True:
        yield from items


def _first_weekday(earliest: date, weekday: int) -> date:
    """The first ``weekday`` (0 is Monday) at or after ``earliest``."""
    return earliest + timedelta(days=(weekday - earliest.weekday()) % 7)


def _people(rng: random.Random) -> list[Person]:
    """The volunteers with accounts, then fictitious others, no name twice."""
    people = list(plan.VOLUNTEERS_WITH_ACCOUNTS)
    names = {person.name for person in people} | {plan.ERASED_VOLUNTEER.name}
    while len(people) < plan.VOLUNTEER_COUNT - 1:
        person = Person(rng.choice(plan.FIRST_NAMES), rng.choice(plan.LAST_NAMES))
        if person.name not in names:
            names.add(person.name)
            people.append(person)
    return people
