from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

import pytest

from events.base import PositionedEvent
from events.shifts import (
    ServiceTime,
    ShiftAttendanceConfirmed,
    ShiftCancelled,
    ShiftClaimed,
    ShiftClaimReleased,
    ShiftCreated,
    ShiftWaitlisted,
)
from projections.row_changes import fold
from projections.shift_roster import PLACES, SCHEMA, SHIFTS, TIMES, changes

pytestmark = pytest.mark.unit

SHIFT, SITE = uuid4(), uuid4()
START, END = datetime(2026, 10, 10, 9, tzinfo=UTC), datetime(2026, 10, 10, 13, tzinfo=UTC)


def rows(*events):
    return fold(SCHEMA, changes([PositionedEvent(position, event)
                                 for position, event in enumerate(events, start=1)]))


def places(folded):
    return sorted((row["status"], row["since"], row["volunteer_id"])
                  for row in folded[PLACES].values())


CREATED = ShiftCreated(shift_id=SHIFT, site_id=SITE, title="Küche", starts_at=START,
                       ends_at=END, capacity=1)


def test_the_waitlist_keeps_the_order_volunteers_joined_in_and_the_first_moves_up():
    a, b, c = uuid4(), uuid4(), uuid4()
    folded = rows(CREATED, ShiftClaimed(shift_id=SHIFT, volunteer_id=a),
                  ShiftWaitlisted(shift_id=SHIFT, volunteer_id=b),
                  ShiftWaitlisted(shift_id=SHIFT, volunteer_id=c),
                  ShiftClaimReleased(shift_id=SHIFT, volunteer_id=a),
                  ShiftClaimed(shift_id=SHIFT, volunteer_id=b, from_waitlist=True))
    assert places(folded) == [("claimed", 6, b), ("waitlisted", 4, c)]


def test_a_later_confirmation_replaces_who_served():
    a, b = uuid4(), uuid4()
    confirmed = dict(shift_id=SHIFT, starts_at=START, ends_at=END)
    folded = rows(CREATED, ShiftAttendanceConfirmed(present=[a], walk_ins=[b], **confirmed),
                  ShiftAttendanceConfirmed(present=[a], reason="b war nicht da", **confirmed))
    assert folded[SHIFTS][(SHIFT,)]["present"] == [a]
    assert folded[SHIFTS][(SHIFT,)]["walk_ins"] == []


def test_a_cancelled_shift_has_no_places_left():
    a, b = uuid4(), uuid4()
    folded = rows(CREATED, ShiftClaimed(shift_id=SHIFT, volunteer_id=a),
                  ShiftWaitlisted(shift_id=SHIFT, volunteer_id=b),
                  ShiftCancelled(shift_id=SHIFT, reason="x", released=[a], waitlist=[b]))
    assert folded[SHIFTS][(SHIFT,)]["cancelled"] is True and places(folded) == []


def test_who_served_keeps_each_ones_time_the_actual_one_or_the_shifts():
    a, b = uuid4(), uuid4()
    early = ServiceTime(started_at=START, ended_at=START + (END - START) / 2)
    confirmed = dict(shift_id=SHIFT, starts_at=START, ends_at=END)
    folded = rows(CREATED, ShiftAttendanceConfirmed(present=[a], walk_ins=[b],
                                                    times={b: early}, **confirmed))
    shift = folded[SHIFTS][(SHIFT,)]
    assert (shift["title"], shift["starts_at"], shift["confirmed"]) == ("Küche", START, True)
    assert {key[1]: (row["started_at"], row["ended_at"])
            for key, row in folded[TIMES].items()} == {
        a: (START, END), b: (early.started_at, early.ended_at)}
    # A later confirmation without actual times gives each it names the shift's time again.
    again = rows(CREATED, ShiftAttendanceConfirmed(present=[a], walk_ins=[b], times={b: early},
                                                   **confirmed),
                 ShiftAttendanceConfirmed(present=[a], walk_ins=[b], reason="doch ganz",
                                          **confirmed))
    assert again[TIMES][(SHIFT, b)]["ended_at"] == END


def test_a_shift_nobody_confirmed_yet_is_not_confirmed():
    assert rows(CREATED)[SHIFTS][(SHIFT,)]["confirmed"] is False
