from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from functools import reduce
from uuid import uuid4

import pytest

from events.offers import (
    AttendanceCorrected,
    AttendanceRecorded,
    OfferCreated,
    SessionOccurrencesCancelled,
    SessionScheduled,
)
from events.rooms import Occurrence, Recurrence, RoomAdded, RoomBooked
from events.sites import SiteAdded
from services.offers.decider import (
    CreateOffer,
    RecordAttendance,
    ScheduleSession,
    decide,
    evolve_offer,
    evolve_session,
    initial_offer,
    initial_session,
)
from services.rejections import Conflict, Invalid, NotFound
from services.rooms import decider as rooms
from services.sites import decider as sites

pytestmark = pytest.mark.unit

NOW = datetime(2026, 10, 1, 8, tzinfo=UTC)
SITE, OTHER_SITE, ROOM, OFFER, SESSION = uuid4(), uuid4(), uuid4(), uuid4(), uuid4()
SITE_STATE = sites.evolve(sites.initial_state, SiteAdded(site_id=SITE, name="A", village="B"))
OFFER_CREATED = OfferCreated(
    offer_id=OFFER, site_id=SITE, title="Mittagstisch", category="community"
)
ROOM_ADDED = RoomAdded(room_id=ROOM, site_id=SITE, name="Saal", capacity=30)


def at(day: int, hour: int) -> datetime:
    return datetime(2026, 10, day, hour, tzinfo=UTC)


def offer(*events):
    return reduce(evolve_offer, events, initial_offer)


def session(*events):
    return reduce(evolve_session, events, initial_session)


def room(*events):
    return reduce(rooms.evolve, events, rooms.initial_state)


def create(**changes) -> CreateOffer:
    values = dict(offer_id=OFFER, site_id=SITE, title="Mittagstisch", category="community", now=NOW)
    return CreateOffer(**(values | changes))


# --- offers


def test_an_offer_is_created_at_a_site_in_a_category():
    assert decide(create(title=" Mittagstisch "), (SITE_STATE, offer())) == [OFFER_CREATED]


def test_an_offer_needs_an_existing_site():
    with pytest.raises(NotFound) as rejected:
        decide(create(), (sites.initial_state, offer()))
    assert rejected.value.field == "site_id"


def test_an_offer_is_created_once():
    with pytest.raises(Conflict):
        decide(create(), (SITE_STATE, offer(OFFER_CREATED)))


def test_an_offer_needs_a_title():
    with pytest.raises(Invalid) as rejected:
        decide(create(title=""), (SITE_STATE, offer()))
    assert rejected.value.field == "title"


@pytest.mark.parametrize(("changes", "field"), [
    ({"title": "a\x00b"}, "title"),
    ({"title": "Mittags\ntisch"}, "title"),
    ({"description": "warm\x00"}, "description"),
    ({"description": "x" * 5001}, "description"),
])
def test_an_offer_refuses_text_its_fields_cannot_hold(changes, field):
    with pytest.raises(Invalid) as rejected:
        decide(create(**changes), (SITE_STATE, offer()))
    assert rejected.value.field == field


def test_an_offer_description_may_hold_several_lines_and_tabs():
    [event] = decide(create(description="Suppe\n\tund Brot"), (SITE_STATE, offer()))
    assert event.description == "Suppe\n\tund Brot"


def test_an_offer_needs_a_known_category():
    with pytest.raises(Invalid) as rejected:
        decide(create(category="gardening"), (SITE_STATE, offer()))
    assert rejected.value.field == "category"


# --- sessions


def schedule(start=at(7, 10), end=at(7, 12), recurrence=None, booking_id=None) -> ScheduleSession:
    return ScheduleSession(
        session_id=SESSION, booking_id=booking_id or uuid4(), offer_id=OFFER, room_id=ROOM,
        starts_at=start, ends_at=end, recurrence=recurrence, now=NOW,
    )


