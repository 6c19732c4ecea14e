"""Handing a shift over through HTTP (API.md, "Second wave"): offered to a colleague or to the
site, accepted in one atomic step with the claim's rules, 409 when taken; and raced against a
release of the same place by another process, or against that place claimed elsewhere (freed
and taken by another volunteer, or claimed by the taker on another device): never two holders
nor a place lost."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest

from events.catalog import registry
from events.base import EventMetadata
from events.store import EventStore
from services.commands.handler import CommandHandler
from projections import handovers
from services.commands.rejections import Rejection
from services.reads.read_models import ReadModels
from services.shifts.decider import SHIFTS, ClaimShift, ReleaseClaim
from services.shifts.state import SHIFT
from services.volunteers.state import VOLUNTEER
from tests.accounts_world import (
    ADMIN,
    VOLUNTEER_OTHER,
    VOLUNTEER_SELF,
    register_volunteer,
)
from tests.volunteer_pages import worker  # noqa: F401 - a fixture
from tests.qualifying import qualified
from tests.scheduling_world import World, iso, world  # noqa: F401 - a fixture

pytestmark = [pytest.mark.integration, pytest.mark.timeout(180)]


async def a_held_shift(world: World, *, capacity: int = 1, hours_ahead: int = 48,
                       **more) -> UUID:
    """A shift of site A whose place Alice holds."""
    starts = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=hours_ahead)
    shift = (await world.created(ADMIN, "/api/shifts", {
        "site_id": str(world.site_a), "title": "Mittagstisch", "starts_at": iso(starts),
        "ends_at": iso(starts + timedelta(hours=2)), "capacity": capacity, **more}))["id"]
    await world.created(VOLUNTEER_SELF, f"/api/shifts/{shift}/claims", {})
    return UUID(shift)


async def holders(pool, shift: UUID) -> tuple[UUID, ...]:
    """Who holds the shift, by its stream folded afresh from the store."""
    return (await CommandHandler(EventStore(pool, registry)).state(SHIFT(shift))).claimed


async def open_offers(pool, position: int, **which) -> list:
    """The read model's open offers once it has applied ``position``."""
    rows, _ = await ReadModels(pool, EventStore(pool, registry)).read(
        handovers.HANDOVERS, position,
        lambda c: handovers.open_offers(c, since=datetime.now(UTC), **which))
    return rows


async def offer(world: World, shift: UUID, to: UUID | None = None) -> str:
    body = {} if to is None else {"to_volunteer_id": str(to)}
    return (await world.created(VOLUNTEER_SELF,
                                f"/api/shifts/{shift}/claims/{world.alice}/handover", body))["id"]


async def test_a_named_colleague_accepts_and_the_place_moves_between_the_schedules(
    world, worker, pool
):
    shift = await a_held_shift(world)
    handover = await offer(world, shift, world.bernd)
    assert await holders(pool, shift) == (world.alice,)  # until accepted, Alice keeps it

    accepted = await world.call(VOLUNTEER_OTHER, "POST", f"/api/handovers/{handover}/acceptance")

    assert accepted.status_code == 200, accepted.text
    position = accepted.json()["position"]
    assert await holders(pool, shift) == (world.bernd,)
    alices = await world.call(VOLUNTEER_SELF, "GET",
                              f"/api/volunteers/{world.alice}/shifts?min_position={position}")
    bernds = await world.call(VOLUNTEER_OTHER, "GET",
                              f"/api/volunteers/{world.bernd}/shifts?min_position={position}")
    assert str(shift) not in alices.text and str(shift) in bernds.text
    board = await world.call(ADMIN, "GET", f"/api/shifts?min_position={position}")
    assert next(s for s in board.json() if s["id"] == str(shift))["claimed"] == 1
    types = [r["type"] for r in await pool.fetch(
        "SELECT type FROM events WHERE position > $1 - 5 ORDER BY position", position)]
    # one append: the five events hold consecutive positions up to the answer's
    assert sorted(types[-5:]) == ["handover.accepted", "shift.claim_released", "shift.claimed",
                                  "volunteer.shift_claimed", "volunteer.shift_released"]

    again = await world.call(VOLUNTEER_OTHER, "POST", f"/api/handovers/{handover}/acceptance")
    assert again.status_code == 409
    assert again.headers["content-type"].startswith("application/problem+json")


