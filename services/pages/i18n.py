"""The pages' words in German (first), English and Ukrainian, and which language a request gets.

The words live in gettext catalogues, ``locale/<language>/LC_MESSAGES/pages.po``, one entry
per message id (``booking.title``); the English catalogue shows each German text as a comment
for translators. ``{name}`` placeholders are filled with ``str.format``. A message missing in a
language falls back to German, then to its id. A language chosen with ``?lang=`` is kept in a
cookie; otherwise German, unless the browser asks only for English.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from litestar.connection import ASGIConnection

from projections.catalogues import compiled

LANGUAGES = ("de", "en", "uk")
FULL_LANGUAGES = ("de", "en")
"""Every page speaks these; Ukrainian (for the refugees the Dorftreffs invite) covers the
volunteer's pages, and any other page falls back to German."""
PUBLIC_LANGUAGES = LANGUAGES
"""The public programme's pages speak all three."""
LANGUAGE_COOKIE = "treffpunkt_lang"
LOCALE = Path(__file__).parent / "locale"
DOMAIN = "pages"


def language_of(connection: ASGIConnection[Any, Any, Any, Any],
                offered: tuple[str, ...] = LANGUAGES) -> str:
    asked = connection.query_params.get("lang")
    if asked in offered:
        return asked
    kept = connection.cookies.get(LANGUAGE_COOKIE)
    if kept in offered:
        return kept
    accept = connection.headers.get("accept-language", "").lower()
    if "uk" in offered and accept.startswith("uk") and "de" not in accept:
        return "uk"
    return "en" if accept.startswith("en") and "de" not in accept else "de"


def words(language: str, key: str) -> str | None:
    """The catalogue's words for ``key`` in ``language``, if it has them."""
    found = compiled(LOCALE, language, DOMAIN).gettext(key)
    return found if found != key else None


def translator(language: str):  # type: ignore[no-untyped-def]
    def translate(key: str, **values: Any) -> str:
        text = words(language, key) or words("de", key) or key
        return text.format(**values) if values else text

    return translate