def test_scheduling_a_session_books_its_room_with_the_offers_title():
    booking = uuid4()
    weekly = Recurrence(rrule="FREQ=WEEKLY", count=2)
    events = decide(
        schedule(recurrence=weekly, booking_id=booking),
        (offer(OFFER_CREATED), room(ROOM_ADDED), session()),
    )
    occurrences = [
        Occurrence(starts_at=at(7, 10), ends_at=at(7, 12)),
        Occurrence(starts_at=at(14, 10), ends_at=at(14, 12)),
    ]
    assert events == [
        RoomBooked(room_id=ROOM, booking_id=booking, title="Mittagstisch", occurrences=occurrences,
                   recurrence=weekly, session_id=SESSION),
        SessionScheduled(session_id=SESSION, offer_id=OFFER, site_id=SITE, room_id=ROOM,
                         booking_id=booking, occurrences=occurrences, recurrence=weekly),
    ]


def test_a_session_in_a_taken_room_is_refused_with_the_conflicts():
    taken = RoomBooked(room_id=ROOM, booking_id=uuid4(), title="Chor",
                       occurrences=[Occurrence(starts_at=at(7, 11), ends_at=at(7, 13))])
    with pytest.raises(Conflict) as rejected:
        decide(schedule(), (offer(OFFER_CREATED), room(ROOM_ADDED, taken), session()))
    assert rejected.value.members["conflicts"][0]["booking_id"] == taken.booking_id


def test_a_session_needs_an_existing_offer():
    with pytest.raises(NotFound) as rejected:
        decide(schedule(), (offer(), room(ROOM_ADDED), session()))
    assert rejected.value.field == "offer_id"


def test_a_session_needs_an_existing_room():
    with pytest.raises(NotFound) as rejected:
        decide(schedule(), (offer(OFFER_CREATED), room(), session()))
    assert rejected.value.field == "room_id"


def test_a_session_needs_a_room_of_the_offers_site():
    elsewhere = RoomAdded(room_id=ROOM, site_id=OTHER_SITE, name="Saal", capacity=30)
    with pytest.raises(Invalid) as rejected:
        decide(schedule(), (offer(OFFER_CREATED), room(elsewhere), session()))
    assert rejected.value.field == "room_id"


def test_a_session_is_scheduled_once():
    scheduled = decide(schedule(), (offer(OFFER_CREATED), room(ROOM_ADDED), session()))[1]
    with pytest.raises(Conflict) as rejected:
        decide(
            schedule(at(8, 10), at(8, 11)),
            (offer(OFFER_CREATED), room(ROOM_ADDED), session(scheduled)),
        )
    assert rejected.value.field == "session_id"


def test_a_session_must_end_after_it_starts():
    with pytest.raises(Invalid) as rejected:
        decide(schedule(at(7, 12), at(7, 10)), (offer(OFFER_CREATED), room(ROOM_ADDED), session()))
    assert rejected.value.field == "ends_at"


# --- attendance

SCHEDULED = SessionScheduled(
    session_id=SESSION, offer_id=OFFER, site_id=SITE, room_id=ROOM, booking_id=uuid4(),
    occurrences=[Occurrence(starts_at=at(7, 10), ends_at=at(7, 12)),
                 Occurrence(starts_at=at(14, 10), ends_at=at(14, 12))],
)
LATER = at(20, 9)


def record(visitors=12, occurrence=at(7, 10), now=LATER, **changes) -> RecordAttendance:
    return RecordAttendance(
        session_id=SESSION, occurrence_starts_at=occurrence, visitors=visitors, now=now, **changes
    )


def test_visitors_of_a_held_occurrence_are_recorded():
    events = decide(record(breakdown={"children": 3}), session(SCHEDULED))
    assert events == [AttendanceRecorded(session_id=SESSION, occurrence_starts_at=at(7, 10),
                                         visitors=12, breakdown={"children": 3})]


