"""The monthly poster, typeset and read back with pypdf (pure: no servers): every date of the
month on its offer's dates line once, cancellations marked with their public reason, the
address and contact line, no two words sharing ink even at long titles, A3 on request, and
markup in stored text printed as written."""

from __future__ import annotations

from collections import Counter
from datetime import date

import msgspec
import pytest

from services.commands.rejections import Invalid
from services.programme.poster import day_token, month_of, poster_data, poster_pdf, size_of
from tests.date_tokens import DATE_TOKEN
from tests.pdf_words import overlapping, read, words
from tests.poster_programme import SITE, URL, february

pytestmark = pytest.mark.unit


def test_every_date_of_the_month_is_on_the_poster_once_and_no_words_overlap():
    dates = february()
    pdf = poster_pdf(poster_data(SITE, date(2027, 2, 1), dates, URL, "a4"), URL)
    found = words(pdf)
    on_dates_lines = [token for word in found for token in DATE_TOKEN.findall(word.text)]
    assert Counter(on_dates_lines) == Counter(day_token(d) for d in dates)
    text = " ".join(word.text for word in found)
    for expected in ("Programm Februar 2027", "Dorftreff Eggermühlen", "Kirchstraße 5,",
                     "Di und Fr 9–12 Uhr", "Montag", "Samstag", "fällt aus",
                     "18.2.: Der Saal wird renoviert.", '*fett* #eval("1") $x$',
                     "Pfarrhauses", "12:00–14:00 Uhr"):
        assert expected in text, expected
    assert overlapping(found) == []
    assert len(read(pdf).pages) == 1  # six offers, one with a five-line title: set smaller
    box = read(pdf).pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)


def test_a3_is_the_same_poster_larger():
    dates = february()
    a3 = poster_pdf(poster_data(SITE, date(2027, 2, 1), dates, URL, "a3"), URL)
    box = read(a3).pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (842, 1191)
    assert overlapping(words(a3)) == []


def test_a_month_too_long_even_at_the_smallest_letters_goes_on_more_pages():
    many = [msgspec.structs.replace(d, title=f"{d.title} ({n})")
            for n in range(4) for d in february()]
    pdf = poster_pdf(poster_data(SITE, date(2027, 2, 1), many, URL, "a4"), URL)
    pages = len(read(pdf).pages)
    assert pages > 1 and f"Seite 2 von {pages}" in " ".join(w.text for w in words(pdf))


def test_an_empty_month_says_so():
    pdf = poster_pdf(poster_data(SITE, date(2027, 3, 1), [], URL, "a4"), URL)
    assert "nichts geplant" in " ".join(w.text for w in words(pdf))


def test_month_and_size_are_checked():
    assert month_of("2027-02", date(2026, 12, 6)) == date(2027, 2, 1)
    assert month_of(None, date(2026, 12, 6)) == date(2026, 12, 1)
    for bad in ("2027-13", "2027-2", "27-02", "2027-02-01", "1999-01"):
        with pytest.raises(Invalid) as refused:
            month_of(bad, date(2026, 12, 6))
        assert refused.value.field == "month"
    assert size_of("A3") == "a3" and size_of(None) == "a4"
    with pytest.raises(Invalid):
        size_of("letter")
