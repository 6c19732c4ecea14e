from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from uuid import uuid4

import pytest

from events.offers import (
    AttendanceCorrected,
    AttendanceRecorded,
    OfferCreated,
    OfferDetailsChanged,
    OfferSessionAdded,
    SessionOccurrencesCancelled,
    SessionScheduled,
)
from events.rooms import Occurrence, Recurrence, RoomAdded, RoomBooked
from events.sites import SiteAdded
from services.offers.decider import (
    OFFERS,
    ChangeOffer,
    CreateOffer,
    RecordAttendance,
    ScheduleSession,
)
from services.commands.rejections import Conflict, Invalid, NotFound
from tests.deciding import streams_touched, when

pytestmark = pytest.mark.unit

NOW = datetime(2026, 10, 1, 8, tzinfo=UTC)
SITE, OTHER_SITE, ROOM, OFFER, SESSION = uuid4(), uuid4(), uuid4(), uuid4(), uuid4()
SITE_ADDED = SiteAdded(site_id=SITE, name="A", village="B")
OFFER_CREATED = OfferCreated(
    offer_id=OFFER, site_id=SITE, title="Mittagstisch", category="community"
)
ROOM_ADDED = RoomAdded(room_id=ROOM, site_id=SITE, name="Saal", capacity=30)


def at(day: int, hour: int) -> datetime:
    return datetime(2026, 10, day, hour, tzinfo=UTC)


def create(**changes) -> CreateOffer:
    values = dict(offer_id=OFFER, site_id=SITE, title="Mittagstisch", category="community", now=NOW)
    return CreateOffer(**(values | changes))


# --- offers


def test_an_offer_is_created_at_a_site_in_a_category():
    assert when(OFFERS, create(title=" Mittagstisch "), SITE_ADDED) == [OFFER_CREATED]


def test_an_offer_needs_an_existing_site():
    with pytest.raises(NotFound) as rejected:
        when(OFFERS, create())
    assert rejected.value.field == "site_id"


def test_an_offer_is_created_once():
    with pytest.raises(Conflict):
        when(OFFERS, create(), SITE_ADDED, OFFER_CREATED)


def test_an_offer_needs_a_title():
    with pytest.raises(Invalid) as rejected:
        when(OFFERS, create(title=""), SITE_ADDED)
    assert rejected.value.field == "title"


@pytest.mark.parametrize(("changes", "field"), [
    ({"title": "a\x00b"}, "title"),
    ({"title": "Mittags\ntisch"}, "title"),
    ({"description": "warm\x00"}, "description"),
    ({"description": "x" * 5001}, "description"),
])
def test_an_offer_refuses_text_its_fields_cannot_hold(changes, field):
    with pytest.raises(Invalid) as rejected:
        when(OFFERS, create(**changes), SITE_ADDED)
    assert rejected.value.field == field


def test_an_offer_description_may_hold_several_lines_and_tabs():
    [event] = when(OFFERS, create(description="Suppe\n\tund Brot"), SITE_ADDED)
    assert event.description == "Suppe\n\tund Brot"


def test_an_offer_needs_a_known_category():
    with pytest.raises(Invalid) as rejected:
        when(OFFERS, create(category="gardening"), SITE_ADDED)
    assert rejected.value.field == "category"



def change(**changes) -> ChangeOffer:
    values = dict(offer_id=OFFER, title="Mittagstisch", category="community", now=NOW)
    return ChangeOffer(**(values | changes))


FIXED = OfferDetailsChanged(offer_id=OFFER, title="Mittagstisch im Saal", category="participation",
                            description="Jeden Dienstag.")


def test_an_offers_title_category_and_description_are_changed_from_now_on():
    assert when(OFFERS, change(title=" Mittagstisch im Saal ", category="participation",
                               description=" Jeden Dienstag. "), OFFER_CREATED) == [FIXED]


def test_a_change_says_all_three_and_leaving_out_the_description_removes_it():
    described = OfferCreated(offer_id=OFFER, site_id=SITE, title="Mittagstisch",
                             category="community", description="Alt")
    assert when(OFFERS, change(description="  "), described) == [OfferDetailsChanged(
        offer_id=OFFER, title="Mittagstisch", category="community", description=None)]


def test_a_changed_offer_books_later_sessions_with_its_new_title():
    [booked, *_] = when(OFFERS, ScheduleSession(
        session_id=SESSION, booking_id=uuid4(), offer_id=OFFER, room_id=ROOM,
        starts_at=at(6, 10), ends_at=at(6, 12), now=NOW), OFFER_CREATED, FIXED, ROOM_ADDED)
    assert booked.title == "Mittagstisch im Saal"


