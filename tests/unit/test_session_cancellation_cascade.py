"""Cancelling a session's occurrence cancels the shifts linked to it in the same append."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from events.offers import SessionOccurrencesCancelled, SessionScheduled, SessionShiftLinked
from events.rooms import Occurrence, RoomAdded, RoomBooked, RoomOccurrencesCancelled
from events.shifts import (
    ShiftCancelled,
    ShiftClaimed,
    ShiftCreated,
    ShiftWaitlisted,
    VolunteerShiftClaimed,
    VolunteerShiftReleased,
)
from services.rooms.decider import ROOMS, CancelBooking
from tests.deciding import streams_touched, when

pytestmark = pytest.mark.unit

NOW = datetime(2026, 10, 1, 8, tzinfo=UTC)
SITE, ROOM, BOOKING, SESSION, SHIFT = uuid4(), uuid4(), uuid4(), uuid4(), uuid4()
LUNCH = [Occurrence(starts_at=datetime(2026, 10, day, 10, tzinfo=UTC),
                    ends_at=datetime(2026, 10, day, 12, tzinfo=UTC)) for day in (6, 13)]
FIRST = LUNCH[0].starts_at
KITCHEN_START = FIRST - timedelta(hours=1)
A, B = uuid4(), uuid4()
HISTORY = (
    RoomAdded(room_id=ROOM, site_id=SITE, name="Saal", capacity=40),
    RoomBooked(room_id=ROOM, booking_id=BOOKING, title="Mittagstisch", occurrences=LUNCH,
               session_id=SESSION),
    SessionScheduled(session_id=SESSION, offer_id=uuid4(), site_id=SITE, room_id=ROOM,
                     booking_id=BOOKING, occurrences=LUNCH),
    ShiftCreated(shift_id=SHIFT, site_id=SITE, title="Küche", starts_at=KITCHEN_START,
                 ends_at=FIRST + timedelta(hours=2), capacity=1, session_id=SESSION),
    SessionShiftLinked(session_id=SESSION, shift_id=SHIFT, occurrence_starts_at=FIRST),
    ShiftClaimed(shift_id=SHIFT, volunteer_id=A),
    VolunteerShiftClaimed(volunteer_id=A, shift_id=SHIFT, starts_at=KITCHEN_START,
                          ends_at=FIRST + timedelta(hours=2)),
    ShiftWaitlisted(shift_id=SHIFT, volunteer_id=B),
)


def cancel(at=FIRST, now=NOW, reason="Die Köchin ist krank.") -> CancelBooking:
    return CancelBooking(room_id=ROOM, booking_id=BOOKING, occurrence_starts_at=at, now=now,
                         reason=reason)


def test_a_cancelled_occurrence_cancels_its_shifts_and_tells_holders_and_waitlist_why():
    assert when(ROOMS, cancel(), *HISTORY) == [
        RoomOccurrencesCancelled(room_id=ROOM, booking_id=BOOKING, occurrence_starts_at=[FIRST]),
        SessionOccurrencesCancelled(session_id=SESSION, occurrence_starts_at=[FIRST],
                                    reason="Die Köchin ist krank."),
        ShiftCancelled(shift_id=SHIFT, reason="Die Köchin ist krank.", released=[A],
                       waitlist=[B], session_id=SESSION),
        VolunteerShiftReleased(volunteer_id=A, shift_id=SHIFT),
    ]


def test_the_cascade_reads_the_session_its_linked_shifts_and_their_holders():
    assert streams_touched(ROOMS, cancel(), *HISTORY) == [
        f"room-{ROOM}", f"session-{SESSION}", f"shift-{SHIFT}", f"volunteer-{A}"]


def test_other_occurrences_keep_their_shifts():
    events = when(ROOMS, cancel(at=LUNCH[1].starts_at), *HISTORY)
    assert not any(isinstance(event, ShiftCancelled) for event in events)


def test_a_shift_already_begun_is_left_as_it_is():
    events = when(ROOMS, cancel(now=KITCHEN_START + timedelta(minutes=30)), *HISTORY)
    assert [type(event) for event in events] == [RoomOccurrencesCancelled,
                                                 SessionOccurrencesCancelled]


def test_without_a_reason_the_shift_says_it_went_with_its_session():
    [*_, cancelled, _] = when(ROOMS, cancel(reason=None), *HISTORY)
    assert (cancelled.reason, cancelled.session_id) == ("", SESSION)
