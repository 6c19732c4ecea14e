"""The pages' catalogues: every message id the pages name has German words, every language has
words for every German message, and the placeholders agree."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.pages.i18n import FULL_LANGUAGES, LANGUAGES, translator
from tests.message_catalogues import NAMED, catalogue, placeholders

pytestmark = pytest.mark.unit

SERVICES = Path(__file__).resolve().parents[2] / "services"


def named_ids() -> set[str]:
    sources = [*SERVICES.glob("pages/**/*.py"), *SERVICES.glob("pages/templates/**/*.html"),
               *SERVICES.glob("*/forms.py")]
    return {found for path in sources for pattern in NAMED
            for found in pattern.findall(path.read_text(encoding="utf-8"))}


def test_every_message_the_pages_put_together_at_run_time_has_german_words():
    """Babel's extraction finds the ids the pages name whole (test_catalogue_extraction.py); a
    name ending in a dot is completed at run time (t("weekday." ~ n)): some must exist."""
    german = catalogue("de")
    prefixes = {key for key in named_ids() if key.endswith(".")}
    assert prefixes
    assert sorted(p for p in prefixes if not any(key.startswith(p) for key in german)) == []


def volunteer_page_ids() -> set[str]:
    """What a volunteer reads: its pages, the frame, signing in, and the refusals' words."""
    pages = SERVICES / "pages"
    sources = [*pages.glob("templates/volunteer/*.html"), *pages.glob("volunteer*.py"),
               *(pages / "templates" / name for name in ("base.html", "sign_in.html",
                                                         "error.html")),
               pages / "refusals.py", pages / "forms.py", *SERVICES.glob("*/forms.py")]
    return {found for path in sources for pattern in NAMED
            for found in pattern.findall(path.read_text(encoding="utf-8"))
            if not found.endswith(".")}


@pytest.mark.parametrize("language", [lang for lang in LANGUAGES if lang != "de"])
def test_every_language_has_words_for_every_german_message_with_its_placeholders(language):
    german, other = catalogue("de"), catalogue(language)
    needed = german if language in FULL_LANGUAGES else volunteer_page_ids()
    assert sorted(key for key in needed if not other.get(key)) == []
    assert {key: placeholders(text) for key, text in other.items() if key in german} == {
        key: placeholders(german[key]) for key in other if key in german}


def test_words_come_from_the_catalogue_with_their_values_filled_in():
    assert translator("en")("booking.done", count=3) == "Booked: 3 date(s)."
    assert translator("de")("booking.done", count=3) == "Gebucht: 3 Termin(e)."
    assert translator("en")("no.such.message") == "no.such.message"
