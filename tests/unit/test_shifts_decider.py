from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from events.offers import SessionScheduled, SessionShiftLinked
from events.rooms import Occurrence
from events.shifts import (
    ShiftAttendanceConfirmed,
    ShiftCancelled,
    ShiftClaimed,
    ShiftClaimReleased,
    ShiftWaitlisted,
    ShiftWaitlistLeft,
    VolunteerShiftClaimed,
    VolunteerShiftReleased,
)
from events.qualifications import qualification_id
from events.sites import SiteAdded
from events.volunteers import VolunteerErased
from services.commands.decider import given
from services.commands.rejections import Conflict, Invalid, NotFound
from services.shifts.decider import (
    SHIFTS,
    CancelShift,
    ClaimShift,
    ConfirmShiftAttendance,
    CreateShift,
    ReleaseClaim,
)
from services.shifts.state import SHIFT as SHIFT_STREAM
from tests.catalogue import defined
from tests.deciding import streams_touched, when
from tests.shift_facts import (
    CREATED,
    END,
    NOW,
    SESSION,
    SHIFT,
    SITE,
    START,
    able,
    qualified,
    volunteer,
)

pytestmark = pytest.mark.unit

SITE_ADDED = SiteAdded(site_id=SITE, name="A", village="B")
CATALOGUE = (defined("food_hygiene"), defined("first_aid"))


def claimed(volunteer_id):
    return ShiftClaimed(shift_id=SHIFT, volunteer_id=volunteer_id)


def waiting(volunteer_id):
    return ShiftWaitlisted(shift_id=SHIFT, volunteer_id=volunteer_id)


# --- creating


def a_session_at(site_id):
    return SessionScheduled(
        session_id=SESSION, offer_id=uuid4(), site_id=site_id, room_id=uuid4(),
        booking_id=uuid4(), occurrences=[Occurrence(starts_at=START, ends_at=END)],
    )


def create(**changes) -> CreateShift:
    values = dict(shift_id=SHIFT, site_id=SITE, title="Küche", starts_at=START, ends_at=END,
                  capacity=2, required_qualifications=["food_hygiene"], now=NOW)
    return CreateShift(**(values | changes))


def test_a_shift_is_created_at_a_site():
    assert when(SHIFTS, create(), SITE_ADDED, *CATALOGUE) == [CREATED]


def test_a_shift_may_serve_a_session_of_its_site():
    session = a_session_at(SITE)
    [event, linked] = when(SHIFTS, create(session_id=SESSION), SITE_ADDED, *CATALOGUE, session)
    assert event.session_id == SESSION
    assert linked == SessionShiftLinked(session_id=SESSION, shift_id=SHIFT,
                                        occurrence_starts_at=START)


def test_a_shift_of_a_session_is_linked_to_the_occurrence_of_its_day_or_to_none():
    evening = create(session_id=SESSION, starts_at=END + timedelta(hours=3),
                     ends_at=END + timedelta(hours=5))
    [_, linked] = when(SHIFTS, evening, SITE_ADDED, *CATALOGUE, a_session_at(SITE))
    assert linked.occurrence_starts_at == START
    next_week = create(session_id=SESSION, starts_at=START + timedelta(days=7),
                       ends_at=END + timedelta(days=7))
    [created] = when(SHIFTS, next_week, SITE_ADDED, *CATALOGUE, a_session_at(SITE))
    assert created.session_id == SESSION


def test_a_shift_needs_an_existing_site():
    with pytest.raises(NotFound) as rejected:
        when(SHIFTS, create())
    assert rejected.value.field == "site_id"


def test_a_shift_needs_an_existing_session_when_it_names_one():
    with pytest.raises(NotFound) as rejected:
        when(SHIFTS, create(session_id=SESSION), SITE_ADDED, *CATALOGUE)
    assert rejected.value.field == "session_id"


def test_a_shift_cannot_serve_a_session_of_another_site():
    session = a_session_at(uuid4())
    with pytest.raises(Invalid) as rejected:
        when(SHIFTS, create(session_id=SESSION), SITE_ADDED, *CATALOGUE, session)
    assert rejected.value.field == "session_id"


def test_a_shift_names_only_codes_of_the_catalogue():
    with pytest.raises(Invalid) as rejected:
        when(SHIFTS, create(required_qualifications=["first_aid", "Lebensmittelhygiene"]),
             SITE_ADDED, *CATALOGUE)
    assert rejected.value.field == "required_qualifications[1]"
    assert rejected.value.members["code"] == "unknown_qualification"


