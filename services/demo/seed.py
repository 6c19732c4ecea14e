"""Demo data for the README's start command: the programme of ``services.demo.programme``,
seeded into an empty store through the same commands and services the API runs, so that its
history is real (and the ledger verifies it).

Every command carries the real current time, and the deciders refuse to claim a shift or
enroll in a training that has begun. So volunteer hours and completed trainings come from
shifts and trainings that begin while the demo is seeded: claimed and enrolled first,
confirmed and completed once they have begun. Past sessions are fine: their attendance is
recorded afterwards, as a coordinator would.

Choices come from seeded random generators, so a seed on the same day gives the same programme
(ids of volunteers and accounts, which their services choose, differ).
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections import Counter
from collections.abc import Awaitable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

import asyncpg

from events.base import EventMetadata
from events.offers import SessionScheduled
from events.rooms import Occurrence, Recurrence
from events.shifts import ShiftWaitlisted
from events.store import EventStore
from services.accounts.bootstrap import SYSTEM_ACTOR
from services.accounts.service import find_account, register_account
from services.auth.roles import AUDITOR, COORDINATOR, VOLUNTEER
from services.commands.catalog import decider_for
from services.commands.handler import CommandHandler, CommandResult
from services.demo.programme import (
    ALL_SITES_COORDINATOR,
    AUDITOR as AUDITOR_EMAIL,
    CORRECTION_REASONS,
    DEMO_PASSWORD,
    FIRST_NAMES,
    LAST_NAMES,
    REFRESHER,
    REFRESHER_DAYS_AHEAD,
    REFRESHER_MINUTES,
    REFRESHER_START,
    SEED,
    SHIFT_WEEKS_AHEAD,
    TRAININGS_TODAY,
    VILLAGES,
    VOLUNTEER_COUNT,
    VOLUNTEERS_WITH_ACCOUNTS,
    WEEKS_BACK,
    WEEKS_OF_SESSIONS,
    OfferPlan,
    Person,
    TrainingPlan,
    VillagePlan,
)
from services.platform.keys import Keys, derive_keys, secret_of
from services.offers.decider import CreateOffer, RecordAttendance, ScheduleSession
from services.rooms.decider import AddRoom, CancelBooking
from services.rooms.recurrence import BERLIN
from services.platform.settings import Settings
from services.shifts.decider import ClaimShift, ConfirmShiftAttendance, CreateShift
from services.sites.decider import AddSite
from services.trainings.decider import (
    CompleteTraining,
    EnrollInTraining,
    PlanTraining,
    qualification_valid_until,
)
from services.volunteers.service import register

log = logging.getLogger(__name__)

CONCURRENCY = 4
"""Commands in flight at once: the start command's pool holds four connections."""
PASSWORD_HASHES_AT_ONCE = 2
"""Argon2 takes 64 MiB and a core per hash."""
TODAY_LEAD = timedelta(seconds=4)
"""How far ahead today's shifts and trainings begin: enough to claim and enroll first."""
TODAY_TRAINING_LENGTH = timedelta(hours=2)

_DEMO_IDS = uuid5(NAMESPACE_URL, "treffpunkt:demo")
_WEEKDAYS = {"MO": 0, "TU": 1, "WE": 2, "TH": 3, "FR": 4, "SA": 5, "SU": 6}


