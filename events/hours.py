"""Volunteer hours outside shifts: the lines of a timesheet, on the volunteer's stream
(``volunteer-<id>``), so that two lines of one volunteer never overlap.

A line names where (site, and the offer if any), what (the activity) and when the volunteer
worked. A correction replaces the line as a whole (or withdraws it) and says why; the earlier
line stays in the history. Hours count on the day their line began.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from events.base import Event


class HoursRecorded(Event, tag="volunteer.hours_recorded", frozen=True, kw_only=True):
    volunteer_id: UUID
    line_id: UUID
    site_id: UUID
    offer_id: UUID | None = None
    activity: str
    started_at: datetime
    ended_at: datetime


class HoursCorrected(Event, tag="volunteer.hours_corrected", frozen=True, kw_only=True):
    """The line as it should have been; ``withdrawn``: it should not have been recorded."""

    volunteer_id: UUID
    line_id: UUID
    site_id: UUID
    offer_id: UUID | None = None
    activity: str
    started_at: datetime
    ended_at: datetime
    withdrawn: bool = False
    reason: str


EVENTS = (HoursRecorded, HoursCorrected)
