"""Handing a shift over: given events, when a command, then events."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from events.handovers import HandoverAccepted, HandoverOffered, HandoverWithdrawn
from events.shifts import (
    ShiftCancelled,
    ShiftClaimed,
    ShiftClaimReleased,
    ShiftWaitlisted,
    ShiftWaitlistLeft,
    VolunteerShiftClaimed,
    VolunteerShiftReleased,
)
from services.commands.decider import given
from services.commands.rejections import Conflict, Invalid, NotFound
from services.handovers.decider import (
    HANDOVERS,
    AcceptHandover,
    OfferHandover,
    WithdrawHandover,
)
from services.shifts.state import SHIFT as SHIFT_STREAM
from tests.deciding import streams_touched, when
from tests.shift_facts import (
    CREATED,
    END,
    NOW,
    SHIFT,
    SITE,
    START,
    able,
    volunteer,
)

pytestmark = pytest.mark.unit
ANNA, BERND, CARLA = uuid4(), uuid4(), uuid4()
HANDOVER = uuid4()
HELD = (ShiftClaimed(shift_id=SHIFT, volunteer_id=ANNA),
        VolunteerShiftClaimed(volunteer_id=ANNA, shift_id=SHIFT, starts_at=START, ends_at=END))


def offered(to=BERND, claim=1) -> HandoverOffered:
    return HandoverOffered(handover_id=HANDOVER, shift_id=SHIFT, site_id=SITE,
                           from_volunteer_id=ANNA, to_volunteer_id=to, title="Küche",
                           starts_at=START, ends_at=END, claim=claim)


def world(*more):
    return (CREATED, *able(ANNA), *able(BERND), *able(CARLA), *HELD, *more)


def accept(by=BERND, now=NOW) -> AcceptHandover:
    return AcceptHandover(handover_id=HANDOVER, volunteer_id=by, now=now)


def test_offering_stores_the_offer_and_the_holder_keeps_the_shift():
    offer = OfferHandover(handover_id=HANDOVER, shift_id=SHIFT, volunteer_id=ANNA,
                          to_volunteer_id=BERND, now=NOW)

    assert when(HANDOVERS, offer, *world()) == [offered()]
    assert streams_touched(HANDOVERS, offer, *world()) == [
        f"shift-{SHIFT}", f"handover-{HANDOVER}", f"volunteer-{BERND}"]


def test_only_the_holder_offers_and_not_to_itself():
    with pytest.raises(NotFound) as not_held:
        when(HANDOVERS, OfferHandover(handover_id=HANDOVER, shift_id=SHIFT, volunteer_id=CARLA,
                                      now=NOW), *world())
    assert not_held.value.members["code"] == "no_claim"
    with pytest.raises(Invalid):
        when(HANDOVERS, OfferHandover(handover_id=HANDOVER, shift_id=SHIFT, volunteer_id=ANNA,
                                      to_volunteer_id=ANNA, now=NOW), *world())


def test_accepting_moves_the_place_across_both_volunteers_streams_in_one_step():
    decided = when(HANDOVERS, accept(), *world(offered()))

    assert decided == [
        HandoverAccepted(handover_id=HANDOVER, shift_id=SHIFT, site_id=SITE,
                         from_volunteer_id=ANNA, to_volunteer_id=BERND, title="Küche",
                         starts_at=START, ends_at=END),
        ShiftClaimReleased(shift_id=SHIFT, volunteer_id=ANNA),
        VolunteerShiftReleased(volunteer_id=ANNA, shift_id=SHIFT),
        ShiftClaimed(shift_id=SHIFT, volunteer_id=BERND),
        VolunteerShiftClaimed(volunteer_id=BERND, shift_id=SHIFT, starts_at=START, ends_at=END),
    ]
    assert given(HANDOVERS, *world(offered()), *decided)[SHIFT_STREAM(SHIFT)].claimed == (BERND,)
    assert streams_touched(HANDOVERS, accept(), *world(offered())) == [
        f"handover-{HANDOVER}", f"shift-{SHIFT}", f"volunteer-{ANNA}", f"volunteer-{BERND}"]


def test_an_open_offer_is_taken_by_the_first_and_then_refused_with_409():
    first = when(HANDOVERS, accept(by=CARLA), *world(offered(to=None)))

    with pytest.raises(Conflict) as second:
        when(HANDOVERS, accept(by=BERND), *world(offered(to=None), *first))
    assert second.value.members["code"] == "handover_taken"


def test_an_offer_to_a_named_colleague_is_not_for_anyone_else():
    with pytest.raises(Conflict) as refused:
        when(HANDOVERS, accept(by=CARLA), *world(offered(to=BERND)))
    assert refused.value.members["code"] == "not_offered_to_you"


def test_a_place_released_meanwhile_cannot_be_accepted():
    released = (ShiftClaimReleased(shift_id=SHIFT, volunteer_id=ANNA),
                VolunteerShiftReleased(volunteer_id=ANNA, shift_id=SHIFT))

    with pytest.raises(Conflict) as refused:
        when(HANDOVERS, accept(), *world(offered(), *released))
    assert refused.value.members["code"] == "handover_closed"
    with pytest.raises(Conflict):
        when(HANDOVERS, accept(), *world(offered(), ShiftCancelled(shift_id=SHIFT, reason="x")))


def test_an_offer_ends_with_the_claim_it_offered_even_when_the_holder_claims_again():
    released_and_claimed_again = (
        ShiftClaimReleased(shift_id=SHIFT, volunteer_id=ANNA),
        VolunteerShiftReleased(volunteer_id=ANNA, shift_id=SHIFT), *HELD)
    with pytest.raises(Conflict) as refused:
        when(HANDOVERS, accept(), *world(offered(), *released_and_claimed_again))
    assert refused.value.members["code"] == "handover_closed"
    assert refused.value.field == "handover_id"
    offer = OfferHandover(handover_id=HANDOVER, shift_id=SHIFT, volunteer_id=ANNA,
                          to_volunteer_id=BERND, now=NOW)  # a new offer offers the new claim
    assert when(HANDOVERS, offer, *world(*released_and_claimed_again)) == [offered(claim=2)]


def test_the_holder_withdraws_an_open_offer_and_no_one_accepts_it_after():
    withdraw = WithdrawHandover(handover_id=HANDOVER, volunteer_id=ANNA, now=NOW)
    withdrawn, = when(HANDOVERS, withdraw, *world(offered()))
    assert withdrawn == HandoverWithdrawn(handover_id=HANDOVER, shift_id=SHIFT,
                                          from_volunteer_id=ANNA)
    assert streams_touched(HANDOVERS, withdraw, *world(offered())) == [f"handover-{HANDOVER}"]
    with pytest.raises(Conflict) as refused:
        when(HANDOVERS, accept(), *world(offered(), withdrawn))
    assert refused.value.members["code"] == "handover_withdrawn"
    with pytest.raises(Conflict):
        when(HANDOVERS, withdraw, *world(offered(), withdrawn))
    with pytest.raises(NotFound):  # only who offered it
        when(HANDOVERS, WithdrawHandover(handover_id=HANDOVER, volunteer_id=BERND, now=NOW),
             *world(offered()))
    taken = when(HANDOVERS, accept(), *world(offered()))
    with pytest.raises(Conflict) as late:
        when(HANDOVERS, withdraw, *world(offered(), *taken))
    assert late.value.members["code"] == "handover_taken"


def test_the_taker_needs_the_claims_qualification_and_no_overlap():
    unqualified = (CREATED, *able(ANNA), *volunteer(BERND), *HELD, offered())
    with pytest.raises(Invalid) as missing:
        when(HANDOVERS, accept(), *unqualified)
    assert missing.value.members["code"] == "qualification_missing"

    other = uuid4()
    busy = VolunteerShiftClaimed(volunteer_id=BERND, shift_id=other,
                                 starts_at=START + timedelta(hours=1), ends_at=END)
    with pytest.raises(Conflict) as overlapping:
        when(HANDOVERS, accept(), *world(offered(), busy))
    assert overlapping.value.members["code"] == "overlapping_shift"
    with pytest.raises(Conflict):
        when(HANDOVERS, accept(now=START), *world(offered()))


def test_a_taker_waiting_for_the_shift_leaves_the_waitlist_as_it_takes_the_place():
    waiting = ShiftWaitlisted(shift_id=SHIFT, volunteer_id=BERND)

    decided = when(HANDOVERS, accept(), *world(waiting, offered()))

    assert ShiftWaitlistLeft(shift_id=SHIFT, volunteer_id=BERND) in decided
    state = given(HANDOVERS, *world(waiting, offered()), *decided)[SHIFT_STREAM(SHIFT)]
    assert state.claimed == (BERND,) and state.waitlist == ()


def test_an_unknown_handover_is_not_found():
    with pytest.raises(NotFound):
        when(HANDOVERS, accept(), *world())
