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
        directory.SiteListed(site_id=SITE, name="Dorftreff", village="Linden")]
    assert directory.evolve(RoomAdded(room_id=ROOM, site_id=SITE, name="Saal", capacity=40)) == [
        directory.RoomListed(room_id=ROOM, site_id=SITE, name="Saal", capacity=40)]
    assert directory.evolve(OfferCreated(offer_id=offer, site_id=SITE, title="Yoga",
                                         category="movement")) == [
        directory.OfferListed(offer_id=offer, site_id=SITE, title="Yoga", category="movement",
                              description=None)]


def test_the_directory_ignores_events_it_does_not_show():
    assert directory.evolve(shift_created()) == []


def test_a_weekly_booking_puts_every_occurrence_in_the_room_calendar():
    changes = room_calendar.evolve(RoomBooked(room_id=ROOM, booking_id=BOOKING, title="Chor",
                                              occurrences=weekly(3)))
    assert changes == [
        room_calendar.OccurrenceBooked(booking_id=BOOKING, starts_at=o.starts_at,
                                       ends_at=o.ends_at, room_id=ROOM, title="Chor",
                                       session_id=None, training_id=None)
        for o in weekly(3)
    ]


def test_a_cancelled_occurrence_is_flagged_not_forgotten():
    second = weekly(2)[1].starts_at
    assert room_calendar.evolve(RoomOccurrencesCancelled(
        room_id=ROOM, booking_id=BOOKING, occurrence_starts_at=[second])) == [
        room_calendar.OccurrenceCancelled(booking_id=BOOKING, starts_at=second)]


def test_an_occurrence_id_is_stable_and_differs_between_occurrences():
    first, second = (o.starts_at for o in weekly(2))
    assert room_calendar.occurrence_id(BOOKING, first) == room_calendar.occurrence_id(
        BOOKING, first.astimezone(room_calendar.UTC))
    assert room_calendar.occurrence_id(BOOKING, first) != room_calendar.occurrence_id(
        BOOKING, second)


def test_the_shift_board_counts_claims_waitlist_and_releases():
    other = uuid4()
    assert shift_board.evolve(shift_created(capacity=2)) == [shift_board.ShiftListed(
        shift_id=SHIFT, site_id=SITE, title="Tresen", starts_at=EVENING,
        ends_at=EVENING + timedelta(hours=3), capacity=2, required_qualifications=["hygiene"],
        session_id=None)]
    assert shift_board.evolve(ShiftClaimed(shift_id=SHIFT, volunteer_id=VOLUNTEER)) == [
        shift_board.Counted(shift_id=SHIFT, claimed=1)]
    assert shift_board.evolve(ShiftWaitlisted(shift_id=SHIFT, volunteer_id=other)) == [
        shift_board.Counted(shift_id=SHIFT, waitlist=1)]
    assert shift_board.evolve(ShiftClaimReleased(shift_id=SHIFT, volunteer_id=VOLUNTEER)) == [
        shift_board.Counted(shift_id=SHIFT, claimed=-1)]
    assert shift_board.evolve(ShiftWaitlistLeft(shift_id=SHIFT, volunteer_id=other)) == [
        shift_board.Counted(shift_id=SHIFT, waitlist=-1)]


def test_the_first_on_the_waitlist_takes_the_freed_place_and_leaves_the_waitlist():
    assert shift_board.evolve(ShiftClaimed(shift_id=SHIFT, volunteer_id=VOLUNTEER,
                                           from_waitlist=True)) == [
        shift_board.Counted(shift_id=SHIFT, claimed=1, waitlist=-1)]


def test_attendance_and_the_volunteer_side_of_a_claim_leave_the_board_alone():
    assert shift_board.evolve(ShiftAttendanceConfirmed(
        shift_id=SHIFT, present=[VOLUNTEER], starts_at=EVENING, ends_at=EVENING)) == []
    assert shift_board.evolve(VolunteerShiftClaimed(
        volunteer_id=VOLUNTEER, shift_id=SHIFT, starts_at=EVENING, ends_at=EVENING)) == []


def test_a_volunteers_schedule_follows_claims_waitlist_and_release():
    assert volunteer_schedule.evolve(shift_created()) == [volunteer_schedule.ShiftKnown(
        shift_id=SHIFT, site_id=SITE, title="Tresen", starts_at=EVENING,
        ends_at=EVENING + timedelta(hours=3))]
    assert volunteer_schedule.evolve(ShiftWaitlisted(shift_id=SHIFT, volunteer_id=VOLUNTEER)) == [
        volunteer_schedule.Holding(volunteer_id=VOLUNTEER, shift_id=SHIFT, status="waitlisted")]
    assert volunteer_schedule.evolve(ShiftClaimed(shift_id=SHIFT, volunteer_id=VOLUNTEER,
                                                  from_waitlist=True)) == [
        volunteer_schedule.Holding(volunteer_id=VOLUNTEER, shift_id=SHIFT, status="claimed")]
    for gone in (ShiftClaimReleased(shift_id=SHIFT, volunteer_id=VOLUNTEER),
                 ShiftWaitlistLeft(shift_id=SHIFT, volunteer_id=VOLUNTEER)):
        assert volunteer_schedule.evolve(gone) == [
            volunteer_schedule.NotHolding(volunteer_id=VOLUNTEER, shift_id=SHIFT)]


def test_the_schedule_keeps_only_the_volunteers_id_and_whether_it_was_erased():
    registered = VolunteerRegistered(volunteer_id=VOLUNTEER, name=b"ciphertext",
                                     email=b"ciphertext")
    assert volunteer_schedule.evolve(registered) == [
        volunteer_schedule.VolunteerKnown(volunteer_id=VOLUNTEER)]
    assert volunteer_schedule.evolve(VolunteerErased(volunteer_id=VOLUNTEER)) == [
        volunteer_schedule.VolunteerGone(volunteer_id=VOLUNTEER)]
