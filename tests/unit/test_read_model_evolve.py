"""The read models' evolve steps: given an event, the row changes (pure, no database)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

from events.offers import OfferCreated
from events.rooms import Occurrence, RoomAdded, RoomBooked, RoomOccurrencesCancelled
from events.shifts import (
    ShiftAttendanceConfirmed,
    ShiftClaimed,
    ShiftClaimReleased,
    ShiftCreated,
    ShiftWaitlisted,
    ShiftWaitlistLeft,
    VolunteerShiftClaimed,
)
from events.sites import SiteAdded
from events.volunteers import VolunteerErased, VolunteerRegistered
from projections import directory, room_calendar, shift_board, volunteer_schedule
from projections.row_changes import Delete, Increment, Update, Upsert, fold

SITE, ROOM, SHIFT, VOLUNTEER, BOOKING = uuid4(), uuid4(), uuid4(), uuid4(), uuid4()
EVENING = datetime(2027, 3, 3, 17, 0, tzinfo=UTC)


def weekly(count: int) -> list[Occurrence]:
    return [Occurrence(starts_at=EVENING + timedelta(weeks=week),
                       ends_at=EVENING + timedelta(weeks=week, hours=1, minutes=30))
            for week in range(count)]


def shift_created(capacity: int = 2) -> ShiftCreated:
    return ShiftCreated(shift_id=SHIFT, site_id=SITE, title="Tresen", starts_at=EVENING,
                        ends_at=EVENING + timedelta(hours=3), capacity=capacity,
                        required_qualifications=["hygiene"])


def test_the_directory_lists_sites_rooms_and_offers():
    offer = uuid4()
    assert directory.evolve(SiteAdded(site_id=SITE, name="Dorftreff", village="Linden")) == [
        Upsert(directory.SITES, {"site_id": SITE}, {"name": "Dorftreff", "village": "Linden"})]
    assert directory.evolve(RoomAdded(room_id=ROOM, site_id=SITE, name="Saal", capacity=40)) == [
        Upsert(directory.ROOMS, {"room_id": ROOM},
               {"site_id": SITE, "name": "Saal", "capacity": 40})]
    assert directory.evolve(OfferCreated(offer_id=offer, site_id=SITE, title="Yoga",
                                         category="movement")) == [
        Upsert(directory.OFFERS, {"offer_id": offer}, {
            "site_id": SITE, "title": "Yoga", "category": "movement", "description": None})]


def test_the_directory_ignores_events_it_does_not_show():
    assert directory.evolve(shift_created()) == []


def test_a_weekly_booking_puts_every_occurrence_in_the_room_calendar():
    changes = room_calendar.evolve(RoomBooked(room_id=ROOM, booking_id=BOOKING, title="Chor",
                                              occurrences=weekly(3)))
    assert changes == [
        Upsert(room_calendar.OCCURRENCES, {"booking_id": BOOKING, "starts_at": o.starts_at}, {
            "ends_at": o.ends_at, "room_id": ROOM, "title": "Chor", "session_id": None,
            "training_id": None})
        for o in weekly(3)
    ]
    rows = fold(room_calendar.SCHEMA, changes)[room_calendar.OCCURRENCES]
    assert [row["cancelled"] for row in rows.values()] == [False, False, False]


def test_a_cancelled_occurrence_is_flagged_not_forgotten():
    second = weekly(2)[1].starts_at
    cancelled = RoomOccurrencesCancelled(room_id=ROOM, booking_id=BOOKING,
                                         occurrence_starts_at=[second])
    assert room_calendar.evolve(cancelled) == [
        Update(room_calendar.OCCURRENCES, {"booking_id": BOOKING, "starts_at": second},
               {"cancelled": True})]
    booked = RoomBooked(room_id=ROOM, booking_id=BOOKING, title="Chor", occurrences=weekly(2))
    rows = fold(room_calendar.SCHEMA, [c for e in (booked, cancelled)
                                       for c in room_calendar.evolve(e)])
    assert [row["cancelled"] for row in rows[room_calendar.OCCURRENCES].values()] == [
        False, True]


def test_an_occurrence_id_is_stable_and_differs_between_occurrences():
    first, second = (o.starts_at for o in weekly(2))
    assert room_calendar.occurrence_id(BOOKING, first) == room_calendar.occurrence_id(
        BOOKING, first.astimezone(room_calendar.UTC))
    assert room_calendar.occurrence_id(BOOKING, first) != room_calendar.occurrence_id(
        BOOKING, second)


def counted(**amounts: int) -> Increment:
    return Increment(shift_board.SHIFTS, {"shift_id": SHIFT}, amounts)


def test_the_shift_board_counts_claims_waitlist_and_releases():
    other = uuid4()
    assert shift_board.evolve(shift_created(capacity=2)) == [Upsert(
        shift_board.SHIFTS, {"shift_id": SHIFT}, {
            "site_id": SITE, "title": "Tresen", "starts_at": EVENING,
            "ends_at": EVENING + timedelta(hours=3), "capacity": 2, "claimed": 0, "waitlist": 0,
            "required_qualifications": ["hygiene"], "session_id": None})]
    history = [shift_created(capacity=2),
               ShiftClaimed(shift_id=SHIFT, volunteer_id=VOLUNTEER),
               ShiftWaitlisted(shift_id=SHIFT, volunteer_id=other),
               ShiftClaimReleased(shift_id=SHIFT, volunteer_id=VOLUNTEER),
               ShiftWaitlistLeft(shift_id=SHIFT, volunteer_id=other)]
    assert [shift_board.evolve(event) for event in history[1:]] == [
        [counted(claimed=1)], [counted(waitlist=1)], [counted(claimed=-1)], [counted(waitlist=-1)]]
    board = fold(shift_board.SCHEMA, [c for e in history[:3] for c in shift_board.evolve(e)])
    assert (board[shift_board.SHIFTS][(SHIFT,)]["claimed"],
            board[shift_board.SHIFTS][(SHIFT,)]["waitlist"]) == (1, 1)


def test_the_first_on_the_waitlist_takes_the_freed_place_and_leaves_the_waitlist():
    assert shift_board.evolve(ShiftClaimed(shift_id=SHIFT, volunteer_id=VOLUNTEER,
                                           from_waitlist=True)) == [
        counted(claimed=1, waitlist=-1)]


def test_attendance_and_the_volunteer_side_of_a_claim_leave_the_board_alone():
    assert shift_board.evolve(ShiftAttendanceConfirmed(
        shift_id=SHIFT, present=[VOLUNTEER], starts_at=EVENING, ends_at=EVENING)) == []
    assert shift_board.evolve(VolunteerShiftClaimed(
        volunteer_id=VOLUNTEER, shift_id=SHIFT, starts_at=EVENING, ends_at=EVENING)) == []


def test_a_volunteers_schedule_follows_claims_waitlist_and_release():
    holding = {"volunteer_id": VOLUNTEER, "shift_id": SHIFT}
    assert volunteer_schedule.evolve(shift_created()) == [Upsert(
        volunteer_schedule.SHIFTS, {"shift_id": SHIFT}, {
            "site_id": SITE, "title": "Tresen", "starts_at": EVENING,
            "ends_at": EVENING + timedelta(hours=3)})]
    assert volunteer_schedule.evolve(ShiftWaitlisted(shift_id=SHIFT, volunteer_id=VOLUNTEER)) == [
        Upsert(volunteer_schedule.HOLDINGS, holding, {"status": "waitlisted"})]
    assert volunteer_schedule.evolve(ShiftClaimed(shift_id=SHIFT, volunteer_id=VOLUNTEER,
                                                  from_waitlist=True)) == [
        Upsert(volunteer_schedule.HOLDINGS, holding, {"status": "claimed"})]
    for gone in (ShiftClaimReleased(shift_id=SHIFT, volunteer_id=VOLUNTEER),
                 ShiftWaitlistLeft(shift_id=SHIFT, volunteer_id=VOLUNTEER)):
        assert volunteer_schedule.evolve(gone) == [Delete(volunteer_schedule.HOLDINGS, holding)]


def test_the_schedule_keeps_only_the_volunteers_id_and_whether_it_was_erased():
    registered = VolunteerRegistered(volunteer_id=VOLUNTEER, name=b"ciphertext",
                                     email=b"ciphertext")
    volunteer = {"volunteer_id": VOLUNTEER}
    assert volunteer_schedule.evolve(registered) == [
        Upsert(volunteer_schedule.VOLUNTEERS, volunteer)]
    erased = VolunteerErased(volunteer_id=VOLUNTEER)
    assert volunteer_schedule.evolve(erased) == [
        Update(volunteer_schedule.VOLUNTEERS, volunteer, {"erased": True})]
    rows = fold(volunteer_schedule.SCHEMA, [c for e in (registered, erased)
                                            for c in volunteer_schedule.evolve(e)])
    assert rows[volunteer_schedule.VOLUNTEERS] == {(VOLUNTEER,): {**volunteer, "erased": True}}
