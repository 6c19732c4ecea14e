"""Request bodies (services/json_bodies.py): JSON only, strictly of the route's type, with
instants Python can convert, and every refusal naming its field."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec
import pytest
from litestar.exceptions import ValidationException

from services.platform.json_bodies import check_body, require_json_media_type
from services.platform.problems import Problem
from services.commands.rejections import Invalid

pytestmark = pytest.mark.unit

Aware = Annotated[datetime, msgspec.Meta(tz=True)]


class Recurrence(msgspec.Struct, forbid_unknown_fields=True):
    rrule: str
    until: Aware | None = None


class Booking(msgspec.Struct, forbid_unknown_fields=True):
    title: str
    capacity: int
    starts_at: Aware
    recurrence: Recurrence | None = None
    times: dict[str, list[Aware]] = {}


GOOD = b'{"title": "Chor", "capacity": 5, "starts_at": "2027-05-01T09:00:00+02:00"}'


def refused_field(body: bytes) -> str:
    with pytest.raises((ValidationException, Invalid)) as refused:
        check_body(body, Booking)
    if isinstance(refused.value, Invalid):
        return refused.value.field
    [error] = refused.value.extra
    return error["key"]


@pytest.mark.parametrize("media_type", ["application/json", "application/json; charset=utf-8",
                                        "Application/JSON", "application/problem+json"])
def test_json_media_types_are_taken(media_type):
    require_json_media_type(media_type)


@pytest.mark.parametrize("media_type", ["text/plain", "application/x-www-form-urlencoded",
                                        "multipart/form-data", "", None, "application/jsonx"])
def test_other_media_types_are_a_415(media_type):
    with pytest.raises(Problem) as refused:
        require_json_media_type(media_type)
    assert refused.value.status_code == 415


def test_a_body_of_the_right_types_passes():
    check_body(GOOD, Booking)


@pytest.mark.parametrize(("body", "field"), [
    (GOOD.replace(b"5", b'"5"'), "capacity"),
    (GOOD.replace(b'"2027-05-01T09:00:00+02:00"', b"1700000000"), "starts_at"),
    (GOOD.replace(b'"Chor"', b"true"), "title"),
    (b'{"capacity": 5, "starts_at": "2027-05-01T09:00:00+02:00"}', "title"),
    (GOOD[:-1] + b', "recurrence": {"until": "2027-06-01T00:00:00Z"}}', "recurrence.rrule"),
    (GOOD[:-1] + b', "recurrence": {"rrule": "FREQ=DAILY", "until": 5}}', "recurrence.until"),
    (b"[1, 2]", "body"),
], ids=["a number as text", "an instant as a number", "a bool as text", "a missing field",
        "a missing nested field", "a nested instant as a number", "an array"])
def test_a_value_of_a_loose_type_is_refused_naming_its_field(body, field):
    assert refused_field(body) == field


@pytest.mark.parametrize(("body", "field"), [
    (GOOD.replace(b"2027-05-01T09:00:00+02:00", b"0001-01-01T00:00:00+01:00"), "starts_at"),
    (GOOD[:-1] + b', "recurrence": {"rrule": "FREQ=DAILY", '
                 b'"until": "9999-12-31T23:00:00-05:00"}}', "recurrence.until"),
    (GOOD[:-1] + b', "times": {"a": ["2027-01-01T00:00:00Z", "9999-12-31T23:59:00Z"]}}',
     "times.a[1]"),
], ids=["year 1 at +01:00", "a nested one past 9999", "one in a list in a dict"])
def test_an_instant_without_a_utc_in_range_is_refused_naming_its_field(body, field):
    assert refused_field(body) == field


@pytest.mark.parametrize("body", [
    b'{"title": "\xff"}', b"{not json", b"[" * 100_000 + b"]" * 100_000,
], ids=["invalid UTF-8", "malformed", "100,000 deep"])
def test_a_body_that_is_no_json_at_all_is_a_400_naming_the_body(body):
    with pytest.raises(Problem) as refused:
        check_body(body, Booking if body.startswith(b"{") else list)
    assert refused.value.status_code == 400
    assert refused.value.members["errors"][0]["field"] == "body"