def test_a_change_that_changes_nothing_is_refused():
    with pytest.raises(Conflict) as rejected:
        when(OFFERS, change(title=" Mittagstisch "), OFFER_CREATED)
    assert (rejected.value.field, rejected.value.members["code"]) == ("title", "unchanged")
    with pytest.raises(Conflict):
        when(OFFERS, change(title="Mittagstisch im Saal", category="participation",
                            description="Jeden Dienstag.\n"), OFFER_CREATED, FIXED)


def test_changing_needs_an_existing_offer():
    with pytest.raises(NotFound) as rejected:
        when(OFFERS, change())
    assert rejected.value.field == "offer_id"


@pytest.mark.parametrize(("changes", "field"), [
    ({"title": "   "}, "title"),
    ({"title": "Mittags\ntisch"}, "title"),
    ({"title": "x" * 201}, "title"),
    ({"description": "Kaffee\x07"}, "description"),
    ({"description": "x" * 5001}, "description"),
    ({"category": "sports"}, "category"),
])
def test_a_change_is_checked_as_creating_is(changes, field):
    with pytest.raises(Invalid) as rejected:
        when(OFFERS, change(**changes), OFFER_CREATED)
    assert rejected.value.field == field


def test_changing_an_offer_touches_only_its_stream():
    assert streams_touched(OFFERS, change(title="Neu"), OFFER_CREATED) == [f"offer-{OFFER}"]


# --- sessions


def schedule(start=at(7, 10), end=at(7, 12), recurrence=None, booking_id=None) -> ScheduleSession:
    return ScheduleSession(
        session_id=SESSION, booking_id=booking_id or uuid4(), offer_id=OFFER, room_id=ROOM,
        starts_at=start, ends_at=end, recurrence=recurrence, now=NOW,
    )


def test_scheduling_a_session_books_its_room_with_the_offers_title():
    booking = uuid4()
    weekly = Recurrence(rrule="FREQ=WEEKLY", count=2)
    events = when(
        OFFERS, schedule(recurrence=weekly, booking_id=booking), OFFER_CREATED, ROOM_ADDED
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
        OfferSessionAdded(offer_id=OFFER, session_id=SESSION),
    ]


def test_a_session_in_a_taken_room_is_refused_with_the_conflicts():
    taken = RoomBooked(room_id=ROOM, booking_id=uuid4(), title="Chor",
                       occurrences=[Occurrence(starts_at=at(7, 11), ends_at=at(7, 13))])
    with pytest.raises(Conflict) as rejected:
        when(OFFERS, schedule(), OFFER_CREATED, ROOM_ADDED, taken)
    assert rejected.value.members["conflicts"][0]["booking_id"] == taken.booking_id


def test_a_session_needs_an_existing_offer():
    with pytest.raises(NotFound) as rejected:
        when(OFFERS, schedule(), ROOM_ADDED)
    assert rejected.value.field == "offer_id"


def test_a_session_needs_an_existing_room():
    with pytest.raises(NotFound) as rejected:
        when(OFFERS, schedule(), OFFER_CREATED)
    assert rejected.value.field == "room_id"


def test_a_session_needs_a_room_of_the_offers_site():
    elsewhere = RoomAdded(room_id=ROOM, site_id=OTHER_SITE, name="Saal", capacity=30)
    with pytest.raises(Invalid) as rejected:
        when(OFFERS, schedule(), OFFER_CREATED, elsewhere)
    assert rejected.value.field == "room_id"


def test_a_session_is_scheduled_once():
    first = when(OFFERS, schedule(), OFFER_CREATED, ROOM_ADDED)
    with pytest.raises(Conflict) as rejected:
        when(OFFERS, schedule(at(8, 10), at(8, 11)), OFFER_CREATED, ROOM_ADDED, *first)
    assert rejected.value.field == "session_id"


def test_a_session_must_end_after_it_starts():
    with pytest.raises(Invalid) as rejected:
        when(OFFERS, schedule(at(7, 12), at(7, 10)), OFFER_CREATED, ROOM_ADDED)
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
    events = when(OFFERS, record(breakdown={"children": 3}), SCHEDULED)
    assert events == [AttendanceRecorded(session_id=SESSION, occurrence_starts_at=at(7, 10),
                                         visitors=12, breakdown={"children": 3})]


def test_recording_again_is_a_correction_that_keeps_the_first_figure():
    first = AttendanceRecorded(session_id=SESSION, occurrence_starts_at=at(7, 10), visitors=12)
    events = when(OFFERS, record(14, reason="two came late"), SCHEDULED, first)
    assert events == [
        AttendanceCorrected(session_id=SESSION, occurrence_starts_at=at(7, 10), visitors=14,
                            reason="two came late", previous_visitors=12)
    ]


