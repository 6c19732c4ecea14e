"""A volunteer's stream (``volunteer-<id>``) and its one fold.

The person (registered, its accounts, erased: the volunteers area's events) and what it has
taken on (the shifts it holds, the qualifications it gained: written by the shift and training
areas, which decide on this state).
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import msgspec

from events.base import Event
from events.hours import HoursCorrected, HoursRecorded
from events.shifts import VolunteerShiftClaimed, VolunteerShiftReleased
from events.trainings import VolunteerQualified
from events.volunteers import (
    FeedTokenRenewed,
    NotificationSettingsChanged,
    VolunteerAccountLinked,
    VolunteerErased,
    VolunteerHomeSitesChosen,
    VolunteerPhoneChanged,
    VolunteerRegistered,
)
from projections.notifier import REMINDER
from services.commands.decider import StreamKind


class Volunteer(msgspec.Struct, frozen=True, kw_only=True):
    registered: bool = False
    site_ids: tuple[UUID, ...] = ()
    """Where it was registered (by a coordinator of those sites)."""
    erased: bool = False
    account_ids: tuple[UUID, ...] = ()
    claimed: dict[UUID, tuple[datetime, datetime]] = {}
    """Shift id -> its ``[starts_at, ends_at)``, for every shift the volunteer holds."""
    qualifications: dict[str, datetime] = {}
    """Qualification -> the latest ``valid_until`` granted."""
    hours: dict[UUID, tuple[datetime, datetime]] = {}
    """Timesheet line id -> its ``[started_at, ended_at)``, for every line not withdrawn."""
    lines: dict[UUID, UUID] = {}
    """Every timesheet line ever recorded (withdrawn ones too) -> the site it names now."""
    home_site_ids: tuple[UUID, ...] = ()
    """The sites the volunteer chose as its own (its profile)."""
    reminder_hours_before: int | None = None
    """The reminder time the volunteer chose in its notification settings; None while it never
    chose one (and 0 once it turned reminders off)."""
    feed_generation: int = 0
    """Which secret link opens its calendar feed: renewed from its profile, the old one ends."""
    notification_settings: NotificationSettingsChanged | None = None
    """The settings it chose last (None: the defaults), which turning one kind off keeps."""

    @property
    def active(self) -> bool:
        return self.registered and not self.erased

    def missing(self, required: tuple[str, ...] | list[str], at: datetime) -> list[str]:
        """The required qualifications not valid at ``at``."""
        return [q for q in required if not self.qualifications.get(q, at) > at]

    def overlapping(self, starts_at: datetime, ends_at: datetime, *, besides: UUID) -> list[UUID]:
        """The held shifts (other than ``besides``) overlapping ``[starts_at, ends_at)``."""
        return [
            shift_id
            for shift_id, (start, end) in self.claimed.items()
            if shift_id != besides and start < ends_at and starts_at < end
        ]

    def overlapping_hours(self, starts_at: datetime, ends_at: datetime, *,
                          besides: UUID) -> list[UUID]:
        """The timesheet lines (other than ``besides``) overlapping ``[starts_at, ends_at)``."""
        return [
            line_id
            for line_id, (start, end) in self.hours.items()
            if line_id != besides and start < ends_at and starts_at < end
        ]


def evolve(state: Volunteer, event: Event) -> Volunteer:
    match event:
        case VolunteerRegistered(site_ids=site_ids):
            return msgspec.structs.replace(state, registered=True, site_ids=tuple(site_ids))
        case VolunteerAccountLinked(account_id=account_id):
            return msgspec.structs.replace(state, account_ids=(*state.account_ids, account_id))
        case VolunteerErased():
            return msgspec.structs.replace(state, erased=True)
        case VolunteerHomeSitesChosen(site_ids=site_ids):
            return msgspec.structs.replace(state, home_site_ids=tuple(site_ids))
        case FeedTokenRenewed(generation=generation):
            return msgspec.structs.replace(state, feed_generation=generation)
        case NotificationSettingsChanged(reminder_hours_before=hours, off=off):
            return msgspec.structs.replace(
                state, reminder_hours_before=0 if REMINDER in off else hours,
                notification_settings=event)
        case VolunteerShiftClaimed(shift_id=shift_id, starts_at=starts_at, ends_at=ends_at):
            return msgspec.structs.replace(
                state, claimed={**state.claimed, shift_id: (starts_at, ends_at)}
            )
        case VolunteerShiftReleased(shift_id=shift_id):
            return msgspec.structs.replace(
                state, claimed={k: v for k, v in state.claimed.items() if k != shift_id}
            )
        case VolunteerQualified(qualification=name, valid_until=valid_until):
            if name in state.qualifications and state.qualifications[name] >= valid_until:
                return state
            return msgspec.structs.replace(
                state, qualifications={**state.qualifications, name: valid_until}
            )
        case HoursRecorded(line_id=line_id, started_at=started_at, ended_at=ended_at):
            return msgspec.structs.replace(
                state, hours={**state.hours, line_id: (started_at, ended_at)},
                lines={**state.lines, line_id: event.site_id})
        case HoursCorrected(line_id=line_id):
            hours = {k: v for k, v in state.hours.items() if k != line_id}
            if not event.withdrawn:
                hours[line_id] = (event.started_at, event.ended_at)
            return msgspec.structs.replace(state, hours=hours,
                                           lines={**state.lines, line_id: event.site_id})
    return state


def worked_at(event: Event, now: datetime) -> datetime:
    """Timesheet hours happened when their line began, whenever they are recorded."""
    match event:
        case HoursRecorded() | HoursCorrected():
            return event.started_at
    return now


VOLUNTEER = StreamKind("volunteer", Volunteer(), evolve, dict.fromkeys(
    (VolunteerRegistered, VolunteerAccountLinked, VolunteerErased, VolunteerHomeSitesChosen,
     VolunteerShiftClaimed, VolunteerShiftReleased, VolunteerQualified,
     HoursRecorded, HoursCorrected, NotificationSettingsChanged, FeedTokenRenewed,
     VolunteerPhoneChanged),
    "volunteer_id"),
    occurred_at=worked_at)
