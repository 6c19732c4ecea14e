"""The coordinator's week view cancels a session's date with a reason, and marks whether the
public programme may show it (issue 24); both arrive in the session's event."""

from __future__ import annotations

import pytest

from events.offers import SessionOccurrencesCancelled
from tests.accounts_world import COORDINATOR_A
from tests.dates import berlin
from tests.coordinator_pages import (
    MONDAY,
    cancel_form_of,
    cancel_link_of,
    in_utc,
    on,
    sign_in_as,
    week_path,
)
from tests.calendar_projector import projector  # noqa: F401 - a fixture
from tests.scheduling_world import event_count, world  # noqa: F401 - a fixture

pytestmark = pytest.mark.integration


async def test_a_sessions_date_is_cancelled_with_a_reason_for_the_public(
        world, projector, store, pool):
    offer = await world.created(COORDINATOR_A, "/api/offers", {
        "site_id": str(world.site_a), "title": "Sitzgymnastik", "category": "movement"})
    session = await world.created(COORDINATOR_A, f"/api/offers/{offer['id']}/sessions", {
        "room_id": str(world.room_a), "starts_at": berlin(on(3), "10:00"),
        "ends_at": berlin(on(3), "11:00"), "recurrence": {"rrule": "FREQ=WEEKLY", "count": 2}})
    await sign_in_as(world, COORDINATOR_A)
    html = (await world.client.get(week_path(world), params={
        "week": MONDAY.isoformat(), "min_position": str(session["position"])})).text
    question = (await world.client.get(
        cancel_link_of(html, in_utc(on(3), "10:00"), "occurrence"))).text
    assert "Grund öffentlich zeigen" in question
    fields = await cancel_form_of(world, html, in_utc(on(3), "10:00"), "occurrence")
    before = await event_count(pool)
    refused = await world.client.post(f"/coordinator/sites/{world.site_a}/cancellations",
                                      data={**fields, "reason": " ", "reason_public": "1"})
    assert refused.status_code == 422
    assert "Grund öffentlich zeigen" in refused.text  # asked again, the mark kept
    assert 'name="reason_public" value="1" checked' in refused.text
    assert await event_count(pool) == before
    done = await world.client.post(
        f"/coordinator/sites/{world.site_a}/cancellations", follow_redirects=False,
        data={**fields, "reason": "Der Saal wird renoviert.", "reason_public": "1"})
    assert done.status_code == 303, done.text
    stored = [e.event for e in await store.read_stream(f"session-{session['id']}")]
    assert stored[-1] == SessionOccurrencesCancelled(
        session_id=stored[0].session_id, occurrence_starts_at=[stored[0].occurrences[0].starts_at],
        reason="Der Saal wird renoviert.", reason_public=True)
