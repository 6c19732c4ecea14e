"""Every read model the workers keep up to date. Read models are added here."""

from __future__ import annotations

from projections.attendance_stats import ATTENDANCE_STATS
from projections.directory import DIRECTORY
from projections.qualification_catalogue import QUALIFICATION_CATALOGUE
from projections.room_calendar import ROOM_CALENDAR
from projections.runner import Projection
from projections.shift_board import SHIFT_BOARD
from projections.shift_roster import SHIFT_ROSTER
from projections.training_records import TRAINING_RECORDS
from projections.volunteer_schedule import VOLUNTEER_SCHEDULE
from projections.volunteer_sites import VOLUNTEER_SITES

PROJECTIONS: list[Projection] = []
PROJECTIONS += [DIRECTORY, ROOM_CALENDAR, SHIFT_BOARD, VOLUNTEER_SCHEDULE]
PROJECTIONS += [TRAINING_RECORDS, ATTENDANCE_STATS, VOLUNTEER_SITES]
PROJECTIONS += [QUALIFICATION_CATALOGUE]
PROJECTIONS += [SHIFT_ROSTER]