def test_a_correction_names_the_figure_it_replaces():
    first = AttendanceRecorded(session_id=SESSION, occurrence_starts_at=at(7, 10), visitors=12)
    second = AttendanceCorrected(session_id=SESSION, occurrence_starts_at=at(7, 10), visitors=14,
                                 reason="late", previous_visitors=12)
    [event] = when(OFFERS, record(13, reason="counted twice"), SCHEDULED, first, second)
    assert event.previous_visitors == 14


def test_a_correction_needs_a_reason():
    first = AttendanceRecorded(session_id=SESSION, occurrence_starts_at=at(7, 10), visitors=12)
    with pytest.raises(Invalid) as rejected:
        when(OFFERS, record(14, reason="  "), SCHEDULED, first)
    assert rejected.value.field == "reason"


@pytest.mark.parametrize(("changes", "field"), [
    ({"breakdown": {"kids\x00": 3}}, "breakdown"),
    ({"breakdown": {"Kinder\n": 3}}, "breakdown"),
    ({"reason": "zu\x00spät"}, "reason"),
])
def test_attendance_refuses_control_characters_in_groups_and_reasons(changes, field):
    with pytest.raises(Invalid) as rejected:
        when(OFFERS, record(**changes), SCHEDULED)
    assert (rejected.value.field, rejected.value.members["code"]) == (field, "control_characters")


def test_a_correction_may_give_its_reason_in_several_lines():
    first = AttendanceRecorded(session_id=SESSION, occurrence_starts_at=at(7, 10), visitors=12)
    [event] = when(OFFERS, record(14, reason="Zwei kamen spät.\r\nNachgezählt."),
                   SCHEDULED, first)
    assert event.reason == "Zwei kamen spät.\r\nNachgezählt."


def test_attendance_needs_an_existing_session():
    with pytest.raises(NotFound) as rejected:
        when(OFFERS, record())
    assert rejected.value.field == "session_id"


def test_attendance_needs_an_occurrence_of_the_session():
    with pytest.raises(NotFound) as rejected:
        when(OFFERS, record(occurrence=at(8, 10)), SCHEDULED)
    assert rejected.value.field == "occurrence_starts_at"


def test_a_cancelled_occurrence_has_no_attendance():
    cancelled = SessionOccurrencesCancelled(session_id=SESSION, occurrence_starts_at=[at(7, 10)])
    with pytest.raises(Conflict) as rejected:
        when(OFFERS, record(), SCHEDULED, cancelled)
    assert rejected.value.members["code"] == "cancelled"


def test_an_occurrence_that_has_not_begun_has_no_attendance():
    with pytest.raises(Conflict) as rejected:
        when(OFFERS, record(occurrence=at(14, 10), now=at(14, 9)), SCHEDULED)
    assert rejected.value.members["code"] == "not_held_yet"


def test_the_occurrence_is_named_with_an_offset():
    with pytest.raises(Invalid) as rejected:
        when(OFFERS, record(occurrence=datetime(2026, 10, 7, 10)), SCHEDULED)
    assert rejected.value.field == "occurrence_starts_at"


def test_visitors_are_never_negative():
    with pytest.raises(Invalid) as rejected:
        when(OFFERS, record(-1), SCHEDULED)
    assert rejected.value.field == "visitors"


def test_breakdown_counts_are_never_negative():
    with pytest.raises(Invalid) as rejected:
        when(OFFERS, record(breakdown={"children": -2}), SCHEDULED)
    assert rejected.value.field == "breakdown.children"


def test_a_breakdown_never_adds_up_to_more_than_the_visitors():
    with pytest.raises(Invalid) as rejected:
        when(OFFERS, record(5, breakdown={"children": 300, "over_65": 200}), SCHEDULED)
    assert (rejected.value.field, rejected.value.members["code"]) == ("breakdown",
                                                                      "exceeds_visitors")
    [event] = when(OFFERS, record(5, breakdown={"children": 2, "over_65": 3}), SCHEDULED)
    assert event.breakdown == {"children": 2, "over_65": 3}


def test_the_occurrence_is_matched_by_its_instant_in_any_offset_and_stored_in_utc():
    berlin = at(7, 10).astimezone(timezone(timedelta(hours=2)))
    [event] = when(OFFERS, record(occurrence=berlin), SCHEDULED)
    assert event.occurrence_starts_at.utcoffset() == timedelta(0)


# --- the streams each command touches


def test_creating_an_offer_reads_its_site():
    assert streams_touched(OFFERS, create()) == [f"site-{SITE}", f"offer-{OFFER}"]


def test_scheduling_a_session_touches_the_offer_the_room_and_the_session():
    assert streams_touched(OFFERS, schedule(), OFFER_CREATED, ROOM_ADDED) == [
        f"offer-{OFFER}", f"room-{ROOM}", f"session-{SESSION}"
    ]


def test_recording_attendance_touches_the_session_only():
    assert streams_touched(OFFERS, record(), SCHEDULED) == [f"session-{SESSION}"]
