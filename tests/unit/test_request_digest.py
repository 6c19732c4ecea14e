"""The digest that tells a repeated request from a different one under the same key."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from uuid import uuid4

import pytest

from services.commands.handler import command_digest, request_digest
from services.rooms.decider import BookRoom
from services.shifts.decider import ClaimShift

pytestmark = pytest.mark.unit

NOW = datetime(2027, 3, 1, 12, tzinfo=UTC)


def booking(**changes) -> BookRoom:
    fields = dict(room_id=ROOM, booking_id=BOOKING, title="Chor",
                  starts_at=datetime(2027, 3, 3, 17, tzinfo=UTC),
                  ends_at=datetime(2027, 3, 3, 18, tzinfo=UTC), now=NOW)
    return BookRoom(**{**fields, **changes})


ROOM, BOOKING = uuid4(), uuid4()


def test_the_moment_a_command_arrives_is_not_part_of_its_request():
    assert command_digest(booking()) == command_digest(booking(now=NOW + timedelta(hours=1)))


def test_one_instant_in_two_offsets_is_one_request():
    berlin = timezone(timedelta(hours=1))
    assert command_digest(booking()) == command_digest(
        booking(starts_at=datetime(2027, 3, 3, 18, tzinfo=berlin)))


def test_any_other_field_or_another_command_makes_another_request():
    assert command_digest(booking()) != command_digest(booking(title="Skat"))
    assert command_digest(booking()) != command_digest(booking(room_id=uuid4()))
    volunteer = uuid4()
    claim = ClaimShift(shift_id=ROOM, volunteer_id=volunteer, now=NOW)
    assert command_digest(claim) != request_digest("ReleaseClaim", {
        "shift_id": ROOM, "volunteer_id": volunteer})


def test_the_order_of_fields_does_not_matter():
    assert request_digest("X", {"a": 1, "b": [2]}) == request_digest("X", {"b": [2], "a": 1})


def test_a_confirmation_with_actual_times_keyed_by_volunteer_has_a_digest():
    """``times`` is keyed by volunteer id: a repeated confirmation with times (a page's form
    always carries a key) is told apart by its times, not refused with a 500."""
    from events.shifts import ServiceTime
    from services.shifts.decider import ConfirmShiftAttendance

    volunteer = uuid4()

    def confirmation(minutes: int) -> ConfirmShiftAttendance:
        span = ServiceTime(started_at=NOW, ended_at=NOW + timedelta(minutes=minutes))
        return ConfirmShiftAttendance(shift_id=BOOKING, present=[volunteer],
                                      times={volunteer: span}, now=NOW)

    assert command_digest(confirmation(90)) == command_digest(confirmation(90))
    assert command_digest(confirmation(90)) != command_digest(confirmation(60))
