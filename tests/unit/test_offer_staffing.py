"""Shifts tied to an offer: planned for every occurrence ahead, and for sessions scheduled later."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4
from zoneinfo import ZoneInfo

import pytest

from events.offers import (
    OfferCreated,
    OfferSessionAdded,
    OfferShiftsPlanned,
    SessionScheduled,
    SessionShiftLinked,
)
from events.rooms import Occurrence, Recurrence, RoomAdded, RoomBooked
from events.shifts import ShiftCreated
from services.commands.rejections import Invalid, NotFound
from services.offers.decider import OFFERS, ScheduleSession
from services.offers.staffing import STAFFING, PlanOfferShifts
from tests.catalogue import defined
from tests.deciding import when

pytestmark = pytest.mark.unit

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 10, 1, 8, tzinfo=UTC)
SITE, OFFER, ROOM, SESSION, PLAN = uuid4(), uuid4(), uuid4(), uuid4(), uuid4()
# Tuesdays 12:00-14:00 Berlin: one past, two ahead (across the end of summer time).
LUNCH = [Occurrence(starts_at=datetime(2026, 9, 29, 12, tzinfo=BERLIN).astimezone(UTC),
                    ends_at=datetime(2026, 9, 29, 14, tzinfo=BERLIN).astimezone(UTC)),
         *(Occurrence(starts_at=datetime(2026, 10, day, 12, tzinfo=BERLIN).astimezone(UTC),
                      ends_at=datetime(2026, 10, day, 14, tzinfo=BERLIN).astimezone(UTC))
           for day in (20, 27))]
FOOD = defined("food_hygiene", "Lebensmittelhygiene", "Food hygiene")
ROOM_ADDED = RoomAdded(room_id=ROOM, site_id=SITE, name="Saal", capacity=40)
HISTORY = (
    OfferCreated(offer_id=OFFER, site_id=SITE, title="Mittagstisch", category="community"),
    SessionScheduled(session_id=SESSION, offer_id=OFFER, site_id=SITE, room_id=ROOM,
                     booking_id=uuid4(), occurrences=LUNCH),
    OfferSessionAdded(offer_id=OFFER, session_id=SESSION),
    FOOD,
)


def plan(**changes) -> PlanOfferShifts:
    values = dict(offer_id=OFFER, plan_id=PLAN, title="Küche", starts_at_time="11:00",
                  ends_at_time="14:30", capacity=3, required_qualifications=["food_hygiene"],
                  now=NOW)
    return PlanOfferShifts(**(values | changes))


def test_a_plan_gives_each_occurrence_ahead_its_shift_at_the_wall_clock_times_linked():
    [planned, *rest] = when(STAFFING, plan(), *HISTORY)
    assert isinstance(planned, OfferShiftsPlanned)
    shifts = [e for e in rest if isinstance(e, ShiftCreated)]
    links = [e for e in rest if isinstance(e, SessionShiftLinked)]
    assert [(s.starts_at.astimezone(BERLIN).strftime("%d %H:%M"),
             s.ends_at.astimezone(BERLIN).strftime("%H:%M")) for s in shifts] == [
        ("20 11:00", "14:30"), ("27 11:00", "14:30")]
    assert {s.session_id for s in shifts} == {SESSION}
    assert [link.occurrence_starts_at for link in links] == [o.starts_at for o in LUNCH[1:]]
    assert [link.shift_id for link in links] == [s.shift_id for s in shifts]


def test_a_session_scheduled_later_gets_the_plans_shifts_in_the_same_append():
    [planned, *_] = when(STAFFING, plan(), *HISTORY)
    later = uuid4()
    events = when(OFFERS, ScheduleSession(
        session_id=later, booking_id=uuid4(), offer_id=OFFER, room_id=ROOM,
        starts_at=datetime(2026, 11, 3, 12, tzinfo=BERLIN),
        ends_at=datetime(2026, 11, 3, 14, tzinfo=BERLIN),
        recurrence=Recurrence(rrule="FREQ=WEEKLY", count=2), now=NOW),
        *HISTORY[:3], ROOM_ADDED, planned)
    assert [type(e) for e in events] == [RoomBooked, SessionScheduled, OfferSessionAdded,
                                         *[ShiftCreated, SessionShiftLinked] * 2]
    assert {e.session_id for e in events if isinstance(e, ShiftCreated)} == {later}


@pytest.mark.parametrize(("changes", "field"), [
    ({"starts_at_time": "11"}, "starts_at_time"),
    ({"ends_at_time": "10:00"}, "ends_at_time"),
    ({"capacity": 0}, "capacity"),
    ({"required_qualifications": ["Lebensmittelhygiene"]}, "required_qualifications[0]"),
])
def test_a_plan_needs_sound_input(changes, field):
    with pytest.raises(Invalid) as rejected:
        when(STAFFING, plan(**changes), *HISTORY)
    assert rejected.value.field == field


def test_a_plan_needs_an_existing_offer():
    with pytest.raises(NotFound):
        when(STAFFING, plan(), FOOD)