async def test_only_the_holder_offers_and_only_whom_it_was_offered_accepts(world, pool):
    shift = await a_held_shift(world)
    by_other = await world.call(VOLUNTEER_OTHER, "POST",
                                f"/api/shifts/{shift}/claims/{world.alice}/handover", {})
    assert by_other.status_code == 403
    by_staff = await world.call(ADMIN, "POST",
                                f"/api/shifts/{shift}/claims/{world.alice}/handover", {})
    assert by_staff.status_code == 403

    to_site = await offer(world, shift)
    # Bernd is neither registered, active nor at home at site A.
    stranger = await world.call(VOLUNTEER_OTHER, "POST", f"/api/handovers/{to_site}/acceptance")
    assert stranger.status_code == 403
    assert await holders(pool, shift) == (world.alice,)


async def test_a_colleague_without_the_qualification_is_refused_naming_it(world, pool):
    await qualified(world, pool, "food_hygiene", months=24, days_ago=3)
    shift = await a_held_shift(world, required_qualifications=["food_hygiene"])
    handover = await offer(world, shift, world.bernd)

    refused = await world.call(VOLUNTEER_OTHER, "POST", f"/api/handovers/{handover}/acceptance")

    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"][0]["field"] == "required_qualifications"
    assert "food_hygiene" in refused.text
    assert await holders(pool, shift) == (world.alice,)


async def test_a_handover_raced_against_a_release_ends_with_exactly_one_holder(world, pool):
    carla = await register_volunteer(world.client, world.tokens[ADMIN],
                                     {"name": "Carla", "email": "carla@example.org"})
    other_process = CommandHandler(EventStore(pool, registry))
    outcomes = []
    for round_ in range(8):
        shift = await a_held_shift(world, hours_ahead=48 + 3 * round_)
        waiting = await world.call(ADMIN, "POST", f"/api/shifts/{shift}/claims",
                                   {"volunteer_id": str(carla)})
        assert waiting.json()["status"] == "waitlisted"
        handover = await offer(world, shift, world.bernd)

        async def release() -> str:
            await asyncio.sleep(random.uniform(0, 0.03))
            try:
                await other_process.handle(SHIFTS, ReleaseClaim(
                    shift_id=shift, volunteer_id=world.alice, now=datetime.now(UTC)),
                    EventMetadata(actor="test:other-process"))
                return "released"
            except Rejection as rejection:
                return str(rejection.members.get("code"))

        async def accept() -> int:
            await asyncio.sleep(random.uniform(0, 0.03))
            answer = await world.call(VOLUNTEER_OTHER, "POST",
                                      f"/api/handovers/{handover}/acceptance")
            return answer.status_code

        released, accepted = await asyncio.gather(release(), accept())
        claimed = await holders(pool, shift)
        outcomes.append((released, accepted))
        assert len(claimed) == 1, (released, accepted, claimed)
        assert (released, accepted) in {("released", 409), ("no_claim", 200)}
        assert claimed == ((carla,) if accepted == 409 else (world.bernd,))
        fresh = CommandHandler(EventStore(pool, registry))
        for volunteer in (world.alice, world.bernd, carla):
            holds = shift in (await fresh.state(VOLUNTEER(volunteer))).claimed
            assert holds == (volunteer in claimed), (volunteer, released, accepted)


