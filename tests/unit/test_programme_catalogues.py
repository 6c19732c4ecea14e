"""The public programme's pages speak German, English and Ukrainian: every message they name
has words in each of the three, with the same placeholders; Ukrainian visitors get Ukrainian."""

from __future__ import annotations

from pathlib import Path

import pytest
from litestar.testing import RequestFactory

from services.pages.i18n import PUBLIC_LANGUAGES, language_of
from tests.message_catalogues import NAMED, catalogue, placeholders

pytestmark = pytest.mark.unit

SERVICES = Path(__file__).resolve().parents[2] / "services"


def programme_ids() -> set[str]:
    sources = [*SERVICES.glob("pages/templates/programme/*.html"),
               SERVICES / "programme" / "pages.py"]
    found = {key for path in sources for pattern in NAMED
             for key in pattern.findall(path.read_text(encoding="utf-8"))}
    # t("category." ~ d.category): each category, completed at run time
    return {key for key in found if not key.endswith(".")} | {
        key for key in catalogue("de") if key.startswith("category.")}


@pytest.mark.parametrize("language", PUBLIC_LANGUAGES)
def test_every_message_of_the_programme_pages_has_words_in_each_language(language):
    named, words, german = programme_ids(), catalogue(language), catalogue("de")
    assert len(named) > 15
    assert sorted(key for key in named if not words.get(key)) == []
    assert {key: placeholders(words[key]) for key in named} == {
        key: placeholders(german[key]) for key in named}


def test_a_browser_asking_for_ukrainian_gets_it():
    request = RequestFactory().get("/programm", headers={"Accept-Language": "uk-UA,uk;q=0.9"})
    assert language_of(request, PUBLIC_LANGUAGES) == "uk"
    assert language_of(request, ("de", "en")) == "de"
    chosen = RequestFactory().get("/programm", query_params={"lang": "uk"},
                                  headers={"Accept-Language": "en"})
    assert language_of(chosen, PUBLIC_LANGUAGES) == "uk"
