"""A date as a printed programme writes it without its year (``17.2.``): the pattern the poster
tests look for."""

from __future__ import annotations

import re


DATE_TOKEN = re.compile(r"(?<![\d.])\d{1,2}\.\d{1,2}\.(?![\d:])")
"""A date as the poster writes it on an offer's dates line: ``3.2.`` (``3.2.:`` begins the note
of a cancellation's reason; ``127.0.0.1`` in the footer's address is no date)."""
