"""The one definition of the attendance figures (projections.figures): what an occurrence, a
shift and a training count as, and how they add up; pure, no servers."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

import msgspec
import pytest

from events.shifts import ServiceTime, ShiftAttendanceConfirmed
from events.trainings import TrainingCompleted
from projections import figures
from projections.figures import Facts, Figures, Tally, tally

pytestmark = pytest.mark.unit

SITE, OTHER_SITE, OFFER, OTHER_OFFER, SESSION = (uuid4() for _ in range(5))
NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)
# 31 March 2026, 22:30 UTC is already 1 April in Berlin (summer time, +02:00).
MARCH = datetime(2026, 3, 31, 20, 30, tzinfo=UTC)
APRIL = datetime(2026, 3, 31, 22, 30, tzinfo=UTC)
EVER = {"from_": datetime(2026, 1, 1, tzinfo=UTC), "to": datetime(2027, 1, 1, tzinfo=UTC)}


def occurrence(starts_at=MARCH, *, site=SITE, offer=OFFER, cancelled=False, visitors=None):
    return {"site_id": site, "offer_id": offer, "starts_at": starts_at,
            "cancelled": cancelled, "visitors": visitors}


def shift(starts_at=MARCH, *, seconds=3600, confirmed=True, session=SESSION, site=SITE):
    return {"site_id": site, "session_id": session, "starts_at": starts_at,
            "confirmed": confirmed, "volunteer_seconds": seconds}


def training(starts_at=APRIL, *, held=True, cancelled=False, participants=4):
    return {"site_id": SITE, "starts_at": starts_at, "held": held, "cancelled": cancelled,
            "participants": participants}


def the_facts(occurrences=(), shifts=(), trainings=()) -> Facts:
    return Facts(occurrences=occurrences, shifts=shifts, trainings=trainings,
                 offer_of_session={SESSION: OFFER}.get)


def test_an_occurrence_with_a_count_is_held_with_its_visitors():
    assert figures.occurrence(False, 12, MARCH, NOW) == Tally(sessions_held=1, visitors=12)


def test_a_count_of_nobody_is_still_a_session_held():
    assert figures.occurrence(False, 0, MARCH, NOW) == Tally(sessions_held=1)


def test_a_cancelled_occurrence_counts_as_cancelled_whatever_was_counted():
    assert figures.occurrence(True, None, MARCH, NOW) == Tally(sessions_cancelled=1)
    assert figures.occurrence(True, 7, MARCH, NOW) == Tally(sessions_cancelled=1)


def test_a_past_occurrence_without_a_count_is_unrecorded_and_one_ahead_counts_nothing_yet():
    assert figures.occurrence(False, None, NOW - timedelta(seconds=1), NOW) == Tally(
        sessions_unrecorded=1)
    assert figures.occurrence(False, None, NOW, NOW) == Tally()


def test_volunteer_time_is_each_person_present_times_the_length_the_confirmation_names():
    confirmation = ShiftAttendanceConfirmed(
        shift_id=uuid4(), present=[uuid4(), uuid4()], starts_at=MARCH,
        ends_at=MARCH + timedelta(hours=2, minutes=30))
    assert figures.served(confirmation) == (2, 2 * 9000)
    assert figures.served(msgspec.structs.replace(confirmation, present=[])) == (0, 0)


def test_a_training_counts_those_who_attended():
    completion = TrainingCompleted(training_id=uuid4(), attended=[uuid4(), uuid4()],
                                   qualification="first_aid", valid_until=NOW)
    assert figures.participants(completion) == 2


def test_a_shift_counts_once_confirmed_and_a_training_once_held_and_not_cancelled():
    assert figures.shift(False, 0) is None
    assert figures.shift(True, 0) == Tally()
    assert figures.shift(True, 7200) == Tally(volunteer_seconds=7200)
    assert figures.training(False, False, 0) is None
    assert figures.training(True, True, 3) is None
    assert figures.training(True, False, 3) == Tally(trainings_held=1, training_participants=3)


def test_figures_add_up_by_berlin_month():
    facts = the_facts(
        occurrences=[occurrence(MARCH, visitors=10), occurrence(APRIL, visitors=5),
                     occurrence(APRIL + timedelta(days=7), cancelled=True)],
        shifts=[shift(MARCH, seconds=5400), shift(APRIL, confirmed=False, seconds=9999)],
        trainings=[training(APRIL)],
    )
    by_month = tally(facts, figures.by_month, now=NOW, **EVER)
    assert by_month == {
        "2026-03": Tally(sessions_held=1, visitors=10, volunteer_seconds=5400),
        "2026-04": Tally(sessions_held=1, visitors=5, sessions_cancelled=1, trainings_held=1,
                         training_participants=4),
    }


def test_a_shift_of_a_session_counts_for_its_offer_and_trainings_and_free_shifts_for_none():
    facts = the_facts(
        occurrences=[occurrence(visitors=3), occurrence(offer=OTHER_OFFER, visitors=4)],
        shifts=[shift(seconds=3600), shift(session=None, seconds=1800)],
        trainings=[training()],
    )
    by_offer = tally(facts, figures.by_site_and_offer, now=NOW, **EVER)
    assert by_offer == {
        (SITE, OFFER): Tally(sessions_held=1, visitors=3, volunteer_seconds=3600),
        (SITE, OTHER_OFFER): Tally(sessions_held=1, visitors=4),
        (SITE, None): Tally(volunteer_seconds=1800, trainings_held=1, training_participants=4),
    }
    categories = {OFFER: "movement", OTHER_OFFER: "community"}
    by_category = tally(facts, figures.by_category(categories.get), now=NOW, **EVER)
    assert {key: sums.visitors for key, sums in by_category.items()} == {
        "movement": 3, "community": 4, None: 0}


def test_the_period_and_the_sites_select_by_where_and_when_each_fact_began():
    facts = the_facts(
        occurrences=[occurrence(MARCH, visitors=1), occurrence(APRIL, visitors=2),
                     occurrence(APRIL, site=OTHER_SITE, offer=OTHER_OFFER, visitors=4)],
        shifts=[shift(APRIL, seconds=60, site=OTHER_SITE, session=None)],
    )
    sums = tally(facts, figures.by_site, from_=APRIL, to=NOW, now=NOW)
    assert sums == {SITE: Tally(sessions_held=1, visitors=2),
                    OTHER_SITE: Tally(sessions_held=1, visitors=4, volunteer_seconds=60)}
    only_one = tally(facts, figures.by_site, from_=MARCH, to=APRIL, now=NOW,
                     site_ids=frozenset({SITE}))
    assert only_one == {SITE: Tally(sessions_held=1, visitors=1)}


def test_hours_are_rounded_once_from_the_exact_sum_never_summed_from_rounded_parts():
    twenty_minutes = 1200
    facts = the_facts(shifts=[shift(MARCH + timedelta(days=n), seconds=twenty_minutes)
                              for n in range(3)])
    by_day = tally(facts, lambda item: item.starts_at, now=NOW, **EVER)
    assert [sums.shown().volunteer_hours for sums in by_day.values()] == [0.33, 0.33, 0.33]
    assert figures.total(by_day.values()).shown() == Figures(volunteer_hours=1.0)


# Volunteer hours: walk-ins, actual times, timesheet lines, and their value ---------------------


def test_walk_ins_count_like_those_present_and_actual_times_replace_the_shifts():
    left_early, walk_in, present = uuid4(), uuid4(), uuid4()
    confirmation = ShiftAttendanceConfirmed(
        shift_id=uuid4(), present=[present, left_early], walk_ins=[walk_in], starts_at=MARCH,
        ends_at=MARCH + timedelta(hours=3),
        times={left_early: ServiceTime(started_at=MARCH, ended_at=MARCH + timedelta(hours=1))})
    assert figures.served_by(confirmation) == {present: 10800, left_early: 3600,
                                               walk_in: 10800}
    assert figures.served(confirmation) == (3, 25200)


def line(starts_at=MARCH, *, seconds=7200, withdrawn=False, offer=None):
    return {"site_id": SITE, "offer_id": offer, "starts_at": starts_at,
            "volunteer_seconds": seconds, "withdrawn": withdrawn}


def test_a_timesheet_line_counts_its_hours_for_its_offer_or_site_until_withdrawn():
    facts = Facts(hours=[line(), line(offer=OFFER, seconds=3600), line(withdrawn=True)])
    assert tally(facts, figures.by_site_and_offer, now=NOW, **EVER) == {
        (SITE, None): Tally(volunteer_seconds=7200), (SITE, OFFER): Tally(volunteer_seconds=3600)}


def test_each_hour_is_valued_at_the_rate_valid_on_its_berlin_day():
    rates = {date(2026, 1, 1): 1500, date(2026, 4, 1): 1750}
    # MARCH (31 March, 22:30 Berlin) is still at 15 EUR; APRIL (1 April, 00:30 Berlin) at 17.50.
    facts = Facts(shifts=[shift(MARCH, seconds=3600, session=None)],
                  hours=[line(APRIL, seconds=5400)], rates=rates)
    by_month = tally(facts, figures.by_month, now=NOW, **EVER)
    assert by_month["2026-03"].shown().volunteer_hours_value == 15.0
    assert by_month["2026-04"].shown().volunteer_hours_value == 26.25
    assert figures.total(by_month.values()).shown() == Figures(
        volunteer_hours=2.5, volunteer_hours_value=41.25)


def test_hours_before_any_rate_are_worth_nothing_and_money_rounds_half_up_once():
    assert figures.rate_on({date(2026, 2, 1): 1500}, MARCH - timedelta(days=60)) == 0
    # 20 minutes at 15.01 EUR are 5.00333 EUR; three of them 15.01, not 3 x 5.00.
    third = Tally(volunteer_seconds=1200, volunteer_value=1200 * 1501)
    assert third.shown().volunteer_hours_value == 5.0
    assert figures.total([third, third, third]).shown().volunteer_hours_value == 15.01
    assert figures.euros(3600 // 2 * 1) == 0.01  # half a cent rounds up, not to even
