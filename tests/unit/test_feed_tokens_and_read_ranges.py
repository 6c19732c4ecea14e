"""The calendar feed's secret and the time ranges of projection reads (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from uuid import uuid4

import pytest

from services.platform.keys import derive_keys
from services.reads.routes import aware, time_range
from services.commands.rejections import Invalid


def test_a_feed_token_is_stable_per_volunteer_and_secret():
    keys, volunteer = derive_keys("one secret"), uuid4()
    token = keys.feed_token(volunteer)
    assert token == derive_keys("one secret").feed_token(volunteer)
    assert keys.feed_token_matches(volunteer, token)
    assert not keys.feed_token_matches(uuid4(), token)
    assert not derive_keys("another secret").feed_token_matches(volunteer, token)
    assert not keys.feed_token_matches(volunteer, token[:-1])
    assert not keys.feed_token_matches(volunteer, "ä" + token[1:])


def test_each_generation_of_a_volunteers_feed_link_has_its_own_token():
    keys, volunteer = derive_keys("one secret"), uuid4()
    first, renewed = keys.feed_token(volunteer), keys.feed_token(volunteer, 1)
    assert first == keys.feed_token(volunteer, 0)  # links handed out before renewals hold
    assert len({first, renewed, keys.feed_token(volunteer, 2)}) == 3
    assert keys.feed_token_matches(volunteer, renewed, 1)
    assert not keys.feed_token_matches(volunteer, first, 1)
    assert not keys.feed_token_matches(volunteer, renewed, 0)


def test_the_feed_key_is_not_the_token_or_email_key():
    keys = derive_keys("one secret")
    assert len({keys.feeds, keys.tokens, keys.emails}) == 3


def test_a_time_with_offset_is_read_and_an_unencoded_plus_is_forgiven():
    berlin = timezone(timedelta(hours=1))
    assert aware("from", "2027-03-03T18:00:00+01:00") == datetime(2027, 3, 3, 18, tzinfo=berlin)
    assert aware("from", "2027-03-03T18:00:00 01:00") == datetime(2027, 3, 3, 18, tzinfo=berlin)
    assert aware("to", "2027-03-03T17:00:00Z") == datetime(2027, 3, 3, 17, tzinfo=UTC)
    assert aware("to", None) is None


@pytest.mark.parametrize("text", ["2027-03-03T18:00:00", "2027-03-03", "gestern"])
def test_a_time_without_offset_is_refused_naming_the_field(text):
    with pytest.raises(Invalid) as refused:
        aware("from", text)
    assert refused.value.field == "from"


def test_a_range_must_not_be_empty():
    with pytest.raises(Invalid) as refused:
        time_range("2027-03-03T18:00:00+01:00", "2027-03-03T17:00:00Z")
    assert refused.value.field == "to"
    assert time_range(None, "2027-03-03T17:00:00Z")[0] is None
