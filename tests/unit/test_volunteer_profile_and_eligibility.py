"""A volunteer's home villages (its profile, as events) and what keeps it from a shift, said
before the tap by the claim's own rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from events.shifts import VolunteerShiftClaimed
from events.sites import SiteAdded
from events.trainings import VolunteerQualified
from events.volunteers import (
    FeedTokenRenewed,
    VolunteerErased,
    VolunteerHomeSitesChosen,
    VolunteerPhoneChanged,
    VolunteerRegistered,
)
from services.commands.decider import given
from services.commands.rejections import NotFound
from services.shifts.eligibility import obstacles
from services.volunteers.decider import (
    FEED_TOKEN,
    HOME_SITES,
    PHONE,
    ChangePhone,
    ChooseHomeSites,
    RenewFeedToken,
)
from services.volunteers.state import VOLUNTEER as VOLUNTEER_STREAM
from tests.deciding import streams_touched, when

pytestmark = pytest.mark.unit
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
VOLUNTEER, GEHRDE, RIESTE = uuid4(), uuid4(), uuid4()
REGISTERED = VolunteerRegistered(volunteer_id=VOLUNTEER, name=b"n", email=b"e", phone=None)
SITES = (SiteAdded(site_id=GEHRDE, name="Dorftreff", village="Gehrde"),
         SiteAdded(site_id=RIESTE, name="Dorftreff", village="Rieste"))


def choose(*site_ids) -> ChooseHomeSites:
    return ChooseHomeSites(volunteer_id=VOLUNTEER, site_ids=list(site_ids), now=NOW)


def test_home_villages_are_chosen_once_each_and_remembered():
    decided = when(HOME_SITES, choose(RIESTE, GEHRDE, RIESTE), REGISTERED, *SITES)

    assert decided == [VolunteerHomeSitesChosen(volunteer_id=VOLUNTEER,
                                                site_ids=[RIESTE, GEHRDE])]
    state = given(HOME_SITES, REGISTERED, *decided)[VOLUNTEER_STREAM(VOLUNTEER)]
    assert state.home_site_ids == (RIESTE, GEHRDE)
    assert streams_touched(HOME_SITES, choose(GEHRDE), REGISTERED) == [
        f"volunteer-{VOLUNTEER}", f"site-{GEHRDE}"]


def test_an_unknown_village_or_an_erased_volunteer_is_refused():
    with pytest.raises(NotFound) as unknown:
        when(HOME_SITES, choose(GEHRDE, uuid4()), REGISTERED, *SITES)
    assert unknown.value.field == "site_ids[1]"
    erased = VolunteerErased(volunteer_id=VOLUNTEER)
    with pytest.raises(NotFound):
        when(HOME_SITES, choose(GEHRDE), REGISTERED, erased, *SITES)


def shift(required=(), *, hours_ahead=24):
    starts = NOW + timedelta(hours=hours_ahead)
    return {"id": uuid4(), "starts_at": starts, "ends_at": starts + timedelta(hours=2),
            "required_qualifications": list(required)}


def volunteer(*events):
    return given(HOME_SITES, REGISTERED, *events)[VOLUNTEER_STREAM(VOLUNTEER)]


def test_a_qualification_expired_on_the_shifts_day_stands_in_the_way():
    board = shift(["food_hygiene"], hours_ahead=72)
    until = NOW + timedelta(hours=48)  # valid today, expired on the day
    me = volunteer(VolunteerQualified(volunteer_id=VOLUNTEER, qualification="food_hygiene",
                                      valid_until=until, training_id=uuid4()))

    assert obstacles(me, board).missing == ["food_hygiene"]
    assert not obstacles(me, shift(["food_hygiene"], hours_ahead=24))


def test_a_shift_i_hold_at_the_same_time_stands_in_the_way_but_not_the_shift_itself():
    held = shift()
    me = volunteer(VolunteerShiftClaimed(volunteer_id=VOLUNTEER, shift_id=held["id"],
                                         starts_at=held["starts_at"], ends_at=held["ends_at"]))
    same_time = {**shift(), "id": uuid4()}

    assert obstacles(me, same_time).overlapping == [held["id"]]
    assert not obstacles(me, held)
    assert not obstacles(me, shift(hours_ahead=26))  # touching: [24h, 26h) and [26h, 28h)


def test_renewing_the_feed_link_raises_its_generation_each_time():
    renew = RenewFeedToken(volunteer_id=VOLUNTEER, now=NOW)

    first = when(FEED_TOKEN, renew, REGISTERED)
    second = when(FEED_TOKEN, renew, REGISTERED, *first)

    assert first == [FeedTokenRenewed(volunteer_id=VOLUNTEER, generation=1)]
    assert second == [FeedTokenRenewed(volunteer_id=VOLUNTEER, generation=2)]
    assert given(FEED_TOKEN, REGISTERED, *first, *second)[
        VOLUNTEER_STREAM(VOLUNTEER)].feed_generation == 2
    assert streams_touched(FEED_TOKEN, renew, REGISTERED) == [f"volunteer-{VOLUNTEER}"]
    with pytest.raises(NotFound):
        when(FEED_TOKEN, renew, REGISTERED, VolunteerErased(volunteer_id=VOLUNTEER))
    with pytest.raises(NotFound):
        when(FEED_TOKEN, renew)


def test_a_changed_phone_number_is_recorded_as_given_unless_the_volunteer_is_gone():
    change = ChangePhone(volunteer_id=VOLUNTEER, phone=b"ciphertext", now=NOW)

    assert when(PHONE, change, REGISTERED) == [
        VolunteerPhoneChanged(volunteer_id=VOLUNTEER, phone=b"ciphertext")]
    removed = ChangePhone(volunteer_id=VOLUNTEER, phone=None, now=NOW)
    assert when(PHONE, removed, REGISTERED) == [
        VolunteerPhoneChanged(volunteer_id=VOLUNTEER, phone=None)]
    with pytest.raises(NotFound):
        when(PHONE, change, REGISTERED, VolunteerErased(volunteer_id=VOLUNTEER))
