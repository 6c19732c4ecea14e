"""The admin keeps the qualification catalogue on a page (issue 20): the list shows every code
with its names and validity, a form defines a new code or renames one, through the same
command as ``POST /api/qualifications``; bad input is named at its field."""

from __future__ import annotations

import re
from collections.abc import Iterator
from uuid import uuid4

import pytest

from events.qualifications import QualificationDefined, QualificationName, qualification_id
from projections.qualification_catalogue import QUALIFICATION_CATALOGUE
from tests.accounts_world import COORDINATOR_A
from tests.coordinator_pages import sign_in_as_admin
from tests.coordinator_pages import csrf_of, sign_in_as, text_of
from tests.scheduling_world import World, event_count, world  # noqa: F401 - world is a fixture
from tests.projecting import projecting

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]
PATH = "/coordinator/qualifications/"


@pytest.fixture
def projector(database_url: str) -> Iterator[None]:
    with projecting(database_url, [QUALIFICATION_CATALOGUE]):
        yield


async def define(world: World, **fields: str) -> object:
    csrf = csrf_of((await world.client.get(PATH)).text)
    return await world.client.post(PATH, follow_redirects=False, data={
        "_csrf_token": csrf, "request_key": uuid4().hex, **fields})


async def shown_after(world: World, response: object) -> str:
    assert response.status_code == 303, response.text
    page = await world.client.get(response.headers["location"])
    assert page.status_code == 200, page.text
    return page.text


def row_of(html: str, code: str) -> str:
    for row in re.findall(r"<tr>(.*?)</tr>", html, re.S):
        if f"<code>{code}</code>" in row:
            return text_of(row).strip()
    raise AssertionError(f"{code} is not listed")


async def test_the_admin_defines_and_renames_a_qualification_from_its_start_page(
        world, projector, store):
    await sign_in_as_admin(world)
    start = (await world.client.get("/")).text
    assert f'href="{PATH}"' in start
    html = (await world.client.get(PATH)).text
    assert row_of(html, "food_hygiene") == (
        "Lebensmittelhygiene Food hygiene food_hygiene 24 Monate Ändern")

    html = await shown_after(world, await define(
        world, code=" kinderschutz ", name_de="Kinderschutz", name_en="Child protection",
        months="36"))
    assert "Gespeichert: kinderschutz." in html
    assert row_of(html, "kinderschutz") == (
        "Kinderschutz Child protection kinderschutz 36 Monate Ändern")

    form = (await world.client.get(PATH, params={"code": "food_hygiene"})).text
    assert 'name="name_de" type="text" value="Lebensmittelhygiene"' in form
    assert 'name="months" type="number" value="24"' in form
    html = await shown_after(world, await define(
        world, code="food_hygiene", name_de="Hygieneschulung Küche",
        name_en="Kitchen hygiene", months="24"))
    assert row_of(html, "food_hygiene") == (
        "Hygieneschulung Küche Kitchen hygiene food_hygiene 24 Monate Ändern")
    renamed = QualificationDefined(
        qualification_id=qualification_id("food_hygiene"), code="food_hygiene",
        name=QualificationName(de="Hygieneschulung Küche", en="Kitchen hygiene"),
        default_valid_for_months=24)
    stream = f"qualification-{qualification_id('food_hygiene')}"
    assert (await store.read_stream(stream))[-1].event == renamed


async def test_bad_input_is_named_at_its_field_and_nothing_is_stored(world, projector, pool):
    await sign_in_as_admin(world)
    before = await event_count(pool)
    refused = await define(world, code="erste_hilfe_kind", name_de="Erste Hilfe am Kind",
                           name_en="Paediatric first aid", months="zwölf")
    assert refused.status_code == 422
    assert 'id="q-months-error"' in refused.text
    assert "Bitte eine ganze Zahl von 1 bis 120 Monaten angeben." in refused.text
    assert 'value="Erste Hilfe am Kind"' in refused.text  # the input kept
    refused = await define(world, code="erste_hilfe_kind", name_de=" ",
                           name_en="Paediatric first aid", months="24")
    assert refused.status_code == 422 and 'id="q-name_de-error"' in refused.text
    refused = await define(world, code="first_aid", name_de="Erste Hilfe", name_en="First aid",
                           months="24")
    assert refused.status_code == 409
    assert "Dieser Code ist schon genau so angelegt." in refused.text
    assert await event_count(pool) == before

    await sign_in_as(world, COORDINATOR_A)
    assert (await world.client.get(PATH)).status_code == 403
    assert (await world.client.post(PATH, data={"code": "x"})).status_code == 403
    assert await event_count(pool) == before
