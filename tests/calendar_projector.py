"""The calendars' read models (directory, room calendar, shift board, volunteer schedule, volunteer
sites) kept up to date while a test runs: the projector fixture."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from projections.directory import DIRECTORY
from projections.room_calendar import ROOM_CALENDAR
from projections.shift_board import SHIFT_BOARD
from projections.volunteer_schedule import VOLUNTEER_SCHEDULE
from projections.volunteer_sites import VOLUNTEER_SITES
from tests.projecting import projecting


READ_MODELS = (DIRECTORY, ROOM_CALENDAR, SHIFT_BOARD, VOLUNTEER_SCHEDULE, VOLUNTEER_SITES)


@pytest.fixture
def projector(database_url: str) -> Iterator[None]:
    """The read models kept up to date while the test runs (tests/projecting.py); with
    ``volunteer_sites``, which says whose schedule a coordinator may read."""
    with projecting(database_url, READ_MODELS):
        yield