def test_a_shift_is_created_once():
    with pytest.raises(Conflict):
        when(SHIFTS, create(), SITE_ADDED, *CATALOGUE, CREATED)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"capacity": 0}, "capacity"),
        ({"ends_at": START}, "ends_at"),
        ({"title": " "}, "title"),
        ({"title": "Tresen\x00"}, "title"),
        ({"title": "Tresen\u2028Küche"}, "title"),
        ({"required_qualifications": ["first_aid", ""]}, "required_qualifications[1]"),
        ({"required_qualifications": ["first\x1baid"]}, "required_qualifications[0]"),
    ],
)
def test_a_shift_needs_sound_input(changes, field):
    with pytest.raises(Invalid) as rejected:
        when(SHIFTS, create(**changes), SITE_ADDED, *CATALOGUE)
    assert rejected.value.field == field


# --- claiming


def claim(volunteer_id, now=NOW) -> ClaimShift:
    return ClaimShift(shift_id=SHIFT, volunteer_id=volunteer_id, now=now)


def test_a_claim_on_an_open_shift_takes_a_place_on_both_streams():
    v = uuid4()
    assert when(SHIFTS, claim(v), CREATED, *able(v)) == [
        ShiftClaimed(shift_id=SHIFT, volunteer_id=v),
        VolunteerShiftClaimed(volunteer_id=v, shift_id=SHIFT, starts_at=START, ends_at=END),
    ]


def test_a_full_shift_puts_the_next_volunteer_on_the_waitlist():
    v = uuid4()
    history = (CREATED, claimed(uuid4()), claimed(uuid4()), *able(v))
    assert when(SHIFTS, claim(v), *history) == [ShiftWaitlisted(shift_id=SHIFT, volunteer_id=v)]


def test_a_claim_needs_an_existing_shift():
    v = uuid4()
    with pytest.raises(NotFound) as rejected:
        when(SHIFTS, claim(v), *able(v))
    assert rejected.value.field == "shift_id"


def test_a_claim_needs_a_registered_volunteer():
    with pytest.raises(NotFound) as rejected:
        when(SHIFTS, claim(uuid4()), CREATED)
    assert rejected.value.field == "volunteer_id"


def test_an_erased_volunteer_cannot_claim():
    v = uuid4()
    with pytest.raises(NotFound):
        when(SHIFTS, claim(v), CREATED, *able(v, VolunteerErased(volunteer_id=v)))


def test_a_volunteer_already_holding_the_shift_is_refused():
    v = uuid4()
    with pytest.raises(Conflict) as rejected:
        when(SHIFTS, claim(v), CREATED, claimed(v), *able(v))
    assert rejected.value.members["code"] == "already_claimed"


def test_a_volunteer_already_waiting_is_refused():
    v = uuid4()
    history = (CREATED, claimed(uuid4()), claimed(uuid4()), waiting(v))
    with pytest.raises(Conflict) as rejected:
        when(SHIFTS, claim(v), *history, *able(v))
    assert rejected.value.members["code"] == "already_waitlisted"


def test_a_claim_needs_every_required_qualification():
    v = uuid4()
    with pytest.raises(Invalid) as rejected:
        when(SHIFTS, claim(v), CREATED, *volunteer(v))
    assert rejected.value.field == "required_qualifications"
    assert rejected.value.members["missing"] == ["food_hygiene"]


def test_a_qualification_expired_at_the_shifts_start_does_not_count():
    v = uuid4()
    expiring = qualified(v, until=datetime(2026, 10, 10, 8, tzinfo=UTC))
    with pytest.raises(Invalid) as rejected:
        when(SHIFTS, claim(v), CREATED, *volunteer(v, expiring))
    assert rejected.value.members["code"] == "qualification_missing"


def test_a_claim_overlapping_another_shift_of_the_volunteer_is_refused():
    v, other = uuid4(), uuid4()
    held = VolunteerShiftClaimed(volunteer_id=v, shift_id=other, starts_at=END.replace(hour=12),
                                 ends_at=END.replace(hour=15))
    with pytest.raises(Conflict) as rejected:
        when(SHIFTS, claim(v), CREATED, *able(v, held))
    assert rejected.value.members["shifts"] == [other]


def test_a_shift_right_after_another_does_not_overlap():
    v = uuid4()
    held = VolunteerShiftClaimed(volunteer_id=v, shift_id=uuid4(), starts_at=END,
                                 ends_at=END.replace(hour=15))
    assert when(SHIFTS, claim(v), CREATED, *able(v, held))


def test_a_released_shift_no_longer_overlaps():
    v, other = uuid4(), uuid4()
    held = VolunteerShiftClaimed(volunteer_id=v, shift_id=other, starts_at=START, ends_at=END)
    released = VolunteerShiftReleased(volunteer_id=v, shift_id=other)
    assert when(SHIFTS, claim(v), CREATED, *able(v, held, released))


