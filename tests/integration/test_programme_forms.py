"""The coordinator's week view cancels a session's date with a reason, and marks whether the
public programme may show it (issue 24); both arrive in the session's event."""

from __future__ import annotations

import pytest

from events.offers import SessionOccurrencesCancelled
from tests.coordinator_pages import a_session_dates_question, cancel_form_of, in_utc, on
from tests.calendar_projector import projector  # noqa: F401 - a fixture
from tests.scheduling_world import event_count, world  # noqa: F401 - a fixture

pytestmark = pytest.mark.integration


async def test_a_sessions_date_is_cancelled_with_a_reason_for_the_public(
        world, projector, store, pool):
    session, html, question = await a_session_dates_question(
        world, "Sitzgymnastik", "movement", on(3), "10:00", "11:00")
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
