"""The registry of every event type Treffpunkt stores. New event modules are added here."""

from __future__ import annotations

from events import accounts, volunteers
from events.base import EventRegistry


def build_registry() -> EventRegistry:
    registry = EventRegistry()
    registry.register(*accounts.EVENTS, *volunteers.EVENTS)
    return registry


registry = build_registry()
