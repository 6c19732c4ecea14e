"""Babel's extraction keeps the catalogues: the committed ``.pot`` of each domain is what the
sources name today and every ``.po`` has each of its ids (else: ``python3 tasks.py
catalogues``), and every id the sources name has German words. How a translator's editor wraps
a ``.po`` is its own affair (the command rewraps it)."""

from __future__ import annotations

import pytest

from projections.catalogue_extraction import DOMAINS, ROOT, catalogue, template, written

pytestmark = pytest.mark.unit

RUN = "run python3 tasks.py catalogues"


@pytest.mark.parametrize("domain", DOMAINS)
def test_the_committed_template_is_what_the_extraction_makes_today(domain):
    fresh = template(domain)
    path = DOMAINS[domain][1] / f"{domain}.pot"
    assert path.exists(), f"{path.relative_to(ROOT)} is missing: {RUN}"
    assert path.read_text(encoding="utf-8") == written(fresh, template=True).decode(), (
        f"{path.relative_to(ROOT)} is not what the sources name today: {RUN}")
    ids = [message.id for message in fresh if message.id]
    for language in sorted(folder.name for folder in DOMAINS[domain][1].iterdir()
                           if (folder / "LC_MESSAGES").is_dir()):
        kept = catalogue(domain, language)
        assert [key for key in ids if key not in kept] == [], f"{language}: {RUN}"


@pytest.mark.parametrize("domain", DOMAINS)
def test_every_id_the_sources_name_has_german_words(domain):
    named = [message for message in template(domain) if message.id and message.locations]
    assert len(named) > {"pages": 500, "mail": 10}[domain]  # the extraction still finds them
    german = catalogue(domain, "de")
    assert sorted((message.id, message.locations[0][0]) for message in named
                  if not (message.id in german and german[message.id].string)) == []
