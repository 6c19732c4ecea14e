"""Expanding a series (services/rooms/recurrence.py): bounded in time, not only in occurrences
found, and the one rule for a range's length and distance from now (services/checks.py)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from dateutil.relativedelta import relativedelta

from events.rooms import Recurrence
from services.commands.rejections import Invalid
from services.rooms.recurrence import expand

pytestmark = pytest.mark.unit

NOW = datetime(2026, 12, 6, 8, tzinfo=UTC)
START = datetime.fromisoformat("2027-01-05T18:00:00+01:00")
END = START + timedelta(hours=2)


def refusal(recurrence: Recurrence | None, start: datetime = START, end: datetime = END,
            now: datetime = NOW) -> tuple[str, str]:
    with pytest.raises(Invalid) as refused:
        expand(start, end, recurrence, now)
    return refused.value.field, refused.value.members["code"]


@pytest.mark.serial  # a time limit: run alone, after the parallel part
@pytest.mark.parametrize("rule", [
    "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30",
    "FREQ=WEEKLY;BYMONTH=4;BYMONTHDAY=31",
    "FREQ=MONTHLY;BYMONTH=2;BYMONTHDAY=30",
    "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30",
    "FREQ=DAILY;BYSETPOS=2",  # one candidate a day: the second never exists
])
@pytest.mark.parametrize("bound", [{"count": 3}, {"until": datetime(2040, 1, 1, tzinfo=UTC)}],
                         ids=["count", "until far away"])
def test_a_rule_that_never_matches_is_refused_in_milliseconds(rule, bound):
    started = time.perf_counter()
    assert refusal(Recurrence(rrule=rule, **bound)) == ("recurrence", "no_occurrences")
    # dateutil alone walks to the year 9999 for these: seconds. Bounded, about a millisecond.
    assert time.perf_counter() - started < 0.05


def test_a_rule_that_does_not_reach_its_count_within_two_years_is_refused():
    # Feb 29 comes once in the two years after 2027-01-05: the third lies in 2036.
    leap_day = Recurrence(rrule="FREQ=DAILY;BYMONTH=2;BYMONTHDAY=29", count=3)
    assert refusal(leap_day) == ("recurrence", "beyond_horizon")


def test_a_rule_whose_until_lies_a_year_past_the_horizon_is_refused_even_without_dates_there():
    leap_day = Recurrence(rrule="FREQ=DAILY;BYMONTH=2;BYMONTHDAY=29",
                          until=datetime(2036, 3, 1, tzinfo=UTC))
    assert refusal(leap_day) == ("recurrence", "beyond_horizon")


def test_a_rare_rule_within_two_years_is_expanded():
    leap_day = Recurrence(rrule="FREQ=DAILY;BYMONTH=2;BYMONTHDAY=29",
                          until=datetime(2028, 12, 31, tzinfo=UTC))
    [occurrence] = expand(START, END, leap_day, NOW)
    assert occurrence.starts_at == datetime(2028, 2, 29, 17, tzinfo=UTC)


def test_a_weekly_until_just_past_the_two_year_mark_keeps_its_last_date_inside():
    weekly = Recurrence(rrule="FREQ=WEEKLY", until=datetime(2029, 1, 5, 22, tzinfo=UTC))
    occurrences = expand(START, END, weekly, NOW)
    assert len(occurrences) == 105
    assert occurrences[-1].starts_at == datetime(2029, 1, 2, 17, tzinfo=UTC)


@pytest.mark.serial
@pytest.mark.parametrize(("rule", "code"), [
    ("FREQ=DAILY;INTERVAL=0;BYMONTH=2;BYMONTHDAY=30", "bad_rrule"),  # a walk that never moves
    ("FREQ=DAILY;INTERVAL=-1", "bad_rrule"),
    ("FREQ=HOURLY", "too_frequent"),
    ("FREQ=MINUTELY;BYSETPOS=2", "too_frequent"),
    ("FREQ=SECONDLY;BYSETPOS=2", "too_frequent"),
])
def test_a_rule_that_could_walk_without_end_is_refused_before_it_walks(rule, code):
    started = time.perf_counter()
    assert refusal(Recurrence(rrule=rule, count=3)) == ("recurrence.rrule", code)
    assert time.perf_counter() - started < 0.05


def test_several_a_day_is_written_as_daily_with_hours():
    twice = Recurrence(rrule="FREQ=DAILY;BYHOUR=9,18;BYMINUTE=0;BYSECOND=0", count=4)
    start = datetime.fromisoformat("2027-01-05T09:00:00+01:00")
    occurrences = expand(start, start + timedelta(hours=1), twice, NOW)
    assert [o.starts_at.hour for o in occurrences] == [8, 17, 8, 17]


# --- one rule for the length and the date of a booking, session, training or shift


@pytest.mark.parametrize(("start", "end", "expected"), [
    (datetime(1900, 1, 1, 10, tzinfo=UTC), datetime(1900, 1, 1, 12, tzinfo=UTC),
     ("starts_at", "out_of_window")),
    (NOW + relativedelta(years=2, days=1), NOW + relativedelta(years=2, days=1, hours=1),
     ("starts_at", "out_of_window")),
    (datetime(9998, 1, 1, 10, tzinfo=UTC), datetime(9998, 1, 1, 12, tzinfo=UTC),
     ("starts_at", "out_of_window")),
    (NOW - timedelta(days=2 * 366), NOW - timedelta(days=2 * 366, hours=-1),
     ("starts_at", "out_of_window")),
    (START, START + timedelta(days=100 * 365), ("ends_at", "too_long")),
    (START, START + timedelta(days=14, seconds=1), ("ends_at", "too_long")),
], ids=["1900", "two years and a day ahead", "9998", "more than two years ago",
        "100 years long", "a second over 14 days"])
def test_a_single_range_out_of_bounds_is_refused(start, end, expected):
    assert refusal(None, start, end) == expected


@pytest.mark.parametrize(("start", "end"), [
    (START, START + timedelta(days=14)),
    (NOW + relativedelta(years=2), NOW + relativedelta(years=2, hours=2)),
    (NOW - timedelta(days=700), NOW - timedelta(days=700, hours=-2)),
], ids=["14 days long", "exactly two years ahead", "700 days ago"])
def test_a_single_range_within_bounds_is_one_occurrence(start, end):
    [occurrence] = expand(start, end, None, NOW)
    assert (occurrence.starts_at, occurrence.ends_at) == (start, end)


def test_a_series_is_held_to_the_rule_by_its_first_occurrence():
    weekly = Recurrence(rrule="FREQ=WEEKLY", count=2)
    far = NOW + relativedelta(years=2, days=1)
    assert refusal(weekly, far, far + timedelta(hours=1)) == ("starts_at", "out_of_window")
