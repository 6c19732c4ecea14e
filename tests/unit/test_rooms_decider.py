from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from events.offers import SessionOccurrencesCancelled
from events.rooms import Occurrence, Recurrence, RoomAdded, RoomBooked, RoomOccurrencesCancelled
from events.sites import SiteAdded
from events.trainings import TrainingCancelled
from services.commands.rejections import Conflict, Invalid, NotFound
from services.rooms.decider import ROOMS, AddRoom, BookRoom, CancelBooking
from tests.deciding import streams_touched, when

pytestmark = pytest.mark.unit

NOW = datetime(2026, 10, 1, 8, tzinfo=UTC)
SITE, ROOM = uuid4(), uuid4()
SITE_ADDED = SiteAdded(site_id=SITE, name="A", village="B")
ADDED = RoomAdded(room_id=ROOM, site_id=SITE, name="Saal", capacity=40)


def at(day: int, hour: int, month: int = 10) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


def booked(start: datetime, end: datetime, title: str = "Mittagstisch", **owner) -> RoomBooked:
    return RoomBooked(
        room_id=ROOM,
        booking_id=uuid4(),
        title=title,
        occurrences=[Occurrence(starts_at=start, ends_at=end)],
        **owner,
    )


def book(start: datetime, end: datetime, recurrence: Recurrence | None = None, **kw) -> BookRoom:
    return BookRoom(
        room_id=ROOM, booking_id=kw.pop("booking_id", uuid4()), title="Yoga", starts_at=start,
        ends_at=end, recurrence=recurrence, now=NOW, **kw,
    )


# --- adding rooms


def test_a_room_is_added_to_an_existing_site():
    command = AddRoom(room_id=ROOM, site_id=SITE, name="Saal", capacity=40, now=NOW)
    assert when(ROOMS, command, SITE_ADDED) == [ADDED]


def test_a_room_needs_an_existing_site():
    command = AddRoom(room_id=ROOM, site_id=SITE, name="Saal", capacity=40, now=NOW)
    with pytest.raises(NotFound) as rejected:
        when(ROOMS, command)
    assert rejected.value.field == "site_id"


def test_a_room_cannot_be_added_twice():
    command = AddRoom(room_id=ROOM, site_id=SITE, name="Saal", capacity=40, now=NOW)
    with pytest.raises(Conflict):
        when(ROOMS, command, SITE_ADDED, ADDED)


@pytest.mark.parametrize(
    ("field", "values"), [("name", {"name": " "}), ("name", {"name": "Saal\nGroß"}),
                          ("name", {"name": "Saal\x00"}), ("capacity", {"capacity": 0})]
)
def test_a_room_needs_a_name_and_a_positive_capacity(field, values):
    command = AddRoom(
        room_id=ROOM, site_id=SITE, now=NOW, **({"name": "Saal", "capacity": 10} | values)
    )
    with pytest.raises(Invalid) as rejected:
        when(ROOMS, command, SITE_ADDED)
    assert rejected.value.field == field


# --- booking


def test_a_free_room_is_booked_in_utc():
    booking = uuid4()
    start = datetime(2026, 10, 5, 18, tzinfo=UTC) + timedelta(hours=0)
    events = when(ROOMS, book(start, start + timedelta(hours=2), booking_id=booking), ADDED)
    assert events == [
        RoomBooked(
            room_id=ROOM,
            booking_id=booking,
            title="Yoga",
            occurrences=[Occurrence(starts_at=start, ends_at=start + timedelta(hours=2))],
        )
    ]


def test_bookings_that_touch_do_not_overlap():
    history = (ADDED, booked(at(5, 10), at(5, 12)))
    assert when(ROOMS, book(at(5, 12), at(5, 14)), *history)
    assert when(ROOMS, book(at(5, 8), at(5, 10)), *history)


def test_an_overlapping_booking_is_refused_naming_the_booking_in_the_way():
    existing = booked(at(5, 10), at(5, 12))
    with pytest.raises(Conflict) as rejected:
        when(ROOMS, book(at(5, 11), at(5, 13)), ADDED, existing)
    assert rejected.value.members["code"] == "room_taken"
    assert rejected.value.members["conflicts"] == [
        {"booking_id": existing.booking_id, "title": "Mittagstisch",
         "starts_at": at(5, 10), "ends_at": at(5, 12)}
    ]


def test_a_series_with_conflicts_is_refused_whole_listing_every_conflict():
    first, second = booked(at(7, 16), at(7, 17), "A"), booked(at(21, 16), at(21, 20), "B")
    history = (ADDED, first, booked(at(14, 10), at(14, 12), "not in the way"), second)
    weekly = Recurrence(rrule="FREQ=WEEKLY", count=4)
    # 18:00 Berlin on Wednesdays from 2026-10-07: 16:00Z, then 17:00Z after the clock change.
    with pytest.raises(Conflict) as rejected:
        when(ROOMS, book(at(7, 16), at(7, 18), weekly), *history)
    conflicts = rejected.value.members["conflicts"]
    assert [(c["booking_id"], c["title"]) for c in conflicts] == [
        (first.booking_id, "A"), (second.booking_id, "B")
    ]