def test_a_started_shift_takes_no_claims():
    v = uuid4()
    with pytest.raises(Conflict) as rejected:
        when(SHIFTS, claim(v, now=START), CREATED, *able(v))
    assert rejected.value.members["code"] == "shift_started"


# --- releasing


def release(volunteer_id, now=NOW) -> ReleaseClaim:
    return ReleaseClaim(shift_id=SHIFT, volunteer_id=volunteer_id, now=now)


def test_a_release_gives_the_place_to_the_first_on_the_waitlist():
    leaving, first, second = uuid4(), uuid4(), uuid4()
    history = (CREATED, claimed(leaving), claimed(uuid4()),
               ShiftWaitlisted(shift_id=SHIFT, volunteer_id=first),
               ShiftWaitlisted(shift_id=SHIFT, volunteer_id=second), *able(first), *able(second))
    events = when(SHIFTS, release(leaving), *history)
    assert events == [
        ShiftClaimReleased(shift_id=SHIFT, volunteer_id=leaving),
        VolunteerShiftReleased(volunteer_id=leaving, shift_id=SHIFT),
        ShiftClaimed(shift_id=SHIFT, volunteer_id=first, from_waitlist=True),
        VolunteerShiftClaimed(volunteer_id=first, shift_id=SHIFT, starts_at=START, ends_at=END),
    ]
    after = given(SHIFTS, *history, *events)[SHIFT_STREAM(SHIFT)]
    assert (len(after.claimed), after.waitlist) == (2, (second,))


def test_a_release_passes_over_someone_who_now_holds_an_overlapping_shift():
    leaving, busy, free = uuid4(), uuid4(), uuid4()
    history = (CREATED, claimed(leaving), claimed(uuid4()),
               ShiftWaitlisted(shift_id=SHIFT, volunteer_id=busy),
               ShiftWaitlisted(shift_id=SHIFT, volunteer_id=free))
    elsewhere = VolunteerShiftClaimed(
        volunteer_id=busy, shift_id=uuid4(), starts_at=START, ends_at=END
    )
    events = when(SHIFTS, release(leaving), *history, *able(busy, elsewhere), *able(free))
    assert events[2] == ShiftClaimed(shift_id=SHIFT, volunteer_id=free, from_waitlist=True)


def test_a_release_with_an_empty_waitlist_only_frees_the_place():
    leaving = uuid4()
    events = when(SHIFTS, release(leaving), CREATED, claimed(leaving))
    assert [type(e) for e in events] == [ShiftClaimReleased, VolunteerShiftReleased]


def test_a_waiting_volunteer_leaves_the_waitlist():
    v = uuid4()
    history = (CREATED, claimed(uuid4()), claimed(uuid4()), waiting(v))
    assert when(SHIFTS, release(v), *history) == [
        ShiftWaitlistLeft(shift_id=SHIFT, volunteer_id=v)
    ]


def test_releasing_without_a_place_is_refused():
    with pytest.raises(NotFound) as rejected:
        when(SHIFTS, release(uuid4()), CREATED)
    assert rejected.value.members["code"] == "no_claim"


def test_releasing_on_an_unknown_shift_is_refused():
    with pytest.raises(NotFound) as rejected:
        when(SHIFTS, release(uuid4()))
    assert rejected.value.field == "shift_id"


def test_a_started_shift_cannot_be_released():
    v = uuid4()
    with pytest.raises(Conflict) as rejected:
        when(SHIFTS, release(v, now=START), CREATED, claimed(v))
    assert rejected.value.members["code"] == "shift_started"


# --- attendance


def confirm(*present, reason=None, now=END) -> ConfirmShiftAttendance:
    return ConfirmShiftAttendance(shift_id=SHIFT, present=list(present), reason=reason, now=now)


def test_attendance_confirms_who_served_at_the_shifts_time():
    a, b = uuid4(), uuid4()
    assert when(SHIFTS, confirm(a, a), CREATED, claimed(a), claimed(b)) == [
        ShiftAttendanceConfirmed(shift_id=SHIFT, present=[a], starts_at=START, ends_at=END)
    ]


def test_confirming_again_needs_a_reason():
    a = uuid4()
    first = ShiftAttendanceConfirmed(shift_id=SHIFT, present=[], starts_at=START, ends_at=END)
    history = (CREATED, claimed(a), first)
    with pytest.raises(Invalid) as rejected:
        when(SHIFTS, confirm(a), *history)
    assert rejected.value.field == "reason"
    assert when(SHIFTS, confirm(a, reason="forgot her"), *history)[0].reason == "forgot her"
    with pytest.raises(Invalid) as refused:
        when(SHIFTS, confirm(a, reason="forgot\x00her"), *history)
    assert refused.value.members["code"] == "control_characters"
    assert when(SHIFTS, confirm(a, reason="forgot her.\nSorry"), *history)[0].reason == (
        "forgot her.\nSorry")


