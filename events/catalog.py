"""The registry of every event type Treffpunkt stores. New event modules are added here."""

from __future__ import annotations

from events import accounts, funding, hours, offers, rooms, shifts, sites, trainings, volunteers
from events import qualifications
from events.base import EventRegistry


def build_registry() -> EventRegistry:
    registry = EventRegistry()
    registry.register(*accounts.EVENTS, *volunteers.EVENTS, *hours.EVENTS)
    registry.register(
        *sites.EVENTS, *rooms.EVENTS, *offers.EVENTS, *shifts.EVENTS, *trainings.EVENTS,
        *funding.EVENTS,
    )
    registry.register(*qualifications.EVENTS)
    return registry


registry = build_registry()
