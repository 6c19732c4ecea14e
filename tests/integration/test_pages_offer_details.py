"""Changing an offer's title, category and description from the coordinator's offers page
("Bearbeiten"): a form per offer, filled with what it says now, that runs the command of
``PUT /api/offers/{id}``; a refusal is shown at its field with the input kept."""

from __future__ import annotations

import re

import pytest

from events.offers import OfferDetailsChanged
from tests.accounts_world import COORDINATOR_A, COORDINATOR_B
from tests.coordinator_pages import csrf_of, sign_in_as
from tests.offers_pages import (
    after_redirect,
    badge_of,
    last_event,
    offers_page,
    offers_path,
    post,
    projector,  # noqa: F401 - a fixture
)
from tests.scheduling_world import World, event_count, world  # noqa: F401 - a fixture

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]


async def a_typo(world: World) -> tuple[str, str]:
    """A new offer "Mitagstisch" (sic) made on the page: its id and the page."""
    created = await post(world, offers_path(world), title="Mitagstisch", category="community",
                         description="Schlüssel beim Hausmeister.", public="1",
                         public_description="")
    html = await offers_page(world, after_redirect(created))
    return re.search(r'id="offer-([^"]+)">Mitagstisch', html).group(1), html


async def test_an_offer_is_edited_from_a_form_filled_with_what_it_says_now(
        world, projector, store, pool):
    await sign_in_as(world, COORDINATOR_A)
    offer_id, html = await a_typo(world)
    form = html[html.index(f"/offers/{offer_id}/details"):]
    form = form[:form.index("</form>")]
    assert "<summary>Bearbeiten</summary>" in html
    assert '<label for="e1-title">Name des Angebots</label>' in form
    assert 'id="e1-title" name="title" type="text" value="Mitagstisch"' in form
    assert '<option value="community" selected>' in form
    assert "Schlüssel beim Hausmeister.</textarea>" in form
    assert "<script" not in html

    path = f"{offers_path(world)}/{offer_id}/details"
    before = await event_count(pool)
    blank = await post(world, path, title="  ", category="participation",
                       description="Schlüssel beim Hausmeister.")
    assert blank.status_code == 422
    assert 'id="e1-title-error"' in blank.text and 'aria-invalid="true"' in blank.text
    assert '<option value="participation" selected>' in blank.text  # the input kept
    no_category = await post(world, path, title="Mittagstisch", category="")
    assert no_category.status_code == 422
    assert 'id="e1-category-error"' in no_category.text
    assert "Bitte einen Förderbereich wählen." in no_category.text
    same = await post(world, path, title="Mitagstisch", category="community",
                      description="Schlüssel beim Hausmeister.")
    assert same.status_code == 409
    assert "Nichts geändert" in same.text and 'id="e1-title-error"' in same.text
    assert await event_count(pool) == before

    done = await post(world, path, title="Mittagstisch", category="participation",
                      description="")
    after_redirect(done)
    page = await world.client.get(done.headers["location"])
    assert page.status_code == 200
    html = page.text
    assert "Gespeichert: Titel, Förderbereich und Beschreibung des Angebots." in html
    assert badge_of(html, "Mittagstisch").split() == ["Soziale", "Teilhabe", "öffentlich"]
    assert "Mitagstisch" not in html and "Schlüssel beim Hausmeister." not in html
    stored = await last_event(store, f"offer-{offer_id}")
    assert stored == OfferDetailsChanged(offer_id=stored.offer_id, title="Mittagstisch",
                                         category="participation", description=None)

    await sign_in_as(world, COORDINATOR_B)
    own_site = path.replace(str(world.site_a), str(world.site_b))
    own_page = await world.client.get(own_site.removesuffix(f"/{offer_id}/details"))
    fields = {"_csrf_token": csrf_of(own_page.text), "title": "Fremd", "category": "community"}
    other = await world.client.post(path, data=fields)
    assert other.status_code == 403, other.text  # not a coordinator of site A
    # nor through an address of its own site naming site A's offer
    for form in ("details", "publication", "shift-plans", "sessions"):
        other = await world.client.post(own_site.replace("/details", f"/{form}"), data=fields)
        assert other.status_code == 404, (form, other.status_code)
    assert await event_count(pool) == before + 1
