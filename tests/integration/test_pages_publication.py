"""What the public programme shows, set from the coordinator's offers page (issue 24): per offer
whether it is public and its public description, the same for a new offer, and the Dorftreff's
address and contact line; each form runs the command of its API route."""

from __future__ import annotations

import re

import pytest

from events.offers import OfferCreated, OfferPublicationChanged
from events.sites import SiteContactChanged
from tests.coordinator_pages import sign_in_as
from tests.accounts_world import COORDINATOR_A, COORDINATOR_B
from tests.offers_pages import (
    after_redirect,
    badge_of,
    last_event,
    offers_page,
    offers_path,
    post,
    projector,  # noqa: F401 - a fixture
)
from tests.scheduling_world import event_count, world  # noqa: F401 - world is a fixture

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]


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
