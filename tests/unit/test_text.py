"""The text type of requests and forms (services/text.py): what one line and several lines hold,
the same at the HTTP boundary (msgspec) and behind it (the deciders' checks)."""

from __future__ import annotations

import msgspec
import pytest

from services.accounts.routes import Email
from services.commands.checks import require_text
from services.commands.rejections import Invalid
from services.commands.text import Description, Reason, Title, explain, require_line, require_lines
from services.volunteers.routes import Phone

pytestmark = pytest.mark.unit

C0 = [chr(code) for code in range(0x20)]
C1 = [chr(code) for code in range(0x80, 0xA0)]
ALLOWED_IN_LINES = {"\t", "\n", "\r"}
LINE_BREAKS = ["\n", "\r", "\r\n", "\v", "\f", "\x85", "\u2028", "\u2029"]
TEXT = [
    "Dorftreff Bredenbeck",
    "\u202eDorftreff \u05d3\u05d5\u05e8\u05e3\u202c \u200e\u200f\u2066x\u2069",  # bidi marks
    "Caf\u00e9 \U0001f469\u200d\U0001f467 \U0001f1e9\U0001f1ea Z\u0351\u0352algo",  # emoji
    "Dorf\u200btreff\u200d\u2060\ufeff",  # zero-width
    "Robert'); DROP TABLE events;-- <script>&amp;",
    "\ufffd",
]


class Line(msgspec.Struct):
    value: Title


class Lines(msgspec.Struct):
    value: Description


class ShortLines(msgspec.Struct):
    value: Reason


class Person(msgspec.Struct):
    email: Email
    phone: Phone


def decoded(kind: type[msgspec.Struct], value: str) -> str:
    return msgspec.json.decode(msgspec.json.encode({"value": value}), type=kind).value


def refused_at_the_boundary(kind: type[msgspec.Struct], value: str) -> str:
    with pytest.raises(msgspec.ValidationError) as refusal:
        decoded(kind, value)
    assert str(refusal.value).endswith("- at `$.value`")
    return str(refusal.value)


@pytest.mark.parametrize("text", TEXT)
def test_text_with_bidi_marks_emoji_and_markup_is_one_line_and_several(text):
    assert decoded(Line, text) == text
    assert decoded(Lines, text) == text
    require_line("title", text)
    require_lines("description", text)


@pytest.mark.parametrize("control", [*C0, "\x7f", *C1], ids=lambda c: f"U+{ord(c):04X}")
def test_every_control_character_is_refused_in_one_line(control):
    refused_at_the_boundary(Line, f"a{control}b")
    with pytest.raises(Invalid) as refusal:
        require_line("title", f"a{control}b")
    assert (refusal.value.field, refusal.value.members["code"]) == ("title", "control_characters")


@pytest.mark.parametrize("control", [c for c in [*C0, "\x7f", *C1] if c not in ALLOWED_IN_LINES],
                         ids=lambda c: f"U+{ord(c):04X}")
def test_every_control_but_tab_and_line_feed_and_return_is_refused_in_several_lines(control):
    refused_at_the_boundary(Lines, f"a{control}b")
    with pytest.raises(Invalid):
        require_lines("description", f"a{control}b")


@pytest.mark.parametrize("place", ["a{}b", "{}ab", "ab{}"])
@pytest.mark.parametrize("line_break", LINE_BREAKS, ids=repr)
def test_a_line_break_anywhere_is_refused_in_one_line(line_break, place):
    """A final newline too: Python's ``$`` would let it through, ``\\Z`` does not."""
    value = place.format(line_break)
    refused_at_the_boundary(Line, value)
    with pytest.raises(Invalid):
        require_line("title", value)


@pytest.mark.parametrize("value", ["Zeile 1\nZeile 2", "Zeile 1\r\nZeile 2\r\n", "a\tb", "\n",
                                   "Absatz\u2029Absatz"])
def test_line_breaks_and_tabs_are_allowed_in_several_lines(value):
    assert decoded(Lines, value) == value
    require_lines("description", value)


def test_the_nul_character_is_refused_everywhere():
    for kind in (Line, Lines, ShortLines):
        refused_at_the_boundary(kind, "a\x00b")
    for check in (require_line, require_lines, require_text):
        with pytest.raises(Invalid):
            check("field", "a\x00b")


def test_lone_surrogates_are_refused_behind_the_boundary():
    """msgspec never decodes one from JSON; a form or a caller in Python could pass one."""
    for value in ("a\ud800b", "\udfff"):
        with pytest.raises(Invalid):
            require_line("title", value)
        with pytest.raises(Invalid):
            require_lines("description", value)


def test_very_long_text_is_refused_by_its_maximum_length():
    assert decoded(Line, "x" * 200) == "x" * 200
    refused_at_the_boundary(Line, "x" * 201)
    assert decoded(Lines, "x\n" * 2500) == "x\n" * 2500
    refused_at_the_boundary(Lines, "x" * 5001)
    refused_at_the_boundary(ShortLines, "x" * 1001)
    refused_at_the_boundary(Line, "\U0001f600" * 100_000)
    with pytest.raises(Invalid) as refusal:
        require_line("title", "x" * 201)
    assert refusal.value.members["code"] == "too_long"
    with pytest.raises(Invalid):
        require_lines("reason", "x" * 1001, 1000)


def test_a_title_must_not_be_blank_and_one_line():
    with pytest.raises(Invalid) as blank:
        require_text("title", "   ")
    assert blank.value.members["code"] == "blank"
    refused_at_the_boundary(Line, "")
    with pytest.raises(Invalid) as broken:
        require_text("title", "Saal\nGroß")
    assert broken.value.members["code"] == "control_characters"


def test_the_boundary_explains_a_refusal_in_words_not_as_a_pattern():
    message = refused_at_the_boundary(Line, "a\x00b").split(" - at ")[0]
    assert explain(message) == "must be one line without control characters"
    message = refused_at_the_boundary(Lines, "a\x00b").split(" - at ")[0]
    assert explain(message) == "must not contain control characters"
    assert explain("Expected `int`, got `str`") == "Expected `int`, got `str`"


def test_an_e_mail_address_and_a_phone_number_end_where_the_string_ends():
    """``$`` would let a final newline through; the patterns end in ``\\Z``."""

    def decoded_person(email: str, phone: str) -> Person:
        return msgspec.json.decode(msgspec.json.encode({"email": email, "phone": phone}),
                                   type=Person)

    assert decoded_person("jo@example.org", "0511 123-4").email == "jo@example.org"
    for email, phone in [("jo@example.org\n", "0511"), ("jo@example.org", "0511\n"),
                         ("jo\x00@example.org", "0511"), ("jo@exam\x7fple.org", "0511")]:
        with pytest.raises(msgspec.ValidationError):
            decoded_person(email, phone)
