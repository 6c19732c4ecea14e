"""gettext catalogues (``.po`` files, kept with Babel), compiled in memory on first use.

The pages' words (``services/pages/locale``, domain ``pages``) and the e-mails' are written in
catalogues that translators edit without touching Python: ``locale/<language>/LC_MESSAGES/
<domain>.po``. A process compiles a catalogue the first time it needs it, so no compiled ``.mo``
is committed, and no install step can be forgotten or go stale. Here in ``projections`` so that
the API and the workers (which write the e-mails) may both import it.
"""

from __future__ import annotations

import functools
from io import BytesIO
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations


BABEL_LOCALES = {"de": "de_DE", "en": "en_GB", "uk": "uk_UA"}
"""The locale whose dates and numbers a language's reader gets: English as written in Europe
("Tuesday 8 December", 24-hour clock), not the United States' month-first dates."""


def babel_locale(language: str) -> str:
    return BABEL_LOCALES.get(language, BABEL_LOCALES["de"])


@functools.cache
def compiled(locale_dir: Path, language: str, domain: str) -> NullTranslations:
    """The language's catalogue of ``domain`` (a NullTranslations if it has none)."""
    path = locale_dir / language / "LC_MESSAGES" / f"{domain}.po"
    if not path.exists():
        return NullTranslations()
    with path.open("rb") as file:
        catalog = read_po(file, locale=language, domain=domain)
    buffer = BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer, domain=domain)
