"""Dates and times on the volunteer's and auditor's pages and in e-mails, written per language
by Babel on the Berlin wall clock: the literal words a reader gets in each of the three."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from services.pages.local_time import BERLIN, day_label, day_only, moment_label, time_span
from workers.mail.messages import when

pytestmark = pytest.mark.unit


def a_tuesday_8_december() -> date:
    """The next 8 December that is a Tuesday (whatever year the suite runs in)."""
    year = datetime.now(BERLIN).year
    while date(year, 12, 8).weekday() != 1:
        year += 1
    return date(year, 12, 8)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=BERLIN)


@pytest.mark.parametrize(("language", "label"), [
    ("de", "Dienstag, 8. Dezember"), ("en", "Tuesday 8 December"), ("uk", "Вівторок, 8 грудня")])
# English without a comma when the year is left out: the CLDR's en_GB pattern "EEEE d MMMM".
def test_a_day_is_its_weekday_day_and_month_in_each_language(language, label):
    assert day_label(a_tuesday_8_december(), language, with_year=False) == label


YEAR_MARK = "\u202fр."
"""Ukrainian writes "р." (рік) after a year, joined by a narrow no-break space."""


@pytest.mark.parametrize(("language", "label"), [
    ("de", "Dienstag, 8. Dezember {year}"), ("en", "Tuesday, 8 December {year}"),
    ("uk", "Вівторок, 8 грудня {year}" + YEAR_MARK)])
def test_a_day_names_its_year_only_when_it_is_not_this_one(language, label):
    day = a_tuesday_8_december()
    assert day_label(day, language, with_year=True) == label.format(year=day.year)
    today = datetime.now(BERLIN).date()
    assert str(today.year) not in day_label(today, language)
    next_year = today.replace(year=today.year + 1, day=min(today.day, 28))
    assert str(next_year.year) in day_label(next_year, language)


@pytest.mark.parametrize(("language", "span", "short", "moment"), [
    ("de", "09:00–13:00 Uhr", "08.12.{year}", "Dienstag, 8. Dezember {year}, 09:00"),
    ("en", "09:00–13:00", "8 Dec {year}", "Tuesday, 8 December {year}, 09:00"),
    ("uk", "09:00–13:00", "8 груд. {year}" + YEAR_MARK,
     "Вівторок, 8 грудня {year}" + YEAR_MARK + ", 09:00")])
def test_times_dates_and_moments_in_each_language(language, span, short, moment):
    day = a_tuesday_8_december()
    assert time_span(at(day, 9), at(day, 13), language) == span
    assert day_only(day, language) == short.format(year=day.year)
    assert moment_label(at(day, 9), language) == moment.format(year=day.year)


def test_a_span_across_midnight_names_the_day_it_ends():
    day = a_tuesday_8_december()
    assert time_span(at(day, 22), at(day, 22) + timedelta(hours=3), "de") == (
        f"22:00–09.12.{day.year} 01:00")


@pytest.mark.parametrize(("language", "words"), [
    ("de", "Dienstag, 8. Dezember {year}, 09:00–13:00 Uhr"),
    ("en", "Tuesday, 8 December {year}, 09:00–13:00"),
    ("uk", "вівторок, 8 грудня {year}" + YEAR_MARK + ", 09:00–13:00")])
def test_an_e_mail_names_the_day_and_time_in_its_language(language, words):
    day = a_tuesday_8_december()
    assert when(at(day, 9), at(day, 13), language) == words.format(year=day.year)
