"""The registry of every event type Treffpunkt stores. New event modules are added here."""

from __future__ import annotations

from events import accounts
from events.base import EventRegistry


def build_registry() -> EventRegistry:
    registry = EventRegistry()
    registry.register(*accounts.EVENTS)
    return registry


registry = build_registry()
