"""The coordinator's offers page under test: the read models it reads, the page, posting one
of its forms with the page's CSRF token, and what a post stored."""

from __future__ import annotations

import re
from collections.abc import Iterator
from uuid import uuid4

import pytest

from projections.attendance_stats import ATTENDANCE_STATS
from projections.directory import DIRECTORY
from projections.programme import PROGRAMME
from projections.qualification_catalogue import QUALIFICATION_CATALOGUE
from projections.room_calendar import ROOM_CALENDAR
from tests.coordinator_pages import csrf_of, text_of
from tests.projecting import projecting
from tests.scheduling_world import World


@pytest.fixture
def projector(database_url: str) -> Iterator[None]:
    """The read models the offers page reads."""
    with projecting(database_url, [DIRECTORY, ROOM_CALENDAR, ATTENDANCE_STATS, PROGRAMME,
                                   QUALIFICATION_CATALOGUE]):
        yield


def offers_path(world: World) -> str:
    return f"/coordinator/sites/{world.site_a}/offers"


async def offers_page(world: World, after: object = None) -> str:
    params = {"min_position": str(after)} if after is not None else {}
    response = await world.client.get(offers_path(world), params=params)
    assert response.status_code == 200, response.text
    return response.text


async def post(world: World, path: str, **fields: str) -> object:
    csrf = csrf_of(await offers_page(world))
    return await world.client.post(path, follow_redirects=False, data={
        "_csrf_token": csrf, "request_key": uuid4().hex, **fields})


def after_redirect(response: object) -> str:
    assert response.status_code == 303, response.text
    return re.search(r"min_position=(\d+)", response.headers["location"]).group(1)


async def last_event(store, stream: str) -> object:
    return (await store.read_stream(stream))[-1].event


def badge_of(html: str, title: str) -> str:
    heading = re.search(rf"<h2 id=\"offer-[^\"]+\">{title}(.*?)</h2>", html, re.S)
    assert heading, f"no offer {title} on the page"
    return text_of(heading.group(1))
