"""A generated, realistic history written through the real command path by concurrent writers.

Sites, rooms, weekly bookings and cancellations, offers with sessions, attendance and
corrections, shifts with claims, waitlists, releases and attendance, trainings with
enrollments and completions. Every command goes through ``CommandHandler.handle`` of the
writer's own (as an API process would), so the deciders check it and
writers contend for shared volunteer streams exactly as real requests do.

The world runs on a simulated clock: a command's ``now`` is chosen so that it is valid
(claims before a shift, attendance after it), which the pure deciders allow.

``write_history_in_bulk`` writes the same mix for volume (benchmarks, a long catch-up): the
same commands and deciders on states kept in memory, appended in appends of thousands.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import asyncpg

from events.base import EventMetadata
from events.rooms import Recurrence
from events.shifts import ShiftClaimed, ShiftWaitlisted
from events.store import EventStore, PendingEvent, StreamWrite
from services.commands.catalog import decider_for
from services.commands.decider import Decider, States, Stream
from services.commands.handler import CommandHandler, CommandResult
from services.offers.decider import ChangeOffer, CreateOffer, RecordAttendance, ScheduleSession
from services.commands.rejections import Rejection
from services.qualifications.decider import DefineQualification
from services.rooms.decider import AddRoom, BookRoom, CancelBooking
from services.rooms.recurrence import BERLIN
from services.shifts.decider import ClaimShift, ConfirmShiftAttendance, CreateShift, ReleaseClaim
from services.sites.decider import AddSite
from services.trainings.decider import (
    CancelEnrollment,
    CompleteTraining,
    EnrollInTraining,
    PlanTraining,
)
from services.volunteers.service import register

BULK_APPEND_EVENTS = 5000

BOOKING_TIME = datetime(2026, 1, 1, tzinfo=UTC)
"""Every claim and enrollment is made then; everything booked lies after it."""
FIRST_WEEK = datetime(2026, 1, 5, tzinfo=BERLIN)  # a Monday
DAYTIME_HOURS = 12  # 08:00 to 20:00 local
WEEKS_PER_SERIES = 4
CATEGORIES = ("movement", "mental_health", "civic_engagement", "participation", "community")
METADATA = EventMetadata(actor="history-generator")


def planned_at(starts_at: datetime) -> datetime:
    """When something starting then is booked: at BOOKING_TIME, or a week ahead for what lies
    further out (a start may lie only so far ahead of its command's ``now``, services/checks.py),
    however long the history grows."""
    return max(BOOKING_TIME, starts_at - timedelta(weeks=1))


class RoomCalendar:
    """Hands out hour slots of one room that never overlap: a weekly series per slot."""

    def __init__(self, room_id: UUID) -> None:
        self.room_id = room_id
        self.used = 0

    def next_start(self) -> datetime:
        per_block = 7 * DAYTIME_HOURS
        block, offset = divmod(self.used, per_block)
        self.used += 1
        day, hour = divmod(offset, DAYTIME_HOURS)
        local = FIRST_WEEK + timedelta(weeks=block * WEEKS_PER_SERIES, days=day)
        return local.replace(hour=8 + hour)


@dataclass
class World:
    volunteers: list[UUID]
    qualified: set[UUID] = field(default_factory=set)
    shift_slots: int = 0
    written: int = 0
    refused: int = 0

    def next_shift_start(self) -> datetime:
        # Shifts never overlap each other, so a volunteer's claims never clash in time.
        self.shift_slots += 1
        return datetime(2026, 2, 1, tzinfo=UTC) + timedelta(hours=3 * self.shift_slots)


class Writer:
    """One writer (an API process): its own site and rooms, the volunteers shared by all."""

    def __init__(self, handler: CommandHandler, world: World, rng: random.Random) -> None:
        self.handler = handler
        self.world = world
        self.rng = rng
        self.site_id = uuid4()
        self.rooms: list[RoomCalendar] = []
        self.offers: list[UUID] = []

    async def do(self, command: Any) -> list | None:
        try:
            result = await self.handler.handle(decider_for(command), command, METADATA)
        except Rejection:
            self.world.refused += 1
            return None
        self.world.written += len(result.events)
        return result.events

    async def set_up(self, rooms: int) -> None:
        await self.do(AddSite(site_id=self.site_id, name="Dorftreff", village="Vorort", now=BOOKING_TIME))
        # The catalogue's code (the second writer's definition is refused: defined already).
        await self.do(DefineQualification(code="first_aid", name_de="Erste Hilfe",
                                          name_en="First aid", default_valid_for_months=24,
                                          now=BOOKING_TIME))
        for number in range(rooms):
            room_id = uuid4()
            await self.do(
                AddRoom(room_id=room_id, site_id=self.site_id, name=f"Raum {number}", capacity=20,
                        now=BOOKING_TIME)
            )
            self.rooms.append(RoomCalendar(room_id))

    async def write_until(self, target: int) -> None:
        episodes = (self.booking, self.offer_session, self.shift, self.training)
        while self.world.written < target:
            await self.rng.choices(episodes, weights=(3, 3, 4, 2))[0]()

    async def booking(self) -> None:
        room = self.rng.choice(self.rooms)
        booking_id, starts_at = uuid4(), room.next_start()
        series = self.rng.random() < 0.7
        await self.do(
            BookRoom(
                room_id=room.room_id, booking_id=booking_id, title="Chorprobe",
                starts_at=starts_at, ends_at=starts_at + timedelta(hours=1),
                recurrence=Recurrence(rrule=f"FREQ=WEEKLY;COUNT={WEEKS_PER_SERIES}") if series else None,
                now=planned_at(starts_at),
            )
        )
        if series and self.rng.random() < 0.5:
            week = self.rng.randrange(WEEKS_PER_SERIES)
            await self.do(
                CancelBooking(room_id=room.room_id, booking_id=booking_id,
                              occurrence_starts_at=starts_at + timedelta(weeks=week), now=BOOKING_TIME)
            )
        if self.rng.random() < 0.2:
            await self.do(CancelBooking(room_id=room.room_id, booking_id=booking_id, now=BOOKING_TIME))

    async def offer_session(self) -> None:
        if not self.offers or self.rng.random() < 0.2:
            offer_id = uuid4()
            await self.do(
                CreateOffer(offer_id=offer_id, site_id=self.site_id, title="Sitzgymnastik",
                            category=self.rng.choice(CATEGORIES), now=BOOKING_TIME)
            )
            self.offers.append(offer_id)
        elif self.rng.random() < 0.3:  # renamed: the read models follow offer.details_changed
            await self.do(
                ChangeOffer(offer_id=self.rng.choice(self.offers),
                            title=f"Sitzgymnastik {self.rng.randrange(1000)}",
                            category=self.rng.choice(CATEGORIES), now=BOOKING_TIME)
            )
        room = self.rng.choice(self.rooms)
        session_id, starts_at = uuid4(), room.next_start()
        scheduled = await self.do(
            ScheduleSession(
                session_id=session_id, booking_id=uuid4(), offer_id=self.rng.choice(self.offers),
                room_id=room.room_id, starts_at=starts_at, ends_at=starts_at + timedelta(hours=1),
                recurrence=Recurrence(rrule=f"FREQ=WEEKLY;COUNT={WEEKS_PER_SERIES}"),
                now=planned_at(starts_at),
            )
        )
        if scheduled is None:
            return
        occurrences = [o.starts_at for o in scheduled[0].occurrences]
        booking_id = scheduled[0].booking_id
        # The last one is called off in advance; the others are held and counted.
        await self.do(CancelBooking(room_id=room.room_id, booking_id=booking_id,
                                    occurrence_starts_at=occurrences[-1], now=BOOKING_TIME))
        for held in occurrences[:-1]:
            await self.do(
                RecordAttendance(session_id=session_id, occurrence_starts_at=held,
                                 visitors=self.rng.randint(3, 25),
                                 breakdown={"over_65": self.rng.randint(0, 3)},
                                 now=held + timedelta(hours=2))
            )
        if self.rng.random() < 0.3:
            await self.do(
                RecordAttendance(session_id=session_id, occurrence_starts_at=occurrences[0],
                                 visitors=self.rng.randint(3, 25), reason="miscounted",
                                 now=occurrences[0] + timedelta(days=2))
            )

    async def shift(self) -> None:
        shift_id, starts_at = uuid4(), self.world.next_shift_start()
        capacity = self.rng.randint(2, 4)
        first_aid = len(self.world.qualified) > 12 and self.rng.random() < 0.25
        pool = sorted(self.world.qualified) if first_aid else self.world.volunteers
        await self.do(
            CreateShift(shift_id=shift_id, site_id=self.site_id, title="Tresen",
                        starts_at=starts_at, ends_at=starts_at + timedelta(hours=2),
                        capacity=capacity, required_qualifications=["first_aid"] if first_aid else [],
                        now=planned_at(starts_at))
        )
        claimed: list[UUID] = []
        waiting: list[UUID] = []
        for volunteer_id in self.rng.sample(pool, capacity + 2):
            events = await self.do(ClaimShift(shift_id=shift_id, volunteer_id=volunteer_id,
                                              now=BOOKING_TIME))
            for event in events or ():
                if isinstance(event, ShiftClaimed):
                    claimed.append(volunteer_id)
                elif isinstance(event, ShiftWaitlisted):
                    waiting.append(volunteer_id)
        if claimed and self.rng.random() < 0.6:
            leaving = claimed.pop(0)
            events = await self.do(ReleaseClaim(shift_id=shift_id, volunteer_id=leaving,
                                                now=BOOKING_TIME))
            promoted = [e.volunteer_id for e in events or () if isinstance(e, ShiftClaimed)]
            claimed += promoted
            waiting = [v for v in waiting if v not in promoted]
        if waiting and self.rng.random() < 0.5:
            await self.do(ReleaseClaim(shift_id=shift_id, volunteer_id=waiting[0], now=BOOKING_TIME))
        after = starts_at + timedelta(hours=3)
        await self.do(ConfirmShiftAttendance(shift_id=shift_id, present=claimed[1:], now=after))
        if self.rng.random() < 0.2:
            await self.do(ConfirmShiftAttendance(shift_id=shift_id, present=claimed,
                                                 reason="came late", now=after + timedelta(days=1)))

    async def training(self) -> None:
        room = self.rng.choice(self.rooms)
        training_id, starts_at = uuid4(), room.next_start()
        planned = await self.do(
            PlanTraining(training_id=training_id, booking_id=uuid4(), site_id=self.site_id,
                         room_id=room.room_id, title="Erste Hilfe", qualification="first_aid",
                         valid_for_months=24, starts_at=starts_at,
                         ends_at=starts_at + timedelta(hours=1), capacity=10,
                         now=planned_at(starts_at))
        )
        if planned is None:
            return
        enrolled = self.rng.sample(self.world.volunteers, 10)
        for volunteer_id in enrolled:
            await self.do(EnrollInTraining(training_id=training_id, volunteer_id=volunteer_id,
                                           now=BOOKING_TIME))
        dropped = enrolled.pop()
        await self.do(CancelEnrollment(training_id=training_id, volunteer_id=dropped, now=BOOKING_TIME))
        attended = enrolled[:-1]
        if await self.do(CompleteTraining(training_id=training_id, attended=attended,
                                          now=starts_at + timedelta(hours=2))):
            self.world.qualified.update(attended)


async def register_volunteers(pool: asyncpg.Pool, store: EventStore, count: int) -> list[UUID]:
    commands = CommandHandler(store)
    # At most 64 at once: the store refuses appends past its bounded queue (256 waiting).
    at_once = asyncio.Semaphore(64)

    async def one(n: int) -> UUID:
        async with at_once:
            _, volunteer_id = await register(commands, pool, f"Freiwillige {n}",
                                             f"v{n}@example.org", None, "history-generator")
            return volunteer_id

    return list(await asyncio.gather(*(one(n) for n in range(count))))


async def write_history(
    pool: asyncpg.Pool, stores: Sequence[EventStore], events: int, *, volunteers: int = 150,
    seed: int = 5,
) -> World:
    """At least ``events`` events by one writer per store, all at once; the world written.
    The volunteers' keys go into ``pool``'s database."""
    world = World(await register_volunteers(pool, stores[0], volunteers))
    world.written += volunteers
    writers = [
        Writer(CommandHandler(store), world, random.Random(seed + n)) for n, store in enumerate(stores)
    ]
    await asyncio.gather(*(writer.set_up(rooms=4) for writer in writers))
    await asyncio.gather(*(writer.write_until(events) for writer in writers))
    return world


class BulkHandler:
    """Stands in for CommandHandler: the same deciders, states in memory, appends in bulk."""

    def __init__(self, store: EventStore) -> None:
        self.store = store
        self.states = States()
        self.stored: dict[Stream[Any], int] = {}
        self.buffer: dict[Stream[Any], list[PendingEvent]] = {}
        self.buffered = 0
        self.appending = asyncio.Lock()

    async def handle(
        self, decider: Decider[Any], command: Any, metadata: EventMetadata
    ) -> CommandResult:
        while wanted := [stream for stream in decider.streams(command, self.states)
                         if stream not in self.stored]:
            for stream in wanted:
                await self._load(stream)
        events = decider.decide(command, self.states)
        for event in events:
            stream = decider.stream_of(event)
            self.states.fold(stream, event)
            self.buffer.setdefault(stream, []).append(
                PendingEvent(event=event, occurred_at=decider.occurred_at(event, command.now))
            )
        self.buffered += len(events)
        if self.buffered >= BULK_APPEND_EVENTS:
            await self.flush()
        return CommandResult(0, events)

    async def _load(self, stream: Stream[Any]) -> None:
        stored = await self.store.read_stream(stream.id)
        for recorded in stored:
            self.states.fold(stream, recorded.event)
        self.stored[stream] = len(stored)

    async def flush(self) -> None:
        async with self.appending:
            buffer, self.buffer, self.buffered = self.buffer, {}, 0
            if not buffer:
                return
            writes = [StreamWrite(s.id, self.stored[s], pending) for s, pending in buffer.items()]
            await self.store.append(*writes, metadata=EventMetadata(actor="bench"))
            for stream, pending in buffer.items():
                self.stored[stream] += len(pending)


async def write_history_in_bulk(
    pool: asyncpg.Pool, store: EventStore, events: int, *, volunteers: int = 400, writers: int = 4,
    seed: int = 7,
) -> World:
    """The same mix, decided in memory and appended in bulk: for volume, not for contention."""
    world = World(await register_volunteers(pool, store, volunteers))
    world.written += len(world.volunteers)
    handler = BulkHandler(store)
    team = [Writer(handler, world, random.Random(seed + n)) for n in range(writers)]  # type: ignore[arg-type]
    for writer in team:
        await writer.set_up(rooms=6)
    await asyncio.gather(*(writer.write_until(events) for writer in team))
    await handler.flush()
    return world
