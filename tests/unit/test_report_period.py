"""The period a report covers when the request names no days."""

from datetime import UTC, date, datetime

import pytest

from services.commands.rejections import Invalid
from services.reports.routes import period_of


def test_the_default_year_is_berlins_even_in_the_first_hour_of_new_year():
    first_hour_in_berlin = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)

    period = period_of(None, None, now=first_hour_in_berlin)

    assert (period.first_day, period.last_day) == (date(2027, 1, 1), date(2027, 12, 31))


def test_the_default_year_on_new_years_eve_in_berlin():
    last_hour_in_berlin = datetime(2026, 12, 31, 22, 30, tzinfo=UTC)

    period = period_of(None, None, now=last_hour_in_berlin)

    assert (period.first_day, period.last_day) == (date(2026, 1, 1), date(2026, 12, 31))


def test_one_named_day_keeps_the_default_for_the_other():
    period = period_of("2026-03-01", None, now=datetime(2026, 6, 1, tzinfo=UTC))

    assert (period.first_day, period.last_day) == (date(2026, 3, 1), date(2026, 12, 31))


def test_a_period_ending_before_it_starts_is_refused_naming_to():
    with pytest.raises(Invalid) as refused:
        period_of("2026-03-01", "2026-02-28")

    assert refused.value.field == "to"
