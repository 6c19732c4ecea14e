"""The funding report and its timesheet as PDF, read back with pypdf (pure: no servers).

A document an office files: no two words of it share ink (at a long title and the longest
category name), every figure of the JSON is printed in its row, the header names provider,
programme and reference, the as-of time is Berlin's, pages say "Seite x von y", the footer
carries the ledger head, and the file reads without a single repair."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime
from uuid import uuid4

import pytest

from projections.figures import Figures
from projections.timesheet import Person, Timesheet, TimesheetLine
from services.reports.formats import CATEGORY_NAMES
from services.reports.funding import (
    FundingReport,
    LedgerHead,
    Month,
    OfferFigures,
    SiteFigures,
)
from projections.funding_report import FundingSettings, Rate
from services.reports.pdf import as_pdf, count, hours, money, timesheet_pdf
from tests.pdf_words import lines, overlapping, read, words

pytestmark = pytest.mark.unit

HEAD = LedgerHead(seq=4711, hash="ab" * 32)
LONGEST_CATEGORY = max(CATEGORY_NAMES, key=lambda key: len(CATEGORY_NAMES[key]))
LONG_TITLE = ("Offener Gesprächskreis für pflegende Angehörige mit Kinderbetreuung, "
              "Fahrdienst und Kaffee im Gemeinschaftsraum des Alten Pfarrhauses " * 2).strip()
FUNDING = FundingSettings(provider="Samtgemeinde Bersenbrück, Fachdienst IV Soziales",
                          programme="Soziale Ortsentwicklung", funding_reference="SG-4711",
                          eur_per_volunteer_hour=17.5, valid_from=date(2026, 7, 1))


def offer(title: str, category: str, held: int, visitors: int, hours_: float,
          value: float) -> OfferFigures:
    return OfferFigures(offer_id=uuid4(), title=title, category=category, sessions_held=held,
                        sessions_cancelled=2, sessions_unrecorded=0, visitors=visitors,
                        visitors_per_session=round(visitors / held, 2), volunteer_hours=hours_,
                        volunteer_hours_value=value)


def a_report() -> FundingReport:
    sites = []
    for number, name in enumerate(("Dorftreff Eggermühlen", "Dorftreff Gehrde")):
        offers = [offer(LONG_TITLE, LONGEST_CATEGORY, 48, 12345, 1234.25, 19876.5),
                  offer(f"Mittagstisch {name[10:]}", "community", 47 + number, 1139, 578.25,
                        9468.75)]
        totals = Figures(sessions_held=95 + number, sessions_cancelled=4, visitors=13484,
                         volunteer_hours=1908.0, volunteer_hours_value=31000.25,
                         trainings_held=3, training_participants=24)
        sites.append(SiteFigures(site_id=uuid4(), name=name, village=name[10:], offers=offers,
                                 volunteer_hours_without_offer=95.5,
                                 volunteer_hours_value_without_offer=1655.0,
                                 trainings_held=3, training_participants=24, totals=totals,
                                 volunteer_hours_value=31000.25))
    return FundingReport(
        from_=date(2026, 1, 1), to=date(2026, 12, 31),
        as_of=datetime(2027, 3, 31, 10, 5, tzinfo=UTC), site_ids=None, ledger_head=HEAD,
        events_considered=4711, sites=sites,
        totals=Figures(sessions_held=191, sessions_cancelled=8, visitors=26968,
                       volunteer_hours=3816.0, volunteer_hours_value=62000.5, trainings_held=6,
                       training_participants=48),
        months=[Month(month=f"2026-{m:02d}", sessions_held=60, visitors=700 + m)
                for m in range(1, 13)],
        eur_per_volunteer_hour=17.5, funding=FUNDING,
        rates=[Rate(valid_from=date(2026, 1, 1), eur_per_volunteer_hour=15.0),
               Rate(valid_from=date(2026, 7, 1), eur_per_volunteer_hour=17.5)])


@pytest.fixture(scope="module")
def report_pdf() -> bytes:
    return as_pdf(a_report())


def text_of(pdf: bytes) -> str:
    return " ".join(" ".join(page.extract_text().split()) for page in read(pdf).pages)


def test_no_two_words_share_ink_at_a_long_title_and_the_longest_category(report_pdf):
    found = words(report_pdf)
    assert any(word.text == "Bewegungs-" for word in found)
    assert overlapping(found) == []


def test_every_figure_of_the_json_is_printed_in_its_row(report_pdf):
    rows = lines(words(report_pdf))
    report = a_report()
    for site in report.sites:
        for figures in site.offers:
            first_words = " ".join(figures.title.split()[:3])
            [row] = [row for row in rows if " ".join(w.text for w in row).startswith(first_words)
                     and row[-1].text[0].isdigit()][:1] or [[]]
            assert [w.text for w in row[-5:]] == [
                count(figures.sessions_held), count(figures.sessions_cancelled),
                count(figures.visitors), hours(figures.volunteer_hours),
                money(figures.volunteer_hours_value)], figures.title
        [total] = [row for row in rows if " ".join(w.text for w in row) .startswith(
            f"Summe {site.name}")]
        assert [w.text for w in total[-5:]] == [
            count(site.totals.sessions_held), count(site.totals.sessions_cancelled),
            count(site.totals.visitors), hours(site.totals.volunteer_hours),
            money(site.totals.volunteer_hours_value)]
    [everything] = [row for row in rows if row[0].text == "Alle"]
    assert [w.text for w in everything[-5:]] == ["191", "8", "26.968", "3.816,00", "62.000,50"]


def test_the_header_names_the_funding_the_period_and_the_as_of_time_in_berlin(report_pdf):
    text = text_of(report_pdf)
    for expected in (FUNDING.provider, FUNDING.programme, FUNDING.funding_reference,
                     "01.01.2026 – 31.12.2026", "31.03.2027, 12:05 Uhr (Europe/Berlin)",
                     "15,00 € ab 01.01.2026; 17,50 € ab 01.07.2026",
                     "6 durchgeführt, 48 Teilnahmen", "Ort, Datum",
                     "Unterschrift und Stempel des Trägers"):
        assert expected in text, expected


def test_every_page_says_which_of_how_many_and_carries_the_ledger_head(report_pdf):
    pages = read(report_pdf).pages
    assert len(pages) >= 2
    for number, page in enumerate(pages, start=1):
        text = " ".join(page.extract_text().split())
        assert f"Seite {number} von {len(pages)}" in text
        assert f"Ledger-Kopf 4711: {HEAD.hash}" in text
        assert "/api/audit/heads/" in text


def test_the_file_reads_without_repairs_and_declares_nothing_old_readers_refuse(
    report_pdf, caplog,
):
    with caplog.at_level(logging.WARNING, logger="pypdf"):
        reader = read(report_pdf)
        for page in reader.pages:
            page.extract_text()
    assert caplog.records == []
    assert b"/Suspects false" not in report_pdf
    assert reader.metadata is not None and reader.metadata.title == "Verwendungsnachweis"


def test_the_timesheet_shows_gelöscht_for_an_erased_volunteer_and_sums_per_person():
    erased, anna = uuid4(), uuid4()
    site = uuid4()

    def line(volunteer, name, day, activity, hours_, value, gone=False):
        return TimesheetLine(volunteer_id=volunteer, name=name, erased=gone, day=day,
                             site_id=site, site="Dorftreff Rieste", village="Rieste",
                             offer_id=None, activity=activity, hours=hours_, value=value)

    sheet = Timesheet(
        from_=date(2026, 1, 1), to=date(2026, 12, 31), as_of=datetime(2027, 1, 5, tzinfo=UTC),
        site_ids=None, ledger_head=HEAD, eur_per_volunteer_hour=17.5, funding=FUNDING,
        lines=[line(anna, "Anna Lehmann", date(2026, 3, 2), LONG_TITLE, 2.5, 37.5),
               line(erased, "gelöscht", date(2026, 3, 3), "Zeitungscafé: Ausschank", 2.75,
                    41.25, gone=True)],
        people=[Person(volunteer_id=anna, name="Anna Lehmann", erased=False, hours=2.5,
                       value=37.5),
                Person(volunteer_id=erased, name="gelöscht", erased=True, hours=2.75,
                       value=41.25)],
        volunteers=2, hours=5.25, value=78.75)
    pdf = timesheet_pdf(sheet)
    found = words(pdf)
    assert overlapping(found) == []
    text = text_of(pdf)
    assert "gelöscht 03.03.2026 Zeitungscafé: Ausschank (Dorftreff Rieste) 2,75 41,25" in text
    assert "Summe Anna Lehmann 2,50 37,50" in text
    assert "Summe (2 Ehrenamtliche) 5,25 78,75" in text
    assert FUNDING.funding_reference in text and "Seite 1 von 1" in text
