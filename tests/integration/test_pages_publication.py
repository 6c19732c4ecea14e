"""What the public programme shows, set from the coordinator's offers page (issue 24): per offer
whether it is public and its public description, the same for a new offer, and the Dorftreff's
address and contact line; each form runs the command of its API route."""

from __future__ import annotations

import re
from collections.abc import Iterator
from uuid import uuid4

import pytest

from events.offers import OfferCreated, OfferPublicationChanged
from events.sites import SiteContactChanged
from projections.attendance_stats import ATTENDANCE_STATS
from projections.directory import DIRECTORY
from projections.programme import PROGRAMME
from projections.qualification_catalogue import QUALIFICATION_CATALOGUE
from projections.room_calendar import ROOM_CALENDAR
from tests.coordinator_pages import csrf_of, sign_in_as, text_of
from tests.accounts_world import COORDINATOR_A, COORDINATOR_B
from tests.scheduling_world import World, event_count, world  # noqa: F401 - world is a fixture
from tests.projecting import projecting

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]


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


async def test_a_new_offer_is_created_internal_then_published_with_its_public_words(
        world, projector, store, pool):
    await sign_in_as(world, COORDINATOR_A)
    html = await offers_page(world)
    assert "Im öffentlichen Programm zeigen?" in html
    assert 'name="public" value="1" checked' in html  # public unless chosen otherwise
    created = await post(world, offers_path(world), title="Sprachcafé", category="participation",
                         description="Für Ehrenamtliche: Schlüssel beim Hausmeister.",
                         public="0", public_description="")
    html = await offers_page(world, after_redirect(created))
    assert badge_of(html, "Sprachcafé").split() == ["Soziale", "Teilhabe", "nicht", "öffentlich"]
    offer_id = re.search(r'id="offer-([^"]+)">Sprachcafé', html).group(1)
    stored = await last_event(store, f"offer-{offer_id}")
    assert isinstance(stored, OfferCreated) and stored.public is False

    path = f"{offers_path(world)}/{offer_id}/publication"
    before = await event_count(pool)
    refused = await post(world, path, public="vielleicht", public_description="Alle willkommen")
    assert refused.status_code == 422
    assert "Bitte wählen: öffentlich oder nur intern." in refused.text
    assert "Alle willkommen</textarea>" in refused.text  # the input kept
    refused = await post(world, path, public="1", public_description="Kaffee\x07 und Kuchen")
    assert refused.status_code == 422
    assert 'id="u1-public_description-error"' in refused.text
    assert await event_count(pool) == before

    done = await post(world, path, public="1",
                      public_description="Deutsch üben bei Kaffee und Kuchen.")
    html = await offers_page(world, after_redirect(done))
    assert badge_of(html, "Sprachcafé").split() == ["Soziale", "Teilhabe", "öffentlich"]
    assert "Deutsch üben bei Kaffee und Kuchen.</textarea>" in html
    assert await last_event(store, f"offer-{offer_id}") == OfferPublicationChanged(
        offer_id=stored.offer_id, public=True,
        public_description="Deutsch üben bei Kaffee und Kuchen.")


async def test_the_dorftreffs_address_and_contact_line_are_kept_from_its_page(
        world, projector, store, pool):
    await sign_in_as(world, COORDINATOR_A)
    path = f"/coordinator/sites/{world.site_a}/contact"
    done = await post(world, path, address="Bahnhofstraße 3, 49593 Bersenbrück",
                      contact="Di und Do 10–16 Uhr, Tel. 05439 1234")
    html = await offers_page(world, after_redirect(done))
    assert 'value="Bahnhofstraße 3, 49593 Bersenbrück"' in html
    assert 'value="Di und Do 10–16 Uhr, Tel. 05439 1234"' in html
    assert await last_event(store, f"site-{world.site_a}") == SiteContactChanged(
        site_id=world.site_a, address="Bahnhofstraße 3, 49593 Bersenbrück",
        contact="Di und Do 10–16 Uhr, Tel. 05439 1234")

    before = await event_count(pool)
    refused = await post(world, path, address="x" * 301, contact="Tel. 1")
    assert refused.status_code == 422
    assert 'id="site-address-error"' in refused.text and 'value="Tel. 1"' in refused.text
    await sign_in_as(world, COORDINATOR_B)
    assert (await world.client.post(path, data={"address": "Anderswo"})).status_code == 403
    assert await event_count(pool) == before
