from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

import pytest

from events.sites import SiteAdded
from services.commands.rejections import Conflict, Invalid
from services.sites.decider import SITES, AddSite
from tests.deciding import streams_touched, when

pytestmark = pytest.mark.unit
NOW = datetime(2026, 10, 1, 8, tzinfo=UTC)
SITE = uuid4()


def test_adding_a_site_records_its_name_and_village():
    command = AddSite(site_id=SITE, name=" Dorftreff ", village="Kirchberg", now=NOW)
    assert when(SITES, command) == [SiteAdded(site_id=SITE, name="Dorftreff", village="Kirchberg")]


def test_a_site_cannot_be_added_twice():
    with pytest.raises(Conflict) as rejected:
        when(
            SITES,
            AddSite(site_id=SITE, name="A", village="B", now=NOW),
            SiteAdded(site_id=SITE, name="A", village="B"),
        )
    assert rejected.value.field == "site_id"


@pytest.mark.parametrize("value", ["  ", "Linden\x00", "Linden\n", "Lin\x7fden"], ids=repr)
@pytest.mark.parametrize("field", ["name", "village"])
def test_a_site_needs_a_name_and_a_village_each_one_line_of_text(field, value):
    values = {"name": "A", "village": "B", field: value}
    with pytest.raises(Invalid) as rejected:
        when(SITES, AddSite(site_id=SITE, now=NOW, **values))
    assert rejected.value.field == field


def test_adding_a_site_touches_its_stream_only():
    command = AddSite(site_id=SITE, name="A", village="B", now=NOW)
    assert streams_touched(SITES, command) == [f"site-{SITE}"]
