"""Every area's decider, and which one decides a command: for callers that run commands of
several areas in one stream of work (the demo, the tests' history generator)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from services.accounts.decider import ACCOUNTS, CLOSING, SEALING
from events.base import Event
from services.commands.decider import Decider, Stream, StreamKind
from services.funding.decider import FUNDING_SETTINGS
from services.handovers.decider import HANDOVERS
from services.hours.decider import HOURS
from services.notifications.decider import NOTIFICATION_SETTINGS
from services.offers.decider import OFFERS
from services.offers.staffing import STAFFING
from services.qualifications.decider import QUALIFICATIONS
from services.rooms.decider import ROOMS
from services.shifts.decider import SHIFTS
from services.shifts.series import SHIFT_SERIES_DECIDER
from services.sites.decider import SITES
from services.trainings.decider import TRAININGS
from services.volunteers.decider import HOME_SITES, REGISTRATION
from services.volunteers.erasure import ERASURE

DECIDERS = (SITES, ROOMS, OFFERS, SHIFTS, TRAININGS, REGISTRATION, ERASURE, ACCOUNTS, CLOSING,
            HOURS, FUNDING_SETTINGS, QUALIFICATIONS, SHIFT_SERIES_DECIDER,
            STAFFING)
DECIDERS += (NOTIFICATION_SETTINGS,)
DECIDERS += (HOME_SITES, HANDOVERS, SEALING)
_BY_COMMAND = {command: decider for decider in DECIDERS for command in decider.commands}


def decider_for(command: Any) -> Decider[Any]:
    return _BY_COMMAND[type(command)]


KINDS: dict[type[Event], StreamKind[Any]] = {
    event_type: kind
    for decider in DECIDERS for kind in decider.kinds for event_type in kind.holds
}
"""Every event type written through a decider -> the kind of stream that holds it."""


def stream_of(event: Event) -> Stream[Any]:
    return KINDS[type(event)].of(event)


def occurred_at(event: Event, now: datetime) -> datetime:
    return KINDS[type(event)].occurred_at(event, now)
