"""The scheduling commands against real PostgreSQL, under concurrency: several handlers (as
several processes) racing for the same streams. The scenarios without a race run against the
in-memory store (tests/unit/test_command_scenarios.py)."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta
from uuid import uuid4

import pytest

from events.base import EventMetadata
from events.shifts import ShiftClaimed
from services.commands.handler import CommandHandler
from services.commands.rejections import Conflict
from services.rooms.decider import BookRoom
from services.shifts.decider import ClaimShift
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

pytestmark = pytest.mark.integration


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
