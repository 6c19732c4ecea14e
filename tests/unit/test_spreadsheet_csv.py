"""CSV for a spreadsheet (services/reports/formats.py): text that a spreadsheet could take for a
formula is neutralised as OWASP describes for CSV injection, and numbers stay numbers."""

from __future__ import annotations

import csv
import io

import pytest

from services.reports.formats import spreadsheet_cell, spreadsheet_csv

pytestmark = pytest.mark.unit


def read_back(data: bytes) -> list[list[str]]:
    assert data.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))


@pytest.mark.parametrize("text", [
    "=HYPERLINK(\"http://evil.example\",\"Klick\")", "+49 5131 123", "-2+3", "@SUM(A1:A9)",
    "\tTab", "\rWagenrücklauf", "-5",
])
def test_text_that_could_start_a_formula_gets_a_leading_apostrophe(text):
    assert spreadsheet_cell(text) == "'" + text
    [[cell]] = read_back(spreadsheet_csv([[text]]))
    assert cell == "'" + text


@pytest.mark.parametrize("text", ["Mittagstisch", "Dorftreff Linden", " =nicht am Anfang", "",
                                  "5", "'schon zitiert"])
def test_other_text_is_written_as_it_is(text):
    assert spreadsheet_cell(text) == text


@pytest.mark.parametrize(("number", "written"), [
    (3, "3"), (-3, "-3"), (0, "0"), (12.0, "12,00"), (-1.5, "-1,50"),
])
def test_numbers_stay_numbers_with_a_decimal_comma_negative_ones_too(number, written):
    assert spreadsheet_cell(number) == written


def test_a_formula_with_the_separator_and_quotes_stays_one_neutral_cell():
    text = '=1+2";=HYPERLINK("x")'
    rows = read_back(spreadsheet_csv([["Standort", text, -4, 2.5]]))
    assert rows == [["Standort", "'" + text, "-4", "2,50"]]
