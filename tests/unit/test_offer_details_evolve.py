"""An offer's title, category and description changed (``offer.details_changed``): every read
model that names the offer follows from then on, and a fold of the history up to an earlier
event still names it as it was (pure, no database)."""

from __future__ import annotations

from uuid import uuid4

import pytest

from events.offers import OfferCreated, OfferDetailsChanged, OfferPublicationChanged
from events.sites import SiteAdded
from projections import attendance_stats, directory, programme
from projections.funding import FundingHistory
from projections.row_changes import fold

pytestmark = pytest.mark.unit

SITE, OFFER = uuid4(), uuid4()
CREATED = OfferCreated(offer_id=OFFER, site_id=SITE, title="Mitagstisch", category="community",
                       description="Intern: Schlüssel bei Frau M.",
                       public_description="Gemeinsam essen.")
CHANGED = OfferDetailsChanged(offer_id=OFFER, title="Mittagstisch", category="participation",
                              description=None)
HISTORY = [SiteAdded(site_id=SITE, name="Dorftreff Gehrde", village="Gehrde"), CREATED,
           OfferPublicationChanged(offer_id=OFFER, public=True,
                                   public_description="Gemeinsam essen."), CHANGED]


def offer_row(module, events) -> dict:
    rows = fold(module.SCHEMA, [change for event in events for change in module.evolve(event)])
    return rows[module.OFFERS][(OFFER,)]


def test_the_directory_shows_the_changed_title_category_and_description():
    row = offer_row(directory, HISTORY)
    assert (row["title"], row["category"], row["description"], row["site_id"]) == (
        "Mittagstisch", "participation", None, SITE)


def test_the_programme_shows_the_new_title_and_keeps_its_public_description():
    row = offer_row(programme, HISTORY)
    assert (row["title"], row["category"], row["public"], row["description"]) == (
        "Mittagstisch", "participation", True, "Gemeinsam essen.")


def test_the_statistics_group_by_the_new_title_and_category():
    row = offer_row(attendance_stats, HISTORY)
    assert (row["title"], row["category"], row["site_id"]) == (
        "Mittagstisch", "participation", SITE)


def test_a_history_folded_up_to_before_the_change_names_the_offer_as_it_was():
    before, after = FundingHistory(noting=False), FundingHistory(noting=True)
    for event in HISTORY[:-1]:
        before.apply(event)
        after.apply(event)
    assert after.apply(CHANGED) == ()  # a new name moves no figure
    assert before.offer(OFFER) == (SITE, "Mitagstisch", "community")
    assert after.offer(OFFER) == (SITE, "Mittagstisch", "participation")
