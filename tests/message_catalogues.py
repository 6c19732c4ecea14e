"""The pages' message catalogues in tests: one language's catalogue, the patterns that find the
message ids code and templates name, and the placeholders in a message."""

from __future__ import annotations

import re
from string import Formatter

from babel.messages.pofile import read_po

from services.pages.i18n import DOMAIN, LOCALE


KEY = r"[a-z_]+\.[a-z_0-9.]+"
NAMED = [
    re.compile(rf"""\bt\(\s*["']({KEY})["']"""),  # t("booking.title") in templates and code
    re.compile(rf"""FormError\(\s*["'][a-z_]+["'],\s*["']({KEY})["']"""),
    re.compile(rf"""^\s+"[a-z_@.]+":\s*"({KEY})",""", re.MULTILINE),  # the refusals' table
]


def catalogue(language: str) -> dict[str, str]:
    """The words of each id the language has words for (an untranslated id falls back to German)."""
    with (LOCALE / language / "LC_MESSAGES" / f"{DOMAIN}.po").open("rb") as file:
        return {message.id: message.string for message in read_po(file) if message.string}


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in Formatter().parse(text) if name}
