"""TREFFPUNKT_MAX_IN_FLIGHT: the requests one API process works on at once (issue 23, c)."""

from __future__ import annotations

import pytest

from services.platform.settings import max_in_flight_from_env

pytestmark = pytest.mark.unit


def test_the_bound_is_16_unless_set_and_0_means_none(monkeypatch):
    monkeypatch.delenv("TREFFPUNKT_MAX_IN_FLIGHT", raising=False)
    assert max_in_flight_from_env() == 16
    monkeypatch.setenv("TREFFPUNKT_MAX_IN_FLIGHT", " 0 ")
    assert max_in_flight_from_env() == 0


@pytest.mark.parametrize("value", ["-1", "sixteen", "1.5", ""])
def test_a_bound_that_is_no_whole_number_stops_the_start(monkeypatch, value):
    monkeypatch.setenv("TREFFPUNKT_MAX_IN_FLIGHT", value)
    with pytest.raises(ValueError, match="TREFFPUNKT_MAX_IN_FLIGHT"):
        max_in_flight_from_env()
