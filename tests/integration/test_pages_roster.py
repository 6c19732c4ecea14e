"""The coordinator's roster page reads the ``shift_roster`` read model: right after assigning,
removing or cancelling, the page it is sent to (with the change's ``min_position``) shows the
change, and a cancelled shift keeps its page."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from tests.accounts_world import ADMIN, COORDINATOR_A, world
from tests.coordinator_pages import csrf_of, sign_in_as, text_of
from tests.volunteer_profile import (  # noqa: F401 - projector: a fixture
    GRETA,
    api,
    projector,
)

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]


def holders(html: str) -> list[str]:
    listed = re.search(r'<ol class="list roster">(.*?)</ol>', html, re.S).group(1)
    return re.findall(r'<span class="name">([^<]+)</span>', listed)


async def answer(world, html: str, action: str, **fields: str):  # noqa: F811
    key = re.search(r'name="request_key" value="([^"]+)"', html).group(1)
    response = await world.client.post(action, follow_redirects=False, data={
        "_csrf_token": csrf_of(html), "request_key": key, **fields})
    assert response.status_code == 303, response.text
    assert "min_position=" in response.headers["location"]
    return await world.client.get(response.headers["location"])


async def alice_on_a_shift(world, capacity: int) -> tuple:  # noqa: F811
    """A shift the day after tomorrow with Alice on it, Greta known at its site, and its
    roster page as the coordinator sees it: ``(alice, greta, path, page)``."""
    site, alice = world.targets["site_id"], world.targets["volunteer_id"]
    greta = (await api(world, "POST", "/api/volunteers", GRETA, caller=COORDINATOR_A))["id"]
    starts = datetime.now(UTC).replace(microsecond=0) + timedelta(days=2)
    shift = (await api(world, "POST", "/api/shifts", {
        "site_id": str(site), "title": "Tresen", "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(hours=2)).isoformat(), "capacity": capacity},
        caller=ADMIN))["id"]
    claimed = await api(world, "POST", f"/api/shifts/{shift}/claims",
                        {"volunteer_id": str(alice)})
    await sign_in_as(world, COORDINATOR_A)
    path = f"/coordinator/shifts/{shift}"
    before = await world.client.get(path, params={"min_position": str(claimed["position"])})
    return alice, greta, path, before


async def test_the_roster_page_shows_the_coordinators_own_change_at_once(
        world, projector):  # noqa: F811
    alice, greta, path, before = await alice_on_a_shift(world, capacity=2)
    assert holders(before.text) == ["Alice Beispiel-Unique"]

    assigned = await answer(world, before.text, f"{path}/roster/assign", volunteer_id=greta)
    assert "Eingeteilt." in text_of(assigned.text)
    assert holders(assigned.text) == ["Alice Beispiel-Unique", "Greta Neu"]

    question = await world.client.get(f"{path}/removal/{alice}")
    removed = await answer(world, question.text, f"{path}/roster/remove", volunteer_id=str(alice))
    assert "Ausgetragen." in text_of(removed.text)
    assert holders(removed.text) == ["Greta Neu"]

    question = await world.client.get(f"{path}/cancellation")
    cancelled = await answer(world, question.text, f"{path}/cancellation", reason="Glatteis")
    page = text_of(cancelled.text)
    assert "Tresen" in page and "Diese Schicht ist abgesagt." in page
    assert holders(cancelled.text) == []
    assert "open-place" not in cancelled.text  # a cancelled shift has no places to fill


async def test_assigning_to_a_full_shift_says_the_person_waits(world, projector):  # noqa: F811
    _, greta, path, before = await alice_on_a_shift(world, capacity=1)

    assigned = await answer(world, before.text, f"{path}/roster/assign", volunteer_id=greta)
    page = text_of(assigned.text)
    assert "Die Schicht ist voll: auf die Warteliste gesetzt." in page
    assert "Eingeteilt." not in page
    assert holders(assigned.text) == ["Alice Beispiel-Unique"]
    assert "1. Greta Neu" in page