def test_recording_again_is_a_correction_that_keeps_the_first_figure():
    first = AttendanceRecorded(session_id=SESSION, occurrence_starts_at=at(7, 10), visitors=12)
    events = decide(record(14, reason="two came late"), session(SCHEDULED, first))
    assert events == [
        AttendanceCorrected(session_id=SESSION, occurrence_starts_at=at(7, 10), visitors=14,
                            reason="two came late", previous_visitors=12)
    ]


def test_a_correction_names_the_figure_it_replaces():
    first = AttendanceRecorded(session_id=SESSION, occurrence_starts_at=at(7, 10), visitors=12)
    second = AttendanceCorrected(session_id=SESSION, occurrence_starts_at=at(7, 10), visitors=14,
                                 reason="late", previous_visitors=12)
    [event] = decide(record(13, reason="counted twice"), session(SCHEDULED, first, second))
    assert event.previous_visitors == 14


def test_a_correction_needs_a_reason():
    first = AttendanceRecorded(session_id=SESSION, occurrence_starts_at=at(7, 10), visitors=12)
    with pytest.raises(Invalid) as rejected:
        decide(record(14, reason="  "), session(SCHEDULED, first))
    assert rejected.value.field == "reason"


@pytest.mark.parametrize(("changes", "field"), [
    ({"breakdown": {"kids\x00": 3}}, "breakdown"),
    ({"breakdown": {"Kinder\n": 3}}, "breakdown"),
    ({"reason": "zu\x00spät"}, "reason"),
])
def test_attendance_refuses_control_characters_in_groups_and_reasons(changes, field):
    with pytest.raises(Invalid) as rejected:
        decide(record(**changes), session(SCHEDULED))
    assert (rejected.value.field, rejected.value.members["code"]) == (field, "control_characters")


def test_a_correction_may_give_its_reason_in_several_lines():
    first = AttendanceRecorded(session_id=SESSION, occurrence_starts_at=at(7, 10), visitors=12)
    [event] = decide(record(14, reason="Zwei kamen spät.\r\nNachgezählt."),
                     session(SCHEDULED, first))
    assert event.reason == "Zwei kamen spät.\r\nNachgezählt."


def test_attendance_needs_an_existing_session():
    with pytest.raises(NotFound) as rejected:
        decide(record(), session())
    assert rejected.value.field == "session_id"


def test_attendance_needs_an_occurrence_of_the_session():
    with pytest.raises(NotFound) as rejected:
        decide(record(occurrence=at(8, 10)), session(SCHEDULED))
    assert rejected.value.field == "occurrence_starts_at"


def test_a_cancelled_occurrence_has_no_attendance():
    cancelled = SessionOccurrencesCancelled(session_id=SESSION, occurrence_starts_at=[at(7, 10)])
    with pytest.raises(Conflict) as rejected:
        decide(record(), session(SCHEDULED, cancelled))
    assert rejected.value.members["code"] == "cancelled"


def test_an_occurrence_that_has_not_begun_has_no_attendance():
    with pytest.raises(Conflict) as rejected:
        decide(record(occurrence=at(14, 10), now=at(14, 9)), session(SCHEDULED))
    assert rejected.value.members["code"] == "not_held_yet"


def test_the_occurrence_is_named_with_an_offset():
    with pytest.raises(Invalid) as rejected:
        decide(record(occurrence=datetime(2026, 10, 7, 10)), session(SCHEDULED))
    assert rejected.value.field == "occurrence_starts_at"


def test_visitors_are_never_negative():
    with pytest.raises(Invalid) as rejected:
        decide(record(-1), session(SCHEDULED))
    assert rejected.value.field == "visitors"


def test_breakdown_counts_are_never_negative():
    with pytest.raises(Invalid) as rejected:
        decide(record(breakdown={"children": -2}), session(SCHEDULED))
    assert rejected.value.field == "breakdown.children"


def test_the_occurrence_is_matched_by_its_instant_in_any_offset_and_stored_in_utc():
    berlin = at(7, 10).astimezone(timezone(timedelta(hours=2)))
    [event] = decide(record(occurrence=berlin), session(SCHEDULED))
    assert event.occurrence_starts_at.utcoffset() == timedelta(0)
