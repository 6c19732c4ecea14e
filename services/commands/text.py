"""Free text of requests and forms: one line (names, titles, codes) or several (descriptions,
reasons), holding nothing PostgreSQL, the pages or a calendar feed cannot hold.

Refused everywhere: the C0 controls (NUL included), DEL, the C1 controls and lone surrogates.
A single line also refuses tab and every line break (U+2028 and U+2029 too); several lines allow
tab, LF and CR (forms send CR LF). Everything else is text: bidi marks, zero-width characters,
emoji, combining marks.

The same rule is checked twice: at the HTTP boundary by the msgspec types below (a ``422``
naming the field, before anything runs), and behind it by ``require_line`` /
``require_lines``, which the deciders call, so pages' forms, the demo and any later caller meet
it too.
"""

from __future__ import annotations

import re
from typing import Annotated

import msgspec

from services.commands.rejections import Invalid

_NEVER = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff"
_NOT_IN_A_LINE = _NEVER + r"\t\n\r\u2028\u2029"

# \A and \Z, not ^ and $: Python's $ also matches before a final newline, and msgspec
# searches with Python's re (Schemathesis reads \A and \Z as well).
ONE_LINE = rf"\A[^{_NOT_IN_A_LINE}]*\Z"
"""A pattern for one line of text."""
LINES = rf"\A[^{_NEVER}]*\Z"
"""A pattern for text of several lines."""

_ONE_LINE, _LINES = re.compile(ONE_LINE), re.compile(LINES)

Title = Annotated[str, msgspec.Meta(min_length=1, max_length=200, pattern=ONE_LINE)]
"""A name or title: sites, villages, rooms, offers, bookings, shifts, trainings, people."""
Code = Annotated[str, msgspec.Meta(min_length=1, max_length=100, pattern=ONE_LINE)]
"""A short label: a qualification, a group of visitors."""
Description = Annotated[str, msgspec.Meta(max_length=5000, pattern=LINES)]
Reason = Annotated[str, msgspec.Meta(max_length=1000, pattern=LINES)]

_MESSAGES = {
    ONE_LINE: "must be one line without control characters",
    LINES: "must not contain control characters",
}


def require_line(field: str, value: str, max_length: int = 200) -> None:
    """One line of text (it may be blank), at most ``max_length`` characters."""
    _require(field, value, _ONE_LINE, ONE_LINE, max_length)


def require_lines(field: str, value: str, max_length: int = 5000) -> None:
    """Text of one or several lines (it may be blank), at most ``max_length`` characters."""
    _require(field, value, _LINES, LINES, max_length)


def _require(field: str, value: str, rule: re.Pattern[str], pattern: str, most: int) -> None:
    if len(value) > most:
        raise Invalid(field, f"must be at most {most} characters", code="too_long")
    if rule.match(value) is None:
        raise Invalid(field, _MESSAGES[pattern], code="control_characters")


def explain(message: str) -> str:
    """msgspec's words for a value off one of these patterns, in words a client can act on."""
    for pattern, words in _MESSAGES.items():
        if message == f"Expected `str` matching regex {pattern!r}":
            return words
    return message
