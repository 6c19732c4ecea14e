from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4
from zoneinfo import ZoneInfo

import pytest

from events.rooms import Recurrence
from events.shifts import ShiftCreated, ShiftSeriesCreated
from events.sites import SiteAdded
from services.commands.rejections import Conflict, Invalid, NotFound
from services.shifts.series import SHIFT_SERIES_DECIDER, CreateShiftSeries, shift_id_of
from tests.catalogue import defined
from tests.deciding import streams_touched, when

pytestmark = pytest.mark.unit

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 10, 1, 8, tzinfo=UTC)
SITE, SERIES = uuid4(), uuid4()
SITE_ADDED = SiteAdded(site_id=SITE, name="A", village="B")
FOOD = defined("food_hygiene", "Lebensmittelhygiene", "Food hygiene")
# Tuesdays 11:00-14:30 Berlin time, across the end of summer time (25 October 2026).
FIRST = datetime(2026, 10, 13, 11, tzinfo=BERLIN)


def series(**changes) -> CreateShiftSeries:
    values = dict(series_id=SERIES, site_id=SITE, title="Küche", starts_at=FIRST,
                  ends_at=FIRST + timedelta(hours=3, minutes=30), capacity=3,
                  required_qualifications=["food_hygiene"],
                  recurrence=Recurrence(rrule="FREQ=WEEKLY;BYDAY=TU", count=4), now=NOW)
    return CreateShiftSeries(**(values | changes))


def test_a_series_creates_one_shift_per_occurrence_at_the_same_wall_clock_time():
    [created, *shifts] = when(SHIFT_SERIES_DECIDER, series(), SITE_ADDED, FOOD)
    assert isinstance(created, ShiftSeriesCreated)
    assert all(isinstance(shift, ShiftCreated) and shift.series_id == SERIES for shift in shifts)
    assert created.shift_ids == [shift.shift_id for shift in shifts]
    assert [(s.starts_at.astimezone(BERLIN).hour, s.ends_at.astimezone(BERLIN).minute)
            for s in shifts] == [(11, 30)] * 4
    assert [s.starts_at.hour for s in shifts] == [9, 9, 10, 10]  # UTC: the clock changed
    assert {s.required_qualifications[0] for s in shifts} == {"food_hygiene"}


def test_exdates_leave_occurrences_out():
    skipped = FIRST + timedelta(weeks=1)
    shifts = when(SHIFT_SERIES_DECIDER, series(exdates=[skipped]), SITE_ADDED, FOOD)[1:]
    assert len(shifts) == 3 and skipped not in {s.starts_at for s in shifts}


def test_an_exdate_off_the_rule_is_refused_naming_it():
    with pytest.raises(Invalid) as rejected:
        when(SHIFT_SERIES_DECIDER, series(exdates=[FIRST + timedelta(days=1)]), SITE_ADDED, FOOD)
    assert rejected.value.field == "recurrence.exdates[0]"


def test_a_series_has_the_limits_of_a_room_series():
    with pytest.raises(Invalid) as rejected:
        when(SHIFT_SERIES_DECIDER, series(recurrence=Recurrence(rrule="FREQ=DAILY", count=501)),
             SITE_ADDED, FOOD)
    assert rejected.value.members["code"] == "too_many_occurrences"


def test_a_series_names_only_catalogue_codes_and_an_existing_site():
    with pytest.raises(Invalid) as rejected:
        when(SHIFT_SERIES_DECIDER, series(), SITE_ADDED)
    assert rejected.value.field == "required_qualifications[0]"
    with pytest.raises(NotFound):
        when(SHIFT_SERIES_DECIDER, series(), FOOD)


def test_a_series_is_created_once():
    first = when(SHIFT_SERIES_DECIDER, series(), SITE_ADDED, FOOD)
    with pytest.raises(Conflict):
        when(SHIFT_SERIES_DECIDER, series(), SITE_ADDED, FOOD, *first)


def test_a_series_writes_its_own_stream_and_one_per_shift():
    touched = streams_touched(SHIFT_SERIES_DECIDER, series(recurrence=Recurrence(
        rrule="FREQ=WEEKLY", count=2)))
    assert touched[:2] == [f"site-{SITE}", f"shift_series-{SERIES}"]
    assert touched[3:] == [f"shift-{shift_id_of(SERIES, FIRST)}",
                           f"shift-{shift_id_of(SERIES, FIRST + timedelta(weeks=1))}"]
