"""Words of a PDF with their boxes, read back with pypdf: for tests of a document's layout.

pypdf hands each shown run of text to a visitor with its position and font; a run's width is
the sum of its glyphs' widths from the font's own width table (``/W``), found through the
font's ToUnicode map (Typst embeds CID fonts, whose widths are keyed by glyph, not by letter).
Runs are split into words at spaces; runs that touch (a kerning pair is shown as two runs,
the second moved a little left) are one word.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pypdf import PdfReader
from pypdf.generic._font import Font


@dataclass(frozen=True)
class Word:
    page: int
    text: str
    x0: float
    x1: float
    y: float
    """The baseline, from the bottom of the page."""
    size: float

    def overlaps(self, other: Word, tolerance: float = 0.3) -> bool:
        """Whether the two words' boxes share ink: on one line and crossing horizontally."""
        if self.page != other.page or abs(self.y - other.y) >= 0.7 * min(self.size, other.size):
            return False
        return self.x0 < other.x1 - tolerance and other.x0 < self.x1 - tolerance


class _Widths:
    def __init__(self, font_dict: Any) -> None:
        self.font = Font.from_font_resource(font_dict)
        self.code_of = {text: code for code, text in self.font.character_map.items()}

    def of(self, text: str) -> float:
        widths = self.font.character_widths
        return sum(widths.get(self.code_of.get(char, char), widths["default"]) for char in text)


def read(pdf: bytes) -> PdfReader:
    """The document, read strictly: any repair pypdf would make is an error."""
    return PdfReader(io.BytesIO(pdf), strict=True)


def words(pdf: bytes) -> list[Word]:
    found: list[Word] = []
    fonts: dict[int, _Widths] = {}
    for number, page in enumerate(read(pdf).pages, start=1):
        def visit(text: str, cm: list[float], tm: list[float], font_dict: Any,
                  size: float, page_number: int = number) -> None:
            if not text.strip() or font_dict is None:
                return
            widths = fonts.setdefault(id(font_dict), _Widths(font_dict))
            scale = size * cm[0] / 1000
            x = cm[4] + tm[4] * cm[0]
            y = cm[5] + tm[5] * cm[3]
            for offset, word in _split(text):
                start = x + widths.of(text[:offset]) * scale
                new = Word(page_number, word, start, start + widths.of(word) * scale, y,
                           size * abs(cm[3]))
                last = found[-1] if found else None
                if offset == 0 and last is not None and _touching(last, new):
                    found[-1] = Word(page_number, last.text + word, last.x0, new.x1, last.y,
                                     last.size)
                else:
                    found.append(new)

        page.extract_text(visitor_text=visit)
    return found


def _touching(left: Word, right: Word) -> bool:
    """``right`` goes on ``left``'s word: same page and baseline, no space between them."""
    return (left.page == right.page and abs(left.y - right.y) < 0.01
            and abs(right.x0 - left.x1) < 0.4 * left.size)


def _split(text: str) -> Iterator[tuple[int, str]]:
    offset = 0
    for part in text.split(" "):
        if part.strip():
            yield offset, part
        offset += len(part) + 1


def lines(found: list[Word]) -> list[list[Word]]:
    """Words on one baseline of one page, left to right, from the top of the first page."""
    rows: dict[tuple[int, float], list[Word]] = {}
    for word in found:
        rows.setdefault((word.page, round(word.y, 1)), []).append(word)
    return [sorted(row, key=lambda w: w.x0)
            for _, row in sorted(rows.items(), key=lambda item: (item[0][0], -item[0][1]))]


def overlapping(found: list[Word]) -> list[tuple[Word, Word]]:
    ordered = sorted(found, key=lambda w: (w.page, w.x0))
    pairs = []
    for index, word in enumerate(ordered):
        for other in ordered[index + 1:]:
            if other.page != word.page or other.x0 >= word.x1:
                break
            if word.overlaps(other):
                pairs.append((word, other))
    return pairs