async def seed_demo(pool: asyncpg.Pool, store: EventStore, settings: Settings) -> bool:
    """Seed the demo programme into a store that holds nothing but the first admin (keys of
    accounts and volunteers go into ``pool``'s database).

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


@dataclass
class _Session:
    village: VillagePlan
    offer: OfferPlan
    session_id: UUID
    occurrences: list[Occurrence]
    """Those not cancelled."""


@dataclass
class _Shift:
    shift_id: UUID
    site_id: UUID
    actor: str
    title: str
    starts_at: datetime
    ends_at: datetime
    capacity: int
    required: tuple[str, ...] = ()
    session_id: UUID | None = None
    claims: list[UUID] = field(default_factory=list)
    """In the order they are made: the first ``capacity`` get places, the rest wait."""


class _Seeder:
    def __init__(
        self, handler: CommandHandler, pool: asyncpg.Pool, keys: Keys, admin_actor: str
    ) -> None:
        self.handler = handler
        self.pool = pool
        self.keys = keys
        self.admin = admin_actor
        self.rng = random.Random(SEED)
        self.in_flight = asyncio.Semaphore(CONCURRENCY)
        self.hashing = asyncio.Semaphore(PASSWORD_HASHES_AT_ONCE)
        self.counts: Counter[str] = Counter()
        self.today = _now().astimezone(BERLIN).date()
        self.sites: dict[str, UUID] = {}
        self.coordinators: dict[str, str] = {}
        """Village key -> the actor of its coordinator's account."""
        self.coordinator_of_all = admin_actor
        """Registers the volunteers: they serve in every village."""
        self.volunteers: list[UUID] = []
        """In registration order: the first ones have accounts."""
        self.shuffled: list[UUID] = []
        """The seeded order in which volunteers are picked for trainings and shifts."""
        self.qualified: dict[UUID, dict[str, datetime]] = {}
        self.holds: dict[UUID, list[tuple[datetime, datetime]]] = {}
        self.sessions: dict[str, _Session] = {}

    async def seed(self) -> Counter[str]:
        await self._sites_and_staff()
        await self._rooms_and_volunteers()
        volunteer_accounts = asyncio.create_task(self._volunteer_accounts())
        begins = _now().replace(microsecond=0) + TODAY_LEAD
        trainings, shifts = await _each([self._trainings_today(begins),
                                         self._shifts_today(begins)])
        await _each(self._offer(village, offer)
                    for village in VILLAGES for offer in village.offers)
        await asyncio.sleep(max(0.0, (begins - _now()).total_seconds() + 0.01))
        await _each([self._complete(trainings), self._confirm(shifts)])
        await self._upcoming_shifts()
        await self._refresher()
        await volunteer_accounts
        return self.counts

    async def _run(self, command: Any, actor: str) -> CommandResult:
        async with self.in_flight:
            return await self.handler.handle(
                decider_for(command), command, EventMetadata(actor=actor))

    # Sites, staff, rooms and volunteers ---------------------------------------------------------

    async def _sites_and_staff(self) -> None:
        for village in VILLAGES:
            self.sites[village.key] = _id("site", village.key)
        await _each(
            self._run(AddSite(site_id=self.sites[village.key], name=village.site_name,
                              village=village.village, now=_now()), self.admin)
            for village in VILLAGES
        )
        staff = [(village.coordinator_email, COORDINATOR, [self.sites[village.key]])
                 for village in VILLAGES]
        staff += [(ALL_SITES_COORDINATOR, COORDINATOR, list(self.sites.values())),
                  (AUDITOR_EMAIL, AUDITOR, [])]
        ids = await _each(self._account(email, role, site_ids) for email, role, site_ids in staff)
        for village, account_id in zip(VILLAGES, ids):
            self.coordinators[village.key] = f"account:{account_id}"
        self.coordinator_of_all = f"account:{ids[len(VILLAGES)]}"

    async def _account(self, email: str, role: str, site_ids: list[UUID],
                       volunteer_id: UUID | None = None) -> UUID:
        async with self.hashing:
            _, account_id = await register_account(
                self.handler, self.pool, self.keys, email=email, password=DEMO_PASSWORD, role=role,
                site_ids=site_ids, volunteer_id=volunteer_id, actor=self.admin,
            )
        self.counts["accounts"] += 1
        return account_id

    async def _rooms_and_volunteers(self) -> None:
        rooms = [
            AddRoom(room_id=_id("room", f"{village.key}:{room.key}"),
                    site_id=self.sites[village.key], name=room.name, capacity=room.capacity,
                    now=_now())
            for village in VILLAGES for room in village.rooms
        ]
        actors = [self.coordinators[village.key] for village in VILLAGES for _ in village.rooms]
        people = _people(self.rng)
        phones = [f"05109 {self.rng.randint(1000, 99999)}" if self.rng.random() < 0.7 else None
                  for _ in people]
        _, self.volunteers = await _each([
            _each(self._run(room, actor) for room, actor in zip(rooms, actors)),
            _each(self._register(person, phone) for person, phone in zip(people, phones)),
        ])
        self.counts["sites"] = len(VILLAGES)
        self.counts["rooms"] = len(rooms)
        self.shuffled = list(self.volunteers)
        self.rng.shuffle(self.shuffled)

    async def _register(self, person: Person, phone: str | None) -> UUID:
        async with self.in_flight:
            _, volunteer_id = await register(self.handler, self.pool, person.name, person.email,
                                             phone, self.coordinator_of_all)
        self.counts["volunteers"] += 1
        return volunteer_id

    async def _volunteer_accounts(self) -> None:
        await _each(self._account(person.email, VOLUNTEER, [], volunteer_id)
                    for person, volunteer_id in zip(VOLUNTEERS_WITH_ACCOUNTS, self.volunteers))

    # Today: trainings and shifts that begin while the demo is seeded ----------------------------

    async def _trainings_today(
        self, begins: datetime
    ) -> list[tuple[UUID, str, list[UUID]]]:
        async def one(plan: TrainingPlan) -> tuple[UUID, str, list[UUID]]:
            attendees = self.shuffled[plan.attendees]
            stop = plan.attendees.stop
            enrolled = [*attendees, *self.shuffled[stop:stop + plan.no_shows]]
            training_id = await self._plan_training(plan, f"today:{plan.title}", begins,
                                                    begins + TODAY_TRAINING_LENGTH, enrolled)
            valid_until = qualification_valid_until(begins, plan.valid_for_months)
            for volunteer_id in attendees:
                self.qualified.setdefault(volunteer_id, {})[plan.qualification] = valid_until
            return training_id, self.coordinators[plan.village], attendees

        return await _each(one(plan) for plan in TRAININGS_TODAY)

    async def _plan_training(self, plan: TrainingPlan, key: str, starts_at: datetime,
                             ends_at: datetime, enrolled: list[UUID]) -> UUID:
        training_id = _id("training", key)
        actor = self.coordinators[plan.village]
        await self._run(PlanTraining(
            training_id=training_id, booking_id=_id("training-booking", key),
            site_id=self.sites[plan.village], room_id=_id("room", f"{plan.village}:{plan.room}"),
            title=plan.title, qualification=plan.qualification,
            valid_for_months=plan.valid_for_months, starts_at=starts_at, ends_at=ends_at,
            capacity=plan.capacity, now=_now(),
        ), actor)
        for volunteer_id in enrolled:
            await self._run(EnrollInTraining(training_id=training_id, volunteer_id=volunteer_id,
                                             now=_now()), actor)
        self.counts["trainings"] += 1
        self.counts["enrollments"] += len(enrolled)
        return training_id

    async def _shifts_today(self, begins: datetime) -> list[tuple[_Shift, list[UUID]]]:
        """Each village's errand of the day, served by volunteers not in today's trainings."""
        in_trainings = max(plan.attendees.stop + plan.no_shows for plan in TRAININGS_TODAY)
        free = iter(self.shuffled[in_trainings:])
        planned = []
        for village in VILLAGES:
            errand = village.today_shift
            shift = _Shift(
                shift_id=_id("shift", f"today:{village.key}"), site_id=self.sites[village.key],
                actor=self.coordinators[village.key], title=errand.title, starts_at=begins,
                ends_at=begins + timedelta(hours=errand.hours), capacity=errand.capacity,
                claims=[next(free) for _ in range(errand.capacity)],
            )
            # In Degersen one volunteer did not turn up.
            present = shift.claims[:-1] if village.key == "degersen" else shift.claims
            planned.append((shift, present))
            self._hold(shift)
        await _each(self._create_and_claim(shift) for shift, _ in planned)
        return planned

    async def _complete(self, trainings: list[tuple[UUID, str, list[UUID]]]) -> None:
        await _each(
            self._run(CompleteTraining(training_id=training_id, attended=attendees, now=_now()),
                      actor)
            for training_id, actor, attendees in trainings
        )

    async def _confirm(self, shifts: list[tuple[_Shift, list[UUID]]]) -> None:
        await _each(
            self._run(ConfirmShiftAttendance(shift_id=shift.shift_id, present=present,
                                             now=_now()), shift.actor)
            for shift, present in shifts
        )
        self.counts["shifts with confirmed hours"] = len(shifts)

    # The weekly programme ------------------------------------------------------------------------

    async def _offer(self, village: VillagePlan, offer: OfferPlan) -> None:
        rng = random.Random(f"{SEED}:{offer.key}")
        actor = self.coordinators[village.key]
        offer_id, session_id = _id("offer", offer.key), _id("session", offer.key)
        room_id, booking_id = _id("room", f"{village.key}:{offer.room}"), _id("booking", offer.key)
        await self._run(CreateOffer(offer_id=offer_id, site_id=self.sites[village.key],
                                    title=offer.title, category=offer.category,
                                    description=offer.description, now=_now()), actor)
        starts_at = _first_start(self.today - timedelta(weeks=WEEKS_BACK), offer)
        scheduled = await self._run(ScheduleSession(
            session_id=session_id, booking_id=booking_id, offer_id=offer_id, room_id=room_id,
            starts_at=starts_at, ends_at=starts_at + timedelta(minutes=offer.minutes),
            recurrence=Recurrence(rrule=f"FREQ=WEEKLY;BYDAY={offer.weekday}",
                                  count=WEEKS_OF_SESSIONS),
            now=_now(),
        ), actor)
        occurrences = next(event for event in scheduled.events
                           if isinstance(event, SessionScheduled)).occurrences
        self.counts["offers"] += 1
        corrects = rng.random() < 0.4
        now = _now()
        ahead = [o for o in occurrences if o.starts_at > now + timedelta(days=1)]
        if offer.cancel_week is not None and len(ahead) >= offer.cancel_week:
            cancelled = ahead[offer.cancel_week - 1]
            await self._run(CancelBooking(room_id=room_id, booking_id=booking_id,
                                          occurrence_starts_at=cancelled.starts_at, now=_now()),
                            actor)
            occurrences = [o for o in occurrences if o != cancelled]
            self.counts["cancelled occurrences"] += 1
        self.sessions[offer.key] = _Session(village, offer, session_id, occurrences)
        held = [o for o in occurrences if o.ends_at <= now]
        visitors: list[int] = []
        for occurrence in held:
            visitors.append(max(1, round(rng.gauss(offer.visitors, offer.visitors * 0.2))))
            await self._run(RecordAttendance(session_id=session_id,
                                             occurrence_starts_at=occurrence.starts_at,
                                             visitors=visitors[-1], now=_now()), actor)
        self.counts["attendance records"] += len(held)
        if corrects and held:
            which = rng.randrange(len(held))
            corrected = max(0, visitors[which] + rng.choice((-2, -1, 1, 2, 3)))
            await self._run(RecordAttendance(session_id=session_id,
                                             occurrence_starts_at=held[which].starts_at,
                                             visitors=corrected,
                                             reason=rng.choice(CORRECTION_REASONS), now=_now()),
                            actor)
            self.counts["corrections"] += 1

    # Upcoming shifts and the refresher -----------------------------------------------------------

    async def _upcoming_shifts(self) -> None:
        """Shifts for the next weeks' sessions, claimed by eligible volunteers in seeded order."""
        soonest = _now() + timedelta(hours=1)
        planned: list[tuple[_Shift, int]] = []
        for village in VILLAGES:
            for offer in village.offers:
                work = offer.shift
                if work is None:
                    continue
                session = self.sessions[offer.key]
                upcoming = [o for o in session.occurrences
                            if o.starts_at - timedelta(minutes=work.before) > soonest]
                for week, occurrence in enumerate(upcoming[:SHIFT_WEEKS_AHEAD]):
                    shift = _Shift(
                        shift_id=_id("shift", f"{offer.key}:{occurrence.starts_at.isoformat()}"),
                        site_id=self.sites[village.key], actor=self.coordinators[village.key],
                        title=f"{offer.title}: {work.title}",
                        starts_at=occurrence.starts_at - timedelta(minutes=work.before),
                        ends_at=occurrence.ends_at + timedelta(minutes=work.after),
                        capacity=work.capacity, required=work.required,
                        session_id=session.session_id,
                    )
                    wanted = (work.capacity + 2 if offer.popular_shift and week == 0
                              else self.rng.choice((work.capacity - 1, work.capacity,
                                                    work.capacity)))
                    planned.append((shift, wanted))
        planned.sort(key=lambda item: (item[0].starts_at, str(item[0].shift_id)))
        for shift, wanted in planned:
            candidates = list(self.shuffled)
            self.rng.shuffle(candidates)
            shift.claims = [v for v in candidates if self._can_take(v, shift)][:wanted]
            self._hold(shift)
        await _each(self._create_and_claim(shift) for shift, _ in planned)

    async def _create_and_claim(self, shift: _Shift) -> None:
        await self._run(CreateShift(
            shift_id=shift.shift_id, site_id=shift.site_id, title=shift.title,
            starts_at=shift.starts_at, ends_at=shift.ends_at, capacity=shift.capacity,
            required_qualifications=list(shift.required), session_id=shift.session_id,
            now=_now(),
        ), shift.actor)
        self.counts["shifts"] += 1
        for volunteer_id in shift.claims:
            result = await self._run(ClaimShift(shift_id=shift.shift_id,
                                                volunteer_id=volunteer_id, now=_now()),
                                     shift.actor)
            waitlisted = any(isinstance(event, ShiftWaitlisted) for event in result.events)
            self.counts["waitlisted" if waitlisted else "claims"] += 1

    def _can_take(self, volunteer_id: UUID, shift: _Shift) -> bool:
        """What the shift decider checks, known ahead: valid qualifications, no overlap."""
        qualifications = self.qualified.get(volunteer_id, {})
        if any(qualifications.get(q, shift.starts_at) <= shift.starts_at for q in shift.required):
            return False
        return not any(start < shift.ends_at and shift.starts_at < end
                       for start, end in self.holds.get(volunteer_id, []))

    def _hold(self, shift: _Shift) -> None:
        for volunteer_id in shift.claims[:shift.capacity]:
            self.holds.setdefault(volunteer_id, []).append((shift.starts_at, shift.ends_at))

    async def _refresher(self) -> None:
        day = self.today + timedelta(days=REFRESHER_DAYS_AHEAD)
        starts_at = datetime.combine(day, REFRESHER_START, tzinfo=BERLIN)
        await self._plan_training(REFRESHER, "refresher", starts_at,
                                  starts_at + timedelta(minutes=REFRESHER_MINUTES),
                                  self.shuffled[REFRESHER.attendees])


def _first_start(earliest: date, offer: OfferPlan) -> datetime:
    """The offer's first weekday at or after ``earliest``, at its start time in Berlin."""
    day = earliest + timedelta(days=(_WEEKDAYS[offer.weekday] - earliest.weekday()) % 7)
    return datetime.combine(day, offer.start, tzinfo=BERLIN)


def _people(rng: random.Random) -> list[Person]:
    """The volunteers with accounts, then fictitious others, no name twice."""
    people = list(VOLUNTEERS_WITH_ACCOUNTS)
    names = {person.name for person in people}
    while len(people) < VOLUNTEER_COUNT:
        person = Person(rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES))
        if person.name not in names:
            names.add(person.name)
            people.append(person)
    return people
