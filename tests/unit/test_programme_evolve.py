"""The public programme's read model: given events, its rows (pure, no database)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from events.offers import (
    OfferCreated,
    OfferPublicationChanged,
    SessionOccurrencesCancelled,
    SessionScheduled,
)
from events.rooms import Occurrence, RoomAdded
from events.shifts import ShiftClaimed
from events.sites import SiteAdded, SiteContactChanged
from events.volunteers import VolunteerRegistered
from projections import programme
from projections.row_changes import fold

pytestmark = pytest.mark.unit

SITE, ROOM, OFFER, SESSION = uuid4(), uuid4(), uuid4(), uuid4()
NOON = datetime(2027, 2, 2, 11, tzinfo=UTC)
WEEKS = [NOON + timedelta(weeks=n) for n in range(3)]


def history() -> list:
    return [
        SiteAdded(site_id=SITE, name="Dorftreff Gehrde", village="Gehrde"),
        SiteContactChanged(site_id=SITE, address="Kirchstraße 3", contact="Tel. 05439 1234"),
        RoomAdded(room_id=ROOM, site_id=SITE, name="Saal", capacity=40),
        OfferCreated(offer_id=OFFER, site_id=SITE, title="Mittagstisch", category="community",
                     description="Intern: Schlüssel bei Frau M.",
                     public_description="Gemeinsam essen."),
        SessionScheduled(session_id=SESSION, offer_id=OFFER, site_id=SITE, room_id=ROOM,
                         booking_id=uuid4(), occurrences=[
                             Occurrence(starts_at=s, ends_at=s + timedelta(hours=2))
                             for s in WEEKS]),
        SessionOccurrencesCancelled(session_id=SESSION, occurrence_starts_at=[WEEKS[1]],
                                    reason="Küche wird renoviert", reason_public=True),
        SessionOccurrencesCancelled(session_id=SESSION, occurrence_starts_at=[WEEKS[2]],
                                    reason="Herr B. ist krank"),
        VolunteerRegistered(volunteer_id=uuid4(), name=b"Anna Lehmann", email=b"a@example.org"),
        ShiftClaimed(shift_id=uuid4(), volunteer_id=uuid4()),
    ]


def rows():
    return fold(programme.SCHEMA, [c for e in history() for c in programme.evolve(e)])


def test_every_date_of_a_public_offer_is_listed_with_its_room_and_site():
    dates = rows()[programme.DATES]
    assert [row["starts_at"] for row in dates.values()] == WEEKS
    assert all(row["room_id"] == ROOM and row["site_id"] == SITE for row in dates.values())
    site = rows()[programme.SITES][(SITE,)]
    assert (site["address"], site["contact"]) == ("Kirchstraße 3", "Tel. 05439 1234")


def test_a_cancellation_keeps_its_reason_only_when_it_was_marked_public():
    dates = rows()[programme.DATES]
    assert dates[(SESSION, WEEKS[0])]["cancelled"] is False
    assert (dates[(SESSION, WEEKS[1])]["cancelled"], dates[(SESSION, WEEKS[1])]["reason"]) == (
        True, "Küche wird renoviert")
    assert (dates[(SESSION, WEEKS[2])]["cancelled"], dates[(SESSION, WEEKS[2])]["reason"]) == (
        True, None)


def test_nothing_personal_or_internal_enters_the_programme():
    text = repr(rows())
    for secret in ("Anna Lehmann", "a@example.org", "Frau M.", "Herr B."):
        assert secret not in text
    offer = rows()[programme.OFFERS][(OFFER,)]
    assert (offer["public"], offer["description"]) == (True, "Gemeinsam essen.")


def test_an_offer_taken_out_of_the_programme_is_marked_so():
    changes = [c for e in [*history(), OfferPublicationChanged(offer_id=OFFER, public=False)]
               for c in programme.evolve(e)]
    offer = fold(programme.SCHEMA, changes)[programme.OFFERS][(OFFER,)]
    assert (offer["public"], offer["description"]) == (False, None)
