"""Command scenarios over several streams: given events, when a command, then the events stored
(or a rejection and nothing stored). Through the real CommandHandler and deciders, against the
in-memory store; races between writers are PostgreSQL's to show (tests/integration/
test_commands.py)."""

from __future__ import annotations

from uuid import uuid4

import pytest

from events.base import EventMetadata
from events.catalog import registry
from events.memory import InMemoryEventStore
from events.offers import AttendanceRecorded
from events.shifts import VolunteerShiftClaimed
from services.commands.handler import CommandHandler, KeyReused
from services.offers.decider import CreateOffer, RecordAttendance, ScheduleSession
from services.commands.rejections import Conflict, Invalid
from services.rooms.decider import BookRoom, CancelBooking
from services.shifts.decider import ClaimShift, ReleaseClaim
from services.trainings.decider import CompleteTraining, EnrollInTraining, PlanTraining
from tests.scenarios import (
    COORDINATOR,
    NOW,
    a_shift,
    a_site_with_a_room,
    at,
    run,
    types_in,
    volunteers,
)

pytestmark = pytest.mark.unit


@pytest.fixture
def store() -> InMemoryEventStore:
    return InMemoryEventStore(registry)


@pytest.fixture
def handler(store) -> CommandHandler:
    return CommandHandler(store)


async def test_a_session_books_its_room_atomically_and_a_conflict_stores_nothing(store, handler):
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
    before = await store.count()

    with pytest.raises(Conflict):
        await run(handler, ScheduleSession(
            session_id=second, booking_id=uuid4(), offer_id=offer, room_id=room,
            starts_at=at(7, 11), ends_at=at(7, 13), now=NOW), COORDINATOR)
    assert await store.count() == before
    assert await store.read_stream(f"session-{second}") == []


async def test_attendance_occurs_at_the_occurrences_start_and_a_cancellation_reaches_the_session(
    store, handler
):
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


async def test_cancelling_a_trainings_booking_cancels_the_training_in_the_same_append(
    store, handler
):
    site, room = await a_site_with_a_room(handler)
    training, booking = uuid4(), uuid4()
    await run(handler, PlanTraining(
        training_id=training, booking_id=booking, site_id=site, room_id=room, title="Hygiene",
        qualification="food_hygiene", valid_for_months=12, starts_at=at(3, 8), ends_at=at(3, 12),
        capacity=10, now=NOW), COORDINATOR)

    result = await run(handler, CancelBooking(room_id=room, booking_id=booking, now=NOW),
                       COORDINATOR)

    assert [type(e).__name__ for e in result.events] == [
        "RoomOccurrencesCancelled", "TrainingCancelled"]
    assert (await types_in(store, f"training-{training}"))[-1] == "training.cancelled"
    [room_cancel] = [e for e in await store.read_stream(f"room-{room}")
                     if e.type == "room.occurrences_cancelled"]
    assert room_cancel.position <= result.position


async def test_a_release_hands_the_place_to_the_first_waiting_in_the_same_append(store, handler):
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
    assert len({e.transaction_id for e in await store.read_append(
        (await store.read_stream(f"shift-{shift}"))[-1].event_id)}) == 1


async def test_a_completed_training_qualifies_for_a_shift_that_requires_it(store, handler):
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
    with pytest.raises(Invalid) as unqualified:
        await run(handler, ClaimShift(shift_id=shift, volunteer_id=volunteer, now=at(2, 8)),
                  COORDINATOR)
    assert unqualified.value.members["code"] == "qualification_missing"

    await run(handler, CompleteTraining(training_id=training, attended=[volunteer], now=at(3, 12)),
              COORDINATOR)
    result = await run(handler, ClaimShift(shift_id=shift, volunteer_id=volunteer, now=at(4, 8)),
                       COORDINATOR)

    assert isinstance(result.events[1], VolunteerShiftClaimed)
    assert "volunteer.qualified" in await types_in(store, f"volunteer-{volunteer}")


async def test_a_repeated_keyed_command_answers_the_first_append_and_stores_nothing(
    store, handler
):
    site, _ = await a_site_with_a_room(handler)
    shift = await a_shift(handler, site, capacity=3)
    [volunteer] = await volunteers(store, 1)
    keyed = EventMetadata(actor="account-volunteer", idempotency_key="claim-once")
    claim = ClaimShift(shift_id=shift, volunteer_id=volunteer, now=NOW)

    first = await run(handler, claim, keyed)
    before = await store.count()
    again = await run(CommandHandler(store), claim, keyed)  # another process, no cache

    assert again.replayed and not first.replayed
    assert (again.position, again.events) == (first.position, first.events)
    assert await store.count() == before


async def test_a_key_reused_for_another_claim_is_refused_and_stores_nothing(store, handler):
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
