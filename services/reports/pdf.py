"""The funding report and its timesheet as PDF documents an office files, typeset with Typst.

The templates (``funding.typ``, ``timesheet.typ``) lay out the form; this module puts every
text and figure into their ``data.json`` as Berlin wall-clock times and German numbers, so no
stored text is ever read as markup. The chart of visitors per month is drawn by pygal.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import pygal
import typst
from pygal.style import Style

from services.reports.formats import (
    CATEGORY_NAMES,
    ERASED_NAME,
    by_person,
    day_de,
    german_thousands,
    moment_de,
    rates_label,
    timesheet_sites,
)
from services.reports.funding import FundingReport, Timesheet

HERE = Path(__file__).parent
COLUMNS = ["Angebot", "durch\u00adgeführt", "aus\u00adgefallen", "Besucher", "Ehrenamts\u00adstunden",
           "Wert (€)"]
CHECK_HINT = ("Prüfen: diesen Kopf auf der Prüfseite „Kopf prüfen“ einfügen oder "
              "GET /api/audit/heads/<Hash> abrufen; die ganze Historie mit "
              "„treffpunkt audit verify“ oder GET /api/audit/verify.")
NOTES = ("Durchgeführt: Termine mit erfasster Besucherzahl, nicht abgesagt. Ehrenamtsstunden: "
         "bestätigte Einsätze (tatsächliche Zeiten, auch ohne Anmeldung) und Stundenzettel; "
         "jede Stunde bewertet mit dem am Tag ihres Beginns gültigen Stundensatz. Summen sind "
         "exakt gebildet und erst dann gerundet.")
CONFIRMATION = ("Die Angaben entsprechen der versiegelten Ereignishistorie bis zum oben "
                "genannten Ledger-Kopf. Die Ehrenamtsstunden sind im Stundennachweis (Anlage) "
                "je Person und Tag belegt.")


def count(value: int) -> str:
    """``1139`` as ``1.139``."""
    return f"{value:,}".replace(",", ".")


def hours(value: float) -> str:
    return german_thousands(value)


def money(value: float) -> str:
    return german_thousands(value)


def _cells(figures: Any, value: float) -> list[str]:
    return [count(figures.sessions_held), count(figures.sessions_cancelled),
            count(figures.visitors), hours(figures.volunteer_hours), money(value)]


def _header(report: FundingReport | Timesheet, sites: str) -> list[list[str]]:
    funding = report.funding
    return [
        ["Träger", funding.provider if funding else "(nicht festgelegt)"],
        ["Förderprogramm", funding.programme if funding else "(nicht festgelegt)"],
        ["Förderkennzeichen", funding.funding_reference if funding else "(nicht festgelegt)"],
        ["Berichtszeitraum", f"{day_de(report.from_)} – {day_de(report.to)}"],
        ["Standorte", sites],
        ["Stand der Historie", f"{moment_de(report.as_of)} (Europe/Berlin)"],
    ]


def report_data(report: FundingReport) -> dict[str, Any]:
    sites = []
    for site in report.sites:
        rows = [{"kind": "offer", "title": offer.title,
                 "category": CATEGORY_NAMES.get(offer.category, offer.category),
                 "cells": [count(offer.sessions_held), count(offer.sessions_cancelled),
                           count(offer.visitors), hours(offer.volunteer_hours),
                           money(offer.volunteer_hours_value)]}
                for offer in site.offers]
        if site.volunteer_hours_without_offer:
            rows.append({"kind": "extra", "title": "Einsätze ohne Angebot, Stundenzettel",
                         "category": "", "cells": ["", "", "",
                                                   hours(site.volunteer_hours_without_offer),
                                                   money(site.volunteer_hours_value_without_offer)]})
        rows.append({"kind": "total", "title": f"Summe {site.name}", "category": "",
                     "cells": _cells(site.totals, site.totals.volunteer_hours_value)})
        sites.append({
            "name": site.name, "rows": rows,
            "trainings": f"Schulungen für Ehrenamtliche: {site.trainings_held} durchgeführt, "
                         f"{site.training_participants} Teilnahmen" if site.trainings_held else "",
        })
    totals = report.totals
    header = _header(report, ", ".join(site.name for site in report.sites) or "keine")
    header.insert(4, ["Stundensatz Ehrenamt", rates_label(report)])
    return {
        "title": "Verwendungsnachweis",
        "subtitle": "Zahlennachweis der Angebote, Besucher und ehrenamtlichen Stunden",
        "provider": report.funding.provider if report.funding else "Treffpunkt",
        "header": header,
        "columns": COLUMNS,
        "sites": sites,
        "totals": [{"kind": "total", "title": "Alle Standorte", "category": "",
                    "cells": _cells(totals, totals.volunteer_hours_value)}],
        "trainings_total": f"Schulungen für Ehrenamtliche: {totals.trainings_held} "
                           f"durchgeführt, {totals.training_participants} Teilnahmen; Termine "
                           f"ohne Zählung: {totals.sessions_unrecorded}",
        "notes": NOTES,
        "confirmation": CONFIRMATION,
        "has_months": bool(report.months),
        "head_seq": str(report.ledger_head.seq),
        "head_hash": report.ledger_head.hash or "(noch nicht versiegelt)",
        "check_hint": CHECK_HINT,
    }


def visitors_chart(report: FundingReport) -> bytes:
    style = Style(background="white", plot_background="white", colors=("#0b5d3b", "#6b8f71"),
                  font_family="sans-serif", label_font_size=13, major_label_font_size=13,
                  legend_font_size=14)
    chart = pygal.Bar(width=900, height=360, style=style, show_legend=True,
                      legend_at_bottom=True, legend_at_bottom_columns=2, x_label_rotation=0,
                      print_values=False, margin=10)
    chart.x_labels = [f"{month.month[5:]}/{month.month[2:4]}" for month in report.months]
    chart.add("Besucher", [month.visitors for month in report.months])
    chart.add("Termine durchgeführt", [month.sessions_held for month in report.months])
    return chart.render()


def as_pdf(report: FundingReport) -> bytes:
    files = {"chart.svg": visitors_chart(report)} if report.months else {}
    return _compile("funding.typ", report_data(report), files)


def timesheet_data(timesheet: Timesheet) -> dict[str, Any]:
    rows = []
    for person, lines in by_person(timesheet):
        rows += [{"kind": "line", "cells": [line.name or ERASED_NAME, day_de(line.day),
                                            f"{line.activity} ({line.site})", hours(line.hours),
                                            money(line.value)]}
                 for line in lines]
        rows.append({"kind": "subtotal", "cells": [f"Summe {person.name or ERASED_NAME}", "",
                                                   "", hours(person.hours),
                                                   money(person.value)]})
    rows.append({"kind": "total", "cells": [
        f"Summe ({timesheet.volunteers} Ehrenamtliche)", "", "", hours(timesheet.hours),
        money(timesheet.value)]})
    header = _header(timesheet, timesheet_sites(timesheet))
    rate = timesheet.eur_per_volunteer_hour
    header.insert(4, ["Stundensatz am Ende", f"{money(rate)} €" if rate is not None
                      else "nicht festgelegt"])
    return {
        "title": "Stundennachweis Ehrenamt",
        "subtitle": "Anlage zum Verwendungsnachweis: Stunden je Person und Tag",
        "provider": timesheet.funding.provider if timesheet.funding else "Treffpunkt",
        "header": header,
        "columns": ["Ehrenamtliche·r", "Datum", "Tätigkeit (Standort)", "Stunden", "Wert (€)"],
        "rows": rows,
        "notes": "„gelöscht“: die personenbezogenen Daten wurden auf Wunsch gelöscht; die "
                 "Stunden bleiben belegt. Jede Stunde ist mit dem am Tag gültigen Stundensatz "
                 "bewertet.",
        "head_seq": str(timesheet.ledger_head.seq),
        "head_hash": timesheet.ledger_head.hash or "(noch nicht versiegelt)",
        "check_hint": CHECK_HINT,
    }


def timesheet_pdf(timesheet: Timesheet) -> bytes:
    return _compile("timesheet.typ", timesheet_data(timesheet), {})


def _compile(template: str, data: dict[str, Any], files: dict[str, bytes]) -> bytes:
    return compile_typst((HERE / template).read_text(), data, files)


def compile_typst(source: str, data: dict[str, Any], files: dict[str, bytes]) -> bytes:
    """A Typst document from its ``source``, reading ``data.json`` and ``files`` beside it."""
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "document.typ").write_text(source)
        (root / "data.json").write_text(json.dumps(data))
        for name, content in files.items():
            (root / name).write_bytes(content)
        document = typst.compile(str(root / "document.typ"), root=str(root), format="pdf")
    return for_every_reader(document)


def for_every_reader(document: bytes) -> bytes:
    """Typst marks its tagged PDFs ``/MarkInfo << /Suspects false >>``, as PDF 1.7 allows;
    poppler before 23.02 (pdftoppm, pdftotext, Evince of Debian 12) takes any such value for a
    malformed object and says so. ``false`` is the default, so the entry is left out: blanked
    byte for byte, so no offset of the file moves."""
    entry = b"/Suspects false"
    if document.count(entry) != 1:
        return document
    return document.replace(entry, b" " * len(entry))