def test_only_volunteers_holding_the_shift_can_have_served():
    stranger = uuid4()
    with pytest.raises(Invalid) as rejected:
        when(SHIFTS, confirm(stranger), CREATED)
    assert rejected.value.members["volunteers"] == [stranger]


def test_attendance_waits_for_the_shift_to_begin():
    with pytest.raises(Conflict) as rejected:
        when(SHIFTS, confirm(now=NOW), CREATED)
    assert rejected.value.members["code"] == "not_held_yet"


def test_attendance_needs_an_existing_shift():
    with pytest.raises(NotFound):
        when(SHIFTS, confirm())


# --- the streams each command touches


def test_creating_a_shift_reads_its_site_the_session_it_names_and_its_codes():
    code = f"qualification-{qualification_id('food_hygiene')}"
    assert streams_touched(SHIFTS, create()) == [f"site-{SITE}", f"shift-{SHIFT}", code]
    assert streams_touched(SHIFTS, create(session_id=SESSION)) == [
        f"site-{SITE}", f"shift-{SHIFT}", f"session-{SESSION}", code
    ]


def test_a_claim_touches_the_shift_and_the_volunteer():
    v = uuid4()
    assert streams_touched(SHIFTS, claim(v), CREATED) == [f"shift-{SHIFT}", f"volunteer-{v}"]


def test_a_release_touches_the_shift_the_volunteer_and_everyone_waiting():
    leaving, first, second = uuid4(), uuid4(), uuid4()
    history = (CREATED, claimed(leaving), claimed(uuid4()), waiting(first), waiting(second))
    assert streams_touched(SHIFTS, release(leaving), *history) == [
        f"shift-{SHIFT}", f"volunteer-{leaving}", f"volunteer-{first}", f"volunteer-{second}"
    ]
    assert streams_touched(SHIFTS, release(leaving), CREATED, claimed(leaving)) == [
        f"shift-{SHIFT}", f"volunteer-{leaving}"
    ]


def test_confirming_attendance_touches_the_shift_only():
    assert streams_touched(SHIFTS, confirm(), CREATED) == [f"shift-{SHIFT}"]


# --- cancelling


def cancel(reason="Küche gesperrt", now=NOW) -> CancelShift:
    return CancelShift(shift_id=SHIFT, reason=reason, now=now)


def test_cancelling_a_shift_releases_its_holders_and_names_everyone_to_tell():
    a, b, c = uuid4(), uuid4(), uuid4()
    events = when(SHIFTS, cancel(), CREATED, *able(a), *able(b), *able(c), claimed(a),
                  VolunteerShiftClaimed(volunteer_id=a, shift_id=SHIFT, starts_at=START,
                                        ends_at=END), claimed(b),
                  VolunteerShiftClaimed(volunteer_id=b, shift_id=SHIFT, starts_at=START,
                                        ends_at=END), waiting(c))
    assert events == [
        ShiftCancelled(shift_id=SHIFT, reason="Küche gesperrt", released=[a, b], waitlist=[c]),
        VolunteerShiftReleased(volunteer_id=a, shift_id=SHIFT),
        VolunteerShiftReleased(volunteer_id=b, shift_id=SHIFT),
    ]


def test_cancelling_touches_the_shift_and_its_holders():
    a, c = uuid4(), uuid4()
    assert streams_touched(SHIFTS, cancel(), CREATED, claimed(a), waiting(c)) == [
        f"shift-{SHIFT}", f"volunteer-{a}"]


def test_a_cancellation_needs_a_reason():
    with pytest.raises(Invalid) as rejected:
        when(SHIFTS, cancel(reason="  "), CREATED)
    assert rejected.value.field == "reason"


def test_a_shift_begun_cannot_be_cancelled():
    with pytest.raises(Conflict) as rejected:
        when(SHIFTS, cancel(now=START), CREATED)
    assert rejected.value.members["code"] == "shift_started"


def test_a_cancelled_shift_is_neither_cancelled_again_nor_claimed():
    gone = ShiftCancelled(shift_id=SHIFT, reason="x")
    a = uuid4()
    for command in (cancel(), claim(a)):
        with pytest.raises(Conflict) as rejected:
            when(SHIFTS, command, CREATED, *able(a), gone)
        assert rejected.value.members["code"] == "cancelled"