def test_a_refused_series_names_the_starts_of_its_occurrences_that_are_taken():
    history = (ADDED, booked(at(7, 16), at(7, 17)), booked(at(28, 17), at(28, 18)))
    with pytest.raises(Conflict) as rejected:
        when(ROOMS, book(at(7, 16), at(7, 18), Recurrence(rrule="FREQ=WEEKLY", count=4)),
             *history)
    # 18:00 Berlin: 16:00Z until the clock change (25 October), then 17:00Z.
    assert rejected.value.members["taken"] == [at(7, 16), at(28, 17)]


def test_only_the_free_dates_of_a_series_are_booked_on_request():
    in_the_way = booked(at(14, 16), at(14, 17), "Chor")
    weekly = Recurrence(rrule="FREQ=WEEKLY", count=3)
    [event] = when(ROOMS, book(at(7, 16), at(7, 18), weekly, free_dates_only=True),
                   ADDED, in_the_way)
    assert [o.starts_at for o in event.occurrences] == [at(7, 16), at(21, 16)]
    assert event.exdates == [at(14, 16)]


def test_free_dates_only_is_refused_listing_the_conflicts_when_no_date_is_free():
    in_the_way = booked(at(7, 16), at(7, 17), "Chor")
    with pytest.raises(Conflict) as rejected:
        when(ROOMS, book(at(7, 16), at(7, 18), free_dates_only=True), ADDED, in_the_way)
    assert rejected.value.members["code"] == "room_taken"
    assert rejected.value.members["taken"] == [at(7, 16)]


def test_exdates_leave_a_series_occurrence_out_and_are_recorded():
    in_the_way = booked(at(14, 16), at(14, 17), "Chor")
    weekly = Recurrence(rrule="FREQ=WEEKLY", count=3)
    [event] = when(ROOMS, book(at(7, 16), at(7, 18), weekly, exdates=[at(14, 16)]),
                   ADDED, in_the_way)
    assert [o.starts_at for o in event.occurrences] == [at(7, 16), at(21, 16)]
    assert event.exdates == [at(14, 16)]


@pytest.mark.parametrize(("recurrence", "exdate", "field"), [
    (Recurrence(rrule="FREQ=WEEKLY", count=3), at(8, 16), "recurrence.exdates[0]"),
    (None, at(7, 16), "recurrence.exdates"),
    (Recurrence(rrule="FREQ=WEEKLY", count=1), at(7, 16), "recurrence.exdates"),
])
def test_exdates_off_the_series_or_leaving_nothing_are_refused(recurrence, exdate, field):
    with pytest.raises(Invalid) as rejected:
        when(ROOMS, book(at(7, 16), at(7, 18), recurrence, exdates=[exdate]), ADDED)
    assert rejected.value.field == field


def test_a_cancelled_occurrence_frees_its_time():
    existing = booked(at(5, 10), at(5, 12))
    cancelled = RoomOccurrencesCancelled(
        room_id=ROOM, booking_id=existing.booking_id, occurrence_starts_at=[at(5, 10)]
    )
    assert when(ROOMS, book(at(5, 10), at(5, 12)), ADDED, existing, cancelled)


def test_booking_needs_an_existing_room():
    with pytest.raises(NotFound) as rejected:
        when(ROOMS, book(at(5, 10), at(5, 12)))
    assert rejected.value.field == "room_id"


def test_a_booking_id_is_used_once():
    existing = booked(at(5, 10), at(5, 12))
    with pytest.raises(Conflict) as rejected:
        when(ROOMS, book(at(6, 10), at(6, 12), booking_id=existing.booking_id), ADDED, existing)
    assert rejected.value.field == "booking_id"


def test_a_booking_must_end_after_it_starts():
    with pytest.raises(Invalid) as rejected:
        when(ROOMS, book(at(5, 12), at(5, 12)), ADDED)
    assert rejected.value.field == "ends_at"


def test_a_booking_needs_times_with_an_offset():
    with pytest.raises(Invalid) as rejected:
        when(ROOMS, book(datetime(2026, 10, 5, 10), at(5, 12)), ADDED)
    assert rejected.value.field == "starts_at"


def test_a_booking_needs_a_title():
    command = BookRoom(room_id=ROOM, booking_id=uuid4(), title=" ", starts_at=at(5, 10),
                       ends_at=at(5, 11), now=NOW)
    with pytest.raises(Invalid) as rejected:
        when(ROOMS, command, ADDED)
    assert rejected.value.field == "title"


