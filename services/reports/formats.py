"""The funding report and its timesheet as CSV for a German spreadsheet, and their file names.

Every CSV opens with a block that says what it is: provider, programme, funding reference,
period, the instant the history was read as of (Europe/Berlin), the sites and the ledger head
(with which anyone can check the figures against the history); then an empty row, then the
table. ``;``-separated, decimal commas, UTF-8 with BOM; text cells neutralised against formulas.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

from uuid import UUID

from projections.timesheet import Person
from services.reports.funding import FundingReport, LedgerHead, Timesheet, TimesheetLine

BERLIN = ZoneInfo("Europe/Berlin")
ERASED_NAME = "gelöscht"
"""What a timesheet shows for a volunteer whose personal data is erased."""
CATEGORY_NAMES = {
    "movement": "Bewegungs- und Mobilitätsförderung",
    "mental_health": "Psychische Gesundheit",
    "civic_engagement": "Bürgerschaftliches Engagement",
    "participation": "Soziale Teilhabe",
    "community": "Gemeinwesenarbeit, Nachbarschaft",
}
CSV_COLUMNS = ["Standort", "Angebot", "Kategorie", "Termine durchgeführt", "Termine ausgefallen",
               "Termine ohne Zählung", "Besucher", "Besucher je Termin", "Ehrenamtsstunden",
               "Wert Ehrenamt (EUR)", "Schulungen", "Schulungsteilnahmen"]
TIMESHEET_COLUMNS = ["Ehrenamtliche·r", "Datum", "Standort", "Tätigkeit", "Stunden",
                     "Wert (EUR)"]
WITHOUT_OFFER = "(Standort ohne Angebot)"


def german_number(value: float) -> str:
    return f"{value:.2f}".replace(".", ",") if isinstance(value, float) else str(value)


def german_thousands(value: float) -> str:
    """12345.5 as ``12.345,50``: money and hours in a document."""
    return f"{value:,.2f}".replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def day_de(day: date) -> str:
    return day.strftime("%d.%m.%Y")


def moment_de(moment: datetime) -> str:
    """An instant as Berlin's wall clock shows it: ``31.03.2027, 14:05 Uhr``."""
    return moment.astimezone(BERLIN).strftime("%d.%m.%Y, %H:%M Uhr")


def head_label(head: LedgerHead) -> str:
    return f"Nr. {head.seq}: {head.hash or '(noch nicht versiegelt)'}"


def rates_label(report: FundingReport) -> str:
    if not report.rates:
        return "kein Stundensatz festgelegt (Wert 0)"
    return "; ".join(f"{german_thousands(rate.eur_per_volunteer_hour)} € ab "
                     f"{day_de(rate.valid_from)}" for rate in report.rates)


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


def context_rows(title: str, report: FundingReport | Timesheet, sites: str) -> list[list[Cell]]:
    """The block at the head of a CSV: what it is, of when, and how to check it."""
    funding = report.funding
    return [
        [title],
        ["Träger", funding.provider if funding else ""],
        ["Förderprogramm", funding.programme if funding else ""],
        ["Förderkennzeichen", funding.funding_reference if funding else ""],
        ["Zeitraum", day_de(report.from_), day_de(report.to)],
        ["Stand der Historie (Europe/Berlin)", moment_de(report.as_of)],
        ["Stand der Historie (UTC)", report.as_of.isoformat(timespec="seconds")],
        ["Standorte", sites],
        ["Ledger-Kopf", report.ledger_head.seq, report.ledger_head.hash or ""],
        [],
    ]


def as_csv(report: FundingReport) -> bytes:
    sites = ", ".join(site.name for site in report.sites) or "keine"
    rows: list[Sequence[Cell]] = context_rows("Verwendungsnachweis", report, sites)
    rows.insert(4, ["Stundensatz Ehrenamt", rates_label(report)])
    rows.append(CSV_COLUMNS)
    for site in report.sites:
        for offer in site.offers:
            rows.append([
                site.name, offer.title, CATEGORY_NAMES.get(offer.category, offer.category),
                offer.sessions_held, offer.sessions_cancelled, offer.sessions_unrecorded,
                offer.visitors, float(offer.visitors_per_session),
                float(offer.volunteer_hours), float(offer.volunteer_hours_value), "", "",
            ])
        rows.append([
            site.name, WITHOUT_OFFER, "", "", "", "", "", "",
            float(site.volunteer_hours_without_offer),
            float(site.volunteer_hours_value_without_offer), site.trainings_held,
            site.training_participants,
        ])
    totals = report.totals
    rows.append([
        "Summe", "", "", totals.sessions_held, totals.sessions_cancelled,
        totals.sessions_unrecorded, totals.visitors, "", float(totals.volunteer_hours),
        float(totals.volunteer_hours_value), totals.trainings_held,
        totals.training_participants,
    ])
    return spreadsheet_csv(rows)


def by_person(timesheet: Timesheet) -> list[tuple[Person, list[TimesheetLine]]]:
    """Each volunteer with its lines, in the timesheet's order."""
    lines: dict[UUID, list[TimesheetLine]] = {}
    for line in timesheet.lines:
        lines.setdefault(line.volunteer_id, []).append(line)
    return [(person, lines.get(person.volunteer_id, [])) for person in timesheet.people]


def timesheet_sites(timesheet: Timesheet) -> str:
    return ", ".join(sorted({line.site for line in timesheet.lines})) or "keine"


def timesheet_csv(timesheet: Timesheet) -> bytes:
    rows: list[Sequence[Cell]] = context_rows("Stundennachweis Ehrenamt", timesheet,
                                              timesheet_sites(timesheet))
    rows.append(TIMESHEET_COLUMNS)
    for person, lines in by_person(timesheet):
        for line in lines:
            rows.append([line.name or ERASED_NAME, day_de(line.day), line.site, line.activity,
                         float(line.hours), float(line.value)])
        rows.append([f"Summe {person.name or ERASED_NAME}", "", "", "", float(person.hours),
                     float(person.value)])
    rows.append(["Summe", "", "", f"{timesheet.volunteers} Ehrenamtliche",
                 float(timesheet.hours), float(timesheet.value)])
    return spreadsheet_csv(rows)


def _plain(text: str) -> str:
    """A file name's part: ASCII letters, digits and dashes (Eggermühlen -> Eggermuehlen)."""
    folded = text.translate(str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae",
                                           "Ö": "Oe", "Ü": "Ue", "ß": "ss"}))
    ascii_only = unicodedata.normalize("NFKD", folded).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9]+", "-", ascii_only).strip("-") or "x"


def file_name(kind: str, first: date, last: date, places: list[str], as_of: datetime,
              extension: str) -> str:
    """``Verwendungsnachweis_2026_Eggermuehlen_stand-2027-03-31.csv``: the period (a whole
    year as the year), the site (``alle-Standorte`` for several) and the Berlin day of as-of."""
    if first == date(first.year, 1, 1) and last == date(first.year, 12, 31):
        period = str(first.year)
    else:
        period = f"{first.isoformat()}_{last.isoformat()}"
    where = _plain(places[0]) if len(places) == 1 else "alle-Standorte"
    stand = as_of.astimezone(BERLIN).date().isoformat()
    return f"{kind}_{period}_{where}_stand-{stand}.{extension}"