async def test_a_handover_raced_against_its_place_claimed_elsewhere_ends_with_one_holder(
    world, pool
):
    """Another process frees Alice's place and gives it to Carla, or Bernd claims the shift
    from another device, while Bernd accepts the offer: one of them holds it, once."""
    carla = await register_volunteer(world.client, world.tokens[ADMIN],
                                     {"name": "Carla", "email": "carla@example.org"})
    other_process = CommandHandler(EventStore(pool, registry))
    metadata = EventMetadata(actor="test:other-process")

    async def outcome(shift: UUID, command: ReleaseClaim | ClaimShift) -> str:
        await asyncio.sleep(random.uniform(0, 0.03))
        try:
            await other_process.handle(SHIFTS, command, metadata)
            return "done"
        except Rejection as rejection:
            return str(rejection.members.get("code"))

    async def freed_and_taken_by_carla(shift: UUID) -> tuple[str, str]:
        now = datetime.now(UTC)
        released = await outcome(shift, ReleaseClaim(shift_id=shift, volunteer_id=world.alice,
                                                     now=now))
        return released, await outcome(shift, ClaimShift(shift_id=shift, volunteer_id=carla,
                                                         now=now))

    async def claimed_by_bernd_elsewhere(shift: UUID) -> str:
        return await outcome(shift, ClaimShift(shift_id=shift, volunteer_id=world.bernd,
                                               now=datetime.now(UTC)))

    for round_ in range(12):
        shift = await a_held_shift(world, hours_ahead=48 + 3 * round_)
        handover = await offer(world, shift, world.bernd)

        async def accept() -> int:
            await asyncio.sleep(random.uniform(0, 0.03))
            answer = await world.call(VOLUNTEER_OTHER, "POST",
                                      f"/api/handovers/{handover}/acceptance")
            return answer.status_code

        by_carla = round_ % 2 == 0
        elsewhere, accepted = await asyncio.gather(
            freed_and_taken_by_carla(shift) if by_carla else claimed_by_bernd_elsewhere(shift),
            accept())
        state = await CommandHandler(EventStore(pool, registry)).state(SHIFT(shift))
        if by_carla:
            assert (elsewhere, accepted) in {(("done", "done"), 409), (("no_claim", "done"), 200)}
            assert state.claimed == ((world.bernd,) if accepted == 200 else (carla,))
            assert state.waitlist == ((carla,) if accepted == 200 else ())
        else:  # claimed first: Bernd waits, then takes the place and leaves the waitlist
            assert accepted == 200 and elsewhere in {"done", "already_claimed"}, elsewhere
            assert state.claimed == (world.bernd,) and state.waitlist == ()
        fresh = CommandHandler(EventStore(pool, registry))
        for volunteer in (world.alice, world.bernd, carla):
            holds = shift in (await fresh.state(VOLUNTEER(volunteer))).claimed
            assert holds == (volunteer in state.claimed), (volunteer, elsewhere, accepted)


async def test_an_offer_closes_with_the_claim_it_offered_and_stays_closed_after_a_new_claim(
    world, worker, pool
):
    shift = await a_held_shift(world)
    handover = await offer(world, shift, world.bernd)
    released = await world.call(VOLUNTEER_SELF, "DELETE",
                                f"/api/shifts/{shift}/claims/{world.alice}")
    assert released.status_code in (200, 204), released.text
    again = await world.created(VOLUNTEER_SELF, f"/api/shifts/{shift}/claims", {})

    refused = await world.call(VOLUNTEER_OTHER, "POST", f"/api/handovers/{handover}/acceptance")

    assert refused.status_code == 409, refused.text
    assert refused.json()["code"] == "handover_closed" and "handover_id" in refused.text
    assert await holders(pool, shift) == (world.alice,)
    assert await open_offers(pool, again["position"], shift_ids=[shift]) == []


async def test_the_holder_withdraws_an_offer_and_then_nobody_can_accept_it(world, worker, pool):
    shift = await a_held_shift(world)
    handover = await offer(world, shift, world.bernd)
    by_other = await world.call(VOLUNTEER_OTHER, "POST", f"/api/handovers/{handover}/withdrawal")
    assert by_other.status_code == 403, by_other.text

    withdrawn = await world.call(VOLUNTEER_SELF, "POST", f"/api/handovers/{handover}/withdrawal")

    assert withdrawn.status_code == 200, withdrawn.text
    refused = await world.call(VOLUNTEER_OTHER, "POST", f"/api/handovers/{handover}/acceptance")
    assert refused.status_code == 409 and refused.json()["code"] == "handover_withdrawn"
    twice = await world.call(VOLUNTEER_SELF, "POST", f"/api/handovers/{handover}/withdrawal")
    assert twice.status_code == 409
    assert await holders(pool, shift) == (world.alice,)
    assert await open_offers(pool, withdrawn.json()["position"], by=world.alice) == []
