"""What the public programme's commands decide: an offer's publication, a site's contact line,
and a session's cancellation with a reason the coordinator may mark public."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import msgspec
import pytest

from events.offers import OfferCreated, OfferPublicationChanged, SessionOccurrencesCancelled
from events.rooms import Occurrence, RoomAdded, RoomBooked
from events.sites import SiteAdded, SiteContactChanged
from services.commands.rejections import Invalid, NotFound
from services.offers.decider import OFFERS, CreateOffer, SetOfferPublication
from services.rooms.decider import ROOMS, CancelBooking
from services.sites.decider import SITES, AddSite, SetSiteContact
from tests.deciding import when

pytestmark = pytest.mark.unit

NOW = datetime(2027, 1, 10, 8, tzinfo=UTC)
SITE, ROOM, OFFER, SESSION, BOOKING = uuid4(), uuid4(), uuid4(), uuid4(), uuid4()
SITE_ADDED = SiteAdded(site_id=SITE, name="Dorftreff Gehrde", village="Gehrde")
OFFER_CREATED = OfferCreated(offer_id=OFFER, site_id=SITE, title="Babymassage",
                             category="mental_health")
EVENING = datetime(2027, 1, 20, 17, tzinfo=UTC)
BOOKED = RoomBooked(room_id=ROOM, booking_id=BOOKING, title="Babymassage", session_id=SESSION,
                    occurrences=[Occurrence(starts_at=EVENING, ends_at=EVENING + timedelta(hours=1))])
ROOM_ADDED = RoomAdded(room_id=ROOM, site_id=SITE, name="Saal", capacity=40)


def test_an_offer_is_public_unless_the_coordinator_says_otherwise():
    created = when(OFFERS, CreateOffer(offer_id=OFFER, site_id=SITE, title="Babymassage",
                                       category="mental_health", now=NOW), SITE_ADDED)
    assert created == [OFFER_CREATED]
    assert created[0].public is True and created[0].public_description is None


def test_an_offer_created_before_publication_existed_reads_as_public():
    stored = b'{"type":"offer.created","offer_id":"%s","site_id":"%s","title":"T","category":"community"}'
    old = msgspec.json.decode(stored % (str(OFFER).encode(), str(SITE).encode()), type=OfferCreated)
    assert old.public is True and old.public_description is None


def test_an_offer_may_be_hidden_and_given_words_for_the_public():
    assert when(OFFERS, SetOfferPublication(offer_id=OFFER, public=False,
                                            public_description="  Für Eltern.  ", now=NOW),
                SITE_ADDED, OFFER_CREATED) == [
        OfferPublicationChanged(offer_id=OFFER, public=False, public_description="Für Eltern.")]


def test_publishing_needs_an_existing_offer():
    with pytest.raises(NotFound) as rejected:
        when(OFFERS, SetOfferPublication(offer_id=OFFER, public=True, now=NOW))
    assert rejected.value.field == "offer_id"


def test_a_public_description_holds_no_control_characters():
    with pytest.raises(Invalid) as rejected:
        when(OFFERS, CreateOffer(offer_id=OFFER, site_id=SITE, title="T", category="community",
                                 public_description="a\x00b", now=NOW), SITE_ADDED)
    assert rejected.value.field == "public_description"


def test_a_site_gets_an_address_and_a_contact_line():
    assert when(SITES, SetSiteContact(site_id=SITE, address=" Dorfstraße 1, 49596 Gehrde ",
                                      contact="", now=NOW), SITE_ADDED) == [
        SiteContactChanged(site_id=SITE, address="Dorfstraße 1, 49596 Gehrde", contact=None)]


def test_a_contact_line_is_one_line_and_needs_an_existing_site():
    with pytest.raises(NotFound):
        when(SITES, SetSiteContact(site_id=SITE, address="x", now=NOW))
    with pytest.raises(Invalid) as rejected:
        when(SITES, AddSite(site_id=SITE, name="D", village="V", contact="a\nb", now=NOW))
    assert rejected.value.field == "contact"


def cancel(**changes) -> CancelBooking:
    return CancelBooking(**({"room_id": ROOM, "booking_id": BOOKING,
                             "occurrence_starts_at": EVENING, "now": NOW} | changes))


def test_a_cancellation_tells_the_session_its_reason_and_whether_the_public_may_read_it():
    events = when(ROOMS, cancel(reason=" Kursleiterin krank ", reason_public=True),
                  ROOM_ADDED, BOOKED)
    assert events[1] == SessionOccurrencesCancelled(
        session_id=SESSION, occurrence_starts_at=[EVENING], reason="Kursleiterin krank",
        reason_public=True)


def test_a_reason_is_not_public_unless_marked_so():
    events = when(ROOMS, cancel(reason="Frau K. im Krankenhaus"), ROOM_ADDED, BOOKED)
    assert events[1].reason == "Frau K. im Krankenhaus" and events[1].reason_public is False


def test_a_public_reason_needs_words():
    with pytest.raises(Invalid) as rejected:
        when(ROOMS, cancel(reason="  ", reason_public=True), ROOM_ADDED, BOOKED)
    assert rejected.value.field == "reason"
