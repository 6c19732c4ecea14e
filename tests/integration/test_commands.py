"""The scheduling commands against real PostgreSQL, under concurrency."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest

from events.base import EventMetadata
from events.offers import AttendanceRecorded
from events.shifts import ShiftClaimed, ShiftWaitlisted, VolunteerShiftClaimed
from events.store import EventStore, PendingEvent, StreamWrite
from events.volunteers import VolunteerRegistered
from services.commands.handler import CommandHandler, KeyReused
from services.offers.decider import CreateOffer, RecordAttendance, ScheduleSession
from services.commands.rejections import Conflict
from services.rooms.decider import AddRoom, BookRoom, CancelBooking
from services.commands.catalog import decider_for
from services.shifts.decider import ClaimShift, CreateShift, ReleaseClaim
from services.sites.decider import AddSite
from services.trainings.decider import CompleteTraining, EnrollInTraining, PlanTraining

pytestmark = pytest.mark.integration


async def run(handler: CommandHandler, command, metadata):
    return await handler.handle(decider_for(command), command, metadata)

NOW = datetime(2026, 10, 1, 8, tzinfo=UTC)
COORDINATOR = EventMetadata(actor="account-coordinator")


def at(day: int, hour: int) -> datetime:
    return datetime(2026, 10, day, hour, tzinfo=UTC)


async def types_in(store: EventStore, stream_id: str) -> list[str]:
    return [recorded.type for recorded in await store.read_stream(stream_id)]


async def a_site_with_a_room(handler: CommandHandler) -> tuple[UUID, UUID]:
    site, room = uuid4(), uuid4()
    await run(handler, AddSite(site_id=site, name="Dorftreff", village="Linden", now=NOW),
              COORDINATOR)
    await run(handler, AddRoom(room_id=room, site_id=site, name="Saal", capacity=40, now=NOW),
              COORDINATOR)
    return site, room


async def volunteers(store: EventStore, count: int) -> list[UUID]:
    ids = [uuid4() for _ in range(count)]
    for volunteer_id in ids:
        registered = VolunteerRegistered(volunteer_id=volunteer_id, name=b"-", email=b"-")
        pending = PendingEvent(event=registered, occurred_at=NOW)
        await store.append(
            StreamWrite(f"volunteer-{volunteer_id}", 0, [pending]), metadata=COORDINATOR
        )
    return ids


async def a_shift(handler: CommandHandler, site: UUID, capacity: int, start=at(10, 9), **kw):
    shift = uuid4()
    await run(
        handler,
        CreateShift(shift_id=shift, site_id=site, title="Küche", starts_at=start,
                    ends_at=start + timedelta(hours=4), capacity=capacity, now=NOW, **kw),
        COORDINATOR,
    )
    return shift


async def test_fifty_concurrent_claims_fill_five_places_and_wait_list_the_rest(store):
    handlers = [CommandHandler(store) for _ in range(4)]  # four service processes
    site, _ = await a_site_with_a_room(handlers[0])
    shift = await a_shift(handlers[0], site, capacity=5)
    people = await volunteers(store, 50)

    results = await asyncio.gather(*(
        run(handlers[i % 4], ClaimShift(shift_id=shift, volunteer_id=v, now=NOW), COORDINATOR)
        for i, v in enumerate(people)
    ))

    outcomes = Counter(type(result.events[0]).__name__ for result in results)
    assert outcomes == {"ShiftClaimed": 5, "ShiftWaitlisted": 45}
    stored = Counter(await types_in(store, f"shift-{shift}"))
    assert (stored["shift.claimed"], stored["shift.waitlisted"]) == (5, 45)
    holders = [r.events[0].volunteer_id for r in results if isinstance(r.events[0], ShiftClaimed)]
    for volunteer_id in holders:
        assert "volunteer.shift_claimed" in await types_in(store, f"volunteer-{volunteer_id}")


async def test_twenty_concurrent_overlapping_bookings_leave_exactly_one(store):
    handler = CommandHandler(store)
    _, room = await a_site_with_a_room(handler)

    async def book(offset: int):
        start = at(5, 10) + timedelta(minutes=offset)
        command = BookRoom(room_id=room, booking_id=uuid4(), title=f"Kurs {offset}",
                           starts_at=start, ends_at=start + timedelta(hours=1), now=NOW)
        try:
            return await run(handler, command, COORDINATOR)
        except Conflict as refused:
            return refused

    outcomes = await asyncio.gather(*(book(offset) for offset in range(20)))

    assert sum(not isinstance(o, Conflict) for o in outcomes) == 1
    assert all(o.members["code"] == "room_taken" for o in outcomes if isinstance(o, Conflict))
    assert (await types_in(store, f"room-{room}")).count("room.booked") == 1


async def test_the_same_claim_sent_ten_times_with_one_key_stores_one_claim(store):
    handler = CommandHandler(store)
    site, _ = await a_site_with_a_room(handler)
    shift = await a_shift(handler, site, capacity=3)
    [volunteer] = await volunteers(store, 1)
    keyed = EventMetadata(actor="account-volunteer", idempotency_key="claim-once")
    claim = ClaimShift(shift_id=shift, volunteer_id=volunteer, now=NOW)

    concurrent = await asyncio.gather(*(run(handler, claim, keyed) for _ in range(5)))
    sequential = [await run(CommandHandler(store), claim, keyed) for _ in range(5)]

    results = concurrent + sequential
    assert (await types_in(store, f"shift-{shift}")).count("shift.claimed") == 1
    assert (await types_in(store, f"volunteer-{volunteer}")).count("volunteer.shift_claimed") == 1
    assert {r.position for r in results} == {results[0].position}
    assert sum(not r.replayed for r in results) == 1
    assert all(isinstance(r.events[0], ShiftClaimed) for r in results)


async def test_a_session_books_its_room_atomically_and_a_conflict_stores_nothing(store):
    handler = CommandHandler(store)
    site, room = await a_site_with_a_room(handler)
    offer = uuid4()
    await run(handler, CreateOffer(offer_id=offer, site_id=site, title="Mittagstisch",
                                   category="community", now=NOW), COORDINATOR)
    first, second = uuid4(), uuid4()
    result = await run(handler, ScheduleSession(
        session_id=first, booking_id=uuid4(), offer_id=offer, room_id=room,
        starts_at=at(7, 10), ends_at=at(7, 12), now=NOW), COORDINATOR)
    room_events = await store.read_stream(f"room-{room}")
    session_events = await store.read_stream(f"session-{first}")
    assert [e.type for e in room_events] == ["room.added", "room.booked"]
    assert [e.type for e in session_events] == ["session.scheduled"]
    assert room_events[-1].transaction_id == session_events[0].transaction_id
    assert result.position == max(room_events[-1].position, session_events[0].position)

    with pytest.raises(Conflict):
        await run(handler, ScheduleSession(
            session_id=second, booking_id=uuid4(), offer_id=offer, room_id=room,
            starts_at=at(7, 11), ends_at=at(7, 13), now=NOW), COORDINATOR)
    assert len(await store.read_stream(f"room-{room}")) == 2
    assert await store.read_stream(f"session-{second}") == []


async def test_attendance_occurs_at_the_occurrences_start_and_a_cancellation_reaches_the_session(
    store,
):
    handler = CommandHandler(store)
    site, room = await a_site_with_a_room(handler)
    offer, session, booking = uuid4(), uuid4(), uuid4()
    await run(handler, CreateOffer(offer_id=offer, site_id=site, title="Zeitungscafé",
                                   category="participation", now=NOW), COORDINATOR)
    await run(handler, ScheduleSession(
        session_id=session, booking_id=booking, offer_id=offer, room_id=room,
        starts_at=at(2, 8), ends_at=at(2, 10), now=NOW), COORDINATOR)
    await run(handler, RecordAttendance(session_id=session, occurrence_starts_at=at(2, 8),
                                        visitors=9, now=at(20, 12)), COORDINATOR)
    [*_, recorded] = await store.read_stream(f"session-{session}")
    assert isinstance(recorded.event, AttendanceRecorded) and recorded.occurred_at == at(2, 8)

    again = uuid4()
    await run(handler, ScheduleSession(
        session_id=again, booking_id=uuid4(), offer_id=offer, room_id=room,
        starts_at=at(9, 8), ends_at=at(9, 10), now=NOW), COORDINATOR)
    booking_of_again = (await store.read_stream(f"session-{again}"))[0].event.booking_id
    await run(handler, CancelBooking(room_id=room, booking_id=booking_of_again, now=NOW),
              COORDINATOR)
    assert (await types_in(store, f"session-{again}"))[-1] == "session.occurrences_cancelled"
    # The freed time can be booked again.
    await run(handler, BookRoom(room_id=room, booking_id=uuid4(), title="Chor",
                                starts_at=at(9, 8), ends_at=at(9, 10), now=NOW), COORDINATOR)


async def test_a_release_hands_the_place_to_the_first_waiting_in_the_same_append(store):
    handler = CommandHandler(store)
    site, _ = await a_site_with_a_room(handler)
    shift = await a_shift(handler, site, capacity=1)
    holder, waiting = await volunteers(store, 2)
    for v in (holder, waiting):
        await run(handler, ClaimShift(shift_id=shift, volunteer_id=v, now=NOW), COORDINATOR)

    release = ReleaseClaim(shift_id=shift, volunteer_id=holder, now=NOW)
    result = await run(handler, release, COORDINATOR)

    assert [type(e).__name__ for e in result.events] == [
        "ShiftClaimReleased", "VolunteerShiftReleased", "ShiftClaimed", "VolunteerShiftClaimed"
    ]
    assert (await types_in(store, f"volunteer-{waiting}"))[-1] == "volunteer.shift_claimed"
    assert (await types_in(store, f"volunteer-{holder}"))[-1] == "volunteer.shift_released"


async def test_one_volunteer_claiming_two_overlapping_shifts_at_once_gets_one(store):
    handler = CommandHandler(store)
    site, _ = await a_site_with_a_room(handler)
    early = await a_shift(handler, site, 3, at(10, 9))
    late = await a_shift(handler, site, 3, at(10, 11))
    [volunteer] = await volunteers(store, 1)

    async def claim(shift):
        try:
            claim = ClaimShift(shift_id=shift, volunteer_id=volunteer, now=NOW)
            return await run(CommandHandler(store), claim, COORDINATOR)
        except Conflict as refused:
            return refused

    outcomes = await asyncio.gather(claim(early), claim(late))

    assert sorted(type(o).__name__ for o in outcomes) == ["CommandResult", "Conflict"]
    assert (await types_in(store, f"volunteer-{volunteer}")).count("volunteer.shift_claimed") == 1


async def test_a_completed_training_qualifies_for_a_shift_that_requires_it(store):
    handler = CommandHandler(store)
    site, room = await a_site_with_a_room(handler)
    [volunteer] = await volunteers(store, 1)
    training = uuid4()
    await run(handler, PlanTraining(
        training_id=training, booking_id=uuid4(), site_id=site, room_id=room, title="Hygiene",
        qualification="food_hygiene", valid_for_months=12, starts_at=at(3, 8), ends_at=at(3, 12),
        capacity=10, now=NOW), COORDINATOR)
    assert (await types_in(store, f"room-{room}"))[-1] == "room.booked"
    await run(handler, EnrollInTraining(training_id=training, volunteer_id=volunteer, now=NOW),
              COORDINATOR)
    shift = await a_shift(handler, site, 2, at(10, 9), required_qualifications=["food_hygiene"])

    await run(handler, CompleteTraining(training_id=training, attended=[volunteer], now=at(3, 12)),
              COORDINATOR)
    result = await run(handler, ClaimShift(shift_id=shift, volunteer_id=volunteer, now=at(4, 8)),
                       COORDINATOR)

    assert isinstance(result.events[1], VolunteerShiftClaimed)
    assert "volunteer.qualified" in await types_in(store, f"volunteer-{volunteer}")


async def test_a_key_reused_for_another_claim_is_refused_and_stores_nothing(store):
    handler = CommandHandler(store)
    site, _ = await a_site_with_a_room(handler)
    shift, other_shift = await a_shift(handler, site, 3), await a_shift(handler, site, 3, at(11, 9))
    first, second = await volunteers(store, 2)
    keyed = EventMetadata(actor="account-coordinator", idempotency_key="claim-1")
    await run(handler, ClaimShift(shift_id=shift, volunteer_id=first, now=NOW), keyed)

    for other in (ClaimShift(shift_id=shift, volunteer_id=second, now=NOW),
                  ClaimShift(shift_id=other_shift, volunteer_id=first, now=NOW)):
        with pytest.raises(KeyReused) as refused:
            await run(CommandHandler(store), other, keyed)
        assert refused.value.field == "Idempotency-Key" and refused.value.status == 422

    # The same request arriving later (another ``now``) is a repeat, not a new request.
    later = await run(handler, ClaimShift(shift_id=shift, volunteer_id=first, now=at(2, 8)), keyed)
    assert later.replayed
    assert (await types_in(store, f"shift-{shift}")).count("shift.claimed") == 1
    assert await types_in(store, f"shift-{other_shift}") == ["shift.created"]
    assert await types_in(store, f"volunteer-{second}") == ["volunteer.registered"]
