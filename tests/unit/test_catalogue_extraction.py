"""Babel's extraction keeps the catalogues: the committed ``.pot`` of each domain is what the
sources name today and every ``.po`` is up to date with it (else: ``python3 tasks.py
catalogues``), and every id the sources name has German words."""

from __future__ import annotations

import pytest

from projections.catalogues import DOMAINS, ROOT, catalogue, template, updated

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("domain", DOMAINS)
def test_every_committed_catalogue_is_what_the_extraction_and_update_make_today(domain):
    for path, text in updated(domain).items():
        committed = path.read_text(encoding="utf-8") if path.exists() else ""
        assert committed == text.decode(), (
            f"{path.relative_to(ROOT)} is not up to date: run python3 tasks.py catalogues")


@pytest.mark.parametrize("domain", DOMAINS)
def test_every_id_the_sources_name_has_german_words(domain):
    named = [message for message in template(domain) if message.id and message.locations]
    assert len(named) > {"pages": 500, "mail": 10}[domain]  # the extraction still finds them
    german = catalogue(domain, "de")
    assert sorted((message.id, message.locations[0][0]) for message in named
                  if not (message.id in german and german[message.id].string)) == []
