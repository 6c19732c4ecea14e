"""The volunteer's and the auditor's pages under test: signed in through the sign-in form, a shift
on the board once the worker has projected it, a page's form posted, a stream's stored types."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest

from tests.accounts_world import ADMIN, ADMIN_EMAIL, ADMIN_PASSWORD, PASSWORD
from tests.pages_session import csrf_of
from tests.projection_checks import workers
from tests.scheduling_world import World, iso


@pytest.fixture
def worker(database_url, servers, broker_namespace):
    with workers(database_url, servers.redis_url, broker_namespace, count=1,
                 wait_on_exit=False) as started:
        yield started


async def signed_in_as(world: World, name: str) -> None:
    """Signs the test client in through the sign-in form, as ``name`` (an account of the world)."""
    email, password = ((ADMIN_EMAIL, ADMIN_PASSWORD) if name == ADMIN
                       else (f"{name}@example.org", PASSWORD))
    form = await world.client.get("/sign-in")
    response = await world.client.post("/sign-in", data={
        "email": email, "password": password, "next": "/",
        "_csrf_token": csrf_of(form.text)}, follow_redirects=False)
    assert response.status_code == 303, response.text


async def a_shift(world: World, *, title: str = "Tresen", site: UUID | None = None,
                  hours_ahead: int = 48, capacity: int = 2, starts: datetime | None = None,
                  **more: Any) -> UUID:
    """A two-hour shift beginning ``hours_ahead`` from now, or at ``starts``."""
    if starts is None:
        starts = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=hours_ahead)
    created = await world.created(ADMIN, "/api/shifts", {
        "site_id": str(site or world.site_a), "title": title, "starts_at": iso(starts),
        "ends_at": iso(starts + timedelta(hours=2)), "capacity": capacity, **more})
    await on_the_board(world, created["position"])
    return UUID(created["id"])


async def on_the_board(world: World, position: int) -> None:
    """Waits until the worker has put everything up to ``position`` on the read models the
    pages read (it applies them in one pass)."""
    for path in ("/api/shifts", "/api/sites"):
        answer = await world.call(ADMIN, "GET", f"{path}?min_position={position}")
        assert answer.status_code == 200, answer.text


async def post_form(world: World, path: str, *, page: str) -> Any:
    """Submits the form on ``page`` whose action is ``path``, with the page's CSRF token."""
    shown = await world.client.get(page)
    assert shown.status_code == 200, shown.text
    return await world.client.post(path, data={"_csrf_token": csrf_of(shown.text)},
                                   follow_redirects=False)


async def stored_types(pool, stream: str) -> list[str]:
    return [row["type"] for row in await pool.fetch(
        "SELECT type FROM events WHERE stream_id = $1 ORDER BY stream_version", stream)]


def shift_item(html: str, shift: UUID) -> str:
    match = re.search(rf'<li class="shift" data-shift-id="{shift}">(.*?)</li>', html, re.S)
    assert match, f"shift {shift} is not on the page"
    return match.group(1)
