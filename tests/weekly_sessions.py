"""A weekly session of an offer in the scheduling world, and its first occurrence cancelled by the
coordinator."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

from events.store import EventStore
from tests.accounts_world import COORDINATOR_A
from tests.scheduling_world import World, iso


async def a_weekly_session(world: World, offer: str, first: datetime, count: int = 3) -> dict:
    return await world.created(COORDINATOR_A, f"/api/offers/{offer}/sessions", {
        "room_id": str(world.room_a), "starts_at": iso(first),
        "ends_at": iso(first + timedelta(hours=2)),
        "recurrence": {"rrule": "FREQ=WEEKLY", "count": count}})


async def cancel_first_occurrence(world: World, store: EventStore, session: dict,
                                  reason: str) -> Any:
    """The coordinator cancels the session's first occurrence (its room booking's)."""
    [scheduled_first] = [r.event for r in await store.read_stream(f"session-{session['id']}")
                         if r.type == "session.scheduled"]
    occurrence = session["occurrences"][0]["starts_at"]
    cancelled = await world.call(
        COORDINATOR_A, "DELETE",
        f"/api/rooms/{world.room_a}/bookings/{scheduled_first.booking_id}"
        f"?occurrence={quote(occurrence)}&reason={quote(reason)}")
    assert cancelled.status_code == 200, cancelled.text
    return cancelled