# --- recurrence


def test_a_weekly_series_keeps_its_local_hour_across_the_end_of_october():
    start = datetime.fromisoformat("2026-10-21T18:00:00+02:00")
    weekly = Recurrence(rrule="FREQ=WEEKLY;BYDAY=WE", count=2)
    [event] = when(ROOMS, book(start, start + timedelta(hours=2), weekly), ADDED)
    assert [(o.starts_at, o.ends_at) for o in event.occurrences] == [
        (datetime(2026, 10, 21, 16, tzinfo=UTC), datetime(2026, 10, 21, 18, tzinfo=UTC)),
        (datetime(2026, 10, 28, 17, tzinfo=UTC), datetime(2026, 10, 28, 19, tzinfo=UTC)),
    ]
    assert event.recurrence == weekly


def utc(month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        # Starts in the second pass of the repeated hour: the first occurrence is as given.
        ("2026-10-25T02:30:00+01:00", [(utc(10, 25, 1, 30), utc(10, 25, 2, 30)),
                                       (utc(11, 1, 1, 30), utc(11, 1, 2, 30))]),
        # Ends at 02:30 again, in the second pass: an hour long though the wall clock shows
        # none, and so are the later ones.
        ("2026-10-25T02:30:00+02:00", [(utc(10, 25, 0, 30), utc(10, 25, 1, 30)),
                                       (utc(11, 1, 1, 30), utc(11, 1, 2, 30))]),
    ],
)
def test_an_hour_long_series_in_the_repeated_hour_of_october(start, expected):
    first = datetime.fromisoformat(start)
    weekly = Recurrence(rrule="FREQ=WEEKLY", count=2)
    [event] = when(ROOMS, book(first, first + timedelta(hours=1), weekly), ADDED)
    assert [(o.starts_at, o.ends_at) for o in event.occurrences] == expected


def test_a_series_may_end_at_an_until():
    weekly = Recurrence(rrule="FREQ=WEEKLY", until=at(20, 0))
    [event] = when(ROOMS, book(at(1, 16), at(1, 17), weekly), ADDED)
    assert len(event.occurrences) == 3


@pytest.mark.parametrize(
    ("recurrence", "field", "code"),
    [
        (Recurrence(rrule="FREQ=DAILY", count=501), "recurrence", "too_many_occurrences"),
        (Recurrence(rrule="FREQ=MONTHLY", count=25), "recurrence", "beyond_horizon"),
        (Recurrence(rrule="FREQ=WEEKLY"), "recurrence", "unbounded"),
        (Recurrence(rrule="FREQ=WEEKLY", count=2, until=at(30, 0)), "recurrence", "two_bounds"),
        (Recurrence(rrule="FREQ=WEEKLY;COUNT=2", count=2), "recurrence", "two_bounds"),
        (Recurrence(rrule="FREQ=SOMETIMES", count=2), "recurrence.rrule", "bad_rrule"),
        (Recurrence(rrule="DTSTART:20260101T000000\nRRULE:FREQ=DAILY", count=2),
         "recurrence.rrule", "bad_rrule"),
        (Recurrence(rrule="FREQ=WEEKLY", count=0), "recurrence.count", "not_positive"),
        (Recurrence(rrule="FREQ=WEEKLY", until=datetime(2026, 12, 1)), "recurrence.until",
         "no_offset"),
        (Recurrence(rrule="FREQ=DAILY;BYHOUR=16,17", count=3), "recurrence.rrule",
         "occurrences_overlap"),
        (Recurrence(rrule="FREQ=HOURLY", count=3), "recurrence.rrule", "too_frequent"),
    ],
)
def test_a_series_out_of_bounds_is_refused(recurrence, field, code):
    with pytest.raises(Invalid) as rejected:
        when(ROOMS, book(at(1, 16), at(1, 18), recurrence), ADDED)
    assert (rejected.value.field, rejected.value.members["code"]) == (field, code)


def test_a_series_of_500_within_two_years_is_fine():
    daily = Recurrence(rrule="FREQ=DAILY", count=500)
    [event] = when(ROOMS, book(at(1, 6), at(1, 7), daily), ADDED)
    assert len(event.occurrences) == 500


# --- cancelling


def series(*starts: datetime, **owner) -> RoomBooked:
    return RoomBooked(
        room_id=ROOM, booking_id=uuid4(), title="Turnen",
        occurrences=[Occurrence(starts_at=s, ends_at=s + timedelta(hours=1)) for s in starts],
        **owner,
    )


def cancel(booking, occurrence=None, now=NOW) -> CancelBooking:
    return CancelBooking(room_id=ROOM, booking_id=booking, occurrence_starts_at=occurrence, now=now)


