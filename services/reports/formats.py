"""The funding report as CSV for a German spreadsheet, as a chart, and as a PDF document."""

from __future__ import annotations

import csv
import io
import json
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

import pygal
import typst
from pygal.style import Style

from services.reports.funding import FundingReport

CATEGORY_NAMES = {
    "movement": "Bewegungs- und Mobilitätsförderung",
    "mental_health": "Psychische Gesundheit",
    "civic_engagement": "Bürgerschaftliches Engagement",
    "participation": "Soziale Teilhabe",
    "community": "Gemeinwesenarbeit, Nachbarschaft",
}
CSV_COLUMNS = ["Standort", "Angebot", "Kategorie", "Termine durchgeführt", "Termine ausgefallen",
               "Termine ohne Zählung", "Besucher", "Besucher je Termin", "Ehrenamtsstunden",
               "Schulungen", "Schulungsteilnahmen"]
TEMPLATE = Path(__file__).with_name("funding.typ")


def german_number(value: float) -> str:
    return f"{value:.2f}".replace(".", ",") if isinstance(value, float) else str(value)


Cell = str | int | float
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""What a spreadsheet may take for the start of a formula (OWASP, "CSV Injection")."""


def spreadsheet_cell(value: Cell) -> str:
    """A number as a German spreadsheet reads it (a negative one stays a number); text that a
    spreadsheet could take for a formula gets a leading ``'`` and is shown as written."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return german_number(value)
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def spreadsheet_csv(rows: Iterable[Sequence[Cell]]) -> bytes:
    """``;``-separated, decimal commas, UTF-8 with BOM: what Excel and LibreOffice expect here.
    Text cells are neutralised (``spreadsheet_cell``); pass numbers as numbers, not as text."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    for row in rows:
        writer.writerow([spreadsheet_cell(value) for value in row])
    return "\ufeff".encode() + out.getvalue().encode()


def as_csv(report: FundingReport) -> bytes:
    rows: list[Sequence[Cell]] = [CSV_COLUMNS]
    for site in report.sites:
        for offer in site.offers:
            rows.append([
                site.name, offer.title, CATEGORY_NAMES.get(offer.category, offer.category),
                offer.sessions_held, offer.sessions_cancelled, offer.sessions_unrecorded,
                offer.visitors, float(offer.visitors_per_session),
                float(offer.volunteer_hours), "", "",
            ])
        rows.append([
            site.name, "(Standort ohne Angebot)", "", "", "", "", "", "",
            float(site.volunteer_hours_without_offer), site.trainings_held,
            site.training_participants,
        ])
    totals = report.totals
    rows.append([
        "Summe", "", "", totals.sessions_held, totals.sessions_cancelled,
        totals.sessions_unrecorded, totals.visitors, "", float(totals.volunteer_hours),
        totals.trainings_held, totals.training_participants,
    ])
    return spreadsheet_csv(rows)


def visitors_chart(report: FundingReport) -> bytes:
    style = Style(background="white", plot_background="white", colors=("#0b5d3b", "#6b8f71"),
                  font_family="sans-serif")
    chart = pygal.Bar(width=900, height=320, style=style, show_legend=True, legend_at_bottom=True,
                      title="Besucher und Termine je Monat", x_label_rotation=0,
                      disable_xml_declaration=False, print_values=False)
    chart.x_labels = [month.month for month in report.months]
    chart.add("Besucher", [month.visitors for month in report.months])
    chart.add("Termine", [month.sessions_held for month in report.months])
    return chart.render()


def as_pdf(report: FundingReport) -> bytes:
    data = {
        "from": report.from_.strftime("%d.%m.%Y"),
        "to": report.to.strftime("%d.%m.%Y"),
        "as_of": report.as_of.isoformat(timespec="seconds"),
        "head_seq": report.ledger_head.seq,
        "head_hash": report.ledger_head.hash or "(noch nicht versiegelt)",
        "rows": [
            [site.name, offer.title, CATEGORY_NAMES.get(offer.category, offer.category),
             str(offer.sessions_held), str(offer.sessions_cancelled), str(offer.visitors),
             german_number(offer.volunteer_hours)]
            for site in report.sites for offer in site.offers
        ],
        "sites": [
            [site.name, str(site.trainings_held), str(site.training_participants),
             german_number(site.volunteer_hours_without_offer)]
            for site in report.sites
        ],
        "totals": [str(report.totals.sessions_held), str(report.totals.sessions_cancelled),
                   str(report.totals.visitors), german_number(report.totals.volunteer_hours),
                   str(report.totals.trainings_held), str(report.totals.training_participants)],
        "has_months": bool(report.months),
    }
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "report.typ").write_text(TEMPLATE.read_text())
        (root / "chart.svg").write_bytes(visitors_chart(report))
        (root / "data.json").write_text(json.dumps(data))
        return typst.compile(str(root / "report.typ"), root=str(root), format="pdf")