def test_cancelling_a_series_cancels_every_occurrence_still_ahead():
    b = series(at(20, 9, month=9), at(5, 9), at(12, 9))
    assert when(ROOMS, cancel(b.booking_id), ADDED, b) == [
        RoomOccurrencesCancelled(room_id=ROOM, booking_id=b.booking_id,
                                 occurrence_starts_at=[at(5, 9), at(12, 9)])
    ]


def test_cancelling_one_occurrence_cancels_only_it():
    b = series(at(5, 9), at(12, 9))
    assert when(ROOMS, cancel(b.booking_id, at(12, 9)), ADDED, b) == [
        RoomOccurrencesCancelled(room_id=ROOM, booking_id=b.booking_id,
                                 occurrence_starts_at=[at(12, 9)])
    ]


def test_cancelling_a_sessions_booking_tells_the_session():
    session_id = uuid4()
    b = series(at(5, 9), session_id=session_id)
    events = when(ROOMS, cancel(b.booking_id), ADDED, b)
    assert events[1] == SessionOccurrencesCancelled(
        session_id=session_id, occurrence_starts_at=[at(5, 9)]
    )


def test_cancelling_a_trainings_booking_cancels_the_training():
    training_id = uuid4()
    b = series(at(5, 9), training_id=training_id)
    assert when(ROOMS, cancel(b.booking_id), ADDED, b)[1] == TrainingCancelled(
        training_id=training_id
    )


def test_cancelling_in_an_unknown_room_is_refused():
    with pytest.raises(NotFound) as rejected:
        when(ROOMS, cancel(uuid4()))
    assert rejected.value.field == "room_id"


def test_cancelling_an_unknown_booking_is_refused():
    with pytest.raises(NotFound) as rejected:
        when(ROOMS, cancel(uuid4()), ADDED)
    assert rejected.value.field == "booking_id"


def test_cancelling_an_occurrence_the_booking_does_not_have_is_refused():
    b = series(at(5, 9))
    with pytest.raises(NotFound) as rejected:
        when(ROOMS, cancel(b.booking_id, at(6, 9)), ADDED, b)
    assert rejected.value.field == "occurrence"


def test_cancelling_an_occurrence_twice_is_refused():
    b = series(at(5, 9), at(12, 9))
    gone = RoomOccurrencesCancelled(room_id=ROOM, booking_id=b.booking_id,
                                    occurrence_starts_at=[at(5, 9)])
    with pytest.raises(Conflict) as rejected:
        when(ROOMS, cancel(b.booking_id, at(5, 9)), ADDED, b, gone)
    assert rejected.value.members["code"] == "already_cancelled"


def test_an_occurrence_that_has_started_cannot_be_cancelled():
    b = series(at(5, 9))
    with pytest.raises(Conflict) as rejected:
        when(ROOMS, cancel(b.booking_id, at(5, 9), now=at(5, 9)), ADDED, b)
    assert rejected.value.members["code"] == "already_started"


def test_a_series_with_nothing_ahead_cannot_be_cancelled():
    b = series(at(20, 9, month=9))
    with pytest.raises(Conflict) as rejected:
        when(ROOMS, cancel(b.booking_id), ADDED, b)
    assert rejected.value.members["code"] == "nothing_to_cancel"


# --- the streams each command touches


def test_adding_a_room_reads_its_site():
    command = AddRoom(room_id=ROOM, site_id=SITE, name="Saal", capacity=40, now=NOW)
    assert streams_touched(ROOMS, command) == [f"site-{SITE}", f"room-{ROOM}"]


def test_booking_touches_the_room_only():
    assert streams_touched(ROOMS, book(at(5, 10), at(5, 12)), ADDED) == [f"room-{ROOM}"]


def test_cancelling_a_booking_of_the_room_alone_touches_the_room_only():
    b = series(at(5, 9))
    assert streams_touched(ROOMS, cancel(b.booking_id), ADDED, b) == [f"room-{ROOM}"]
    assert streams_touched(ROOMS, cancel(uuid4()), ADDED, b) == [f"room-{ROOM}"]


def test_cancelling_a_sessions_booking_touches_the_room_and_the_session():
    session_id = uuid4()
    b = series(at(5, 9), session_id=session_id)
    assert streams_touched(ROOMS, cancel(b.booking_id), ADDED, b) == [
        f"room-{ROOM}", f"session-{session_id}"
    ]


def test_cancelling_a_trainings_booking_touches_the_room_and_the_training():
    training_id = uuid4()
    b = series(at(5, 9), training_id=training_id)
    assert streams_touched(ROOMS, cancel(b.booking_id), ADDED, b) == [
        f"room-{ROOM}", f"training-{training_id}"
    ]
