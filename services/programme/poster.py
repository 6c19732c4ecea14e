"""The monthly poster of a Dorftreff (``/programm/{site}/plakat.pdf?month=2027-02``), typeset
with Typst like the funding report: A4, or A3 with ``size=a3`` (the same page, scaled).

The month's dates are grouped by weekday, then by offer and time, each with its dates of the
month (cancelled ones struck through, "fällt aus", with a public reason as a note). The site's
address and contact line, and a QR code of its public page (segno) for the phones of passers-by.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
from collections import defaultdict
from datetime import date
from pathlib import Path
from typing import Any

import segno
from babel.dates import format_date

from services.commands.rejections import Invalid
from services.pages.local_time import BERLIN
from services.programme.reads import ProgrammeDate, Site
from services.reports.pdf import compile_typst

HERE = Path(__file__).parent
WEEKDAYS = ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag")
SIZES = {"a4": 1.0, "a3": 1.41}
"""A3 is A4 scaled by √2: the same layout, every length and letter larger."""


def month_of(text: str | None, today: date) -> date:
    """The first day of ``YYYY-MM`` (default: this month); anything else is a 422."""
    if text is None:
        return today.replace(day=1)
    found = re.fullmatch(r"(\d{4})-(\d{2})", text)
    if not found or not 1 <= int(found[2]) <= 12 or not 2000 <= int(found[1]) <= 2100:
        raise Invalid("month", "must be a month like 2027-02", code="invalid_month")
    return date(int(found[1]), int(found[2]), 1)


def next_month(first: date) -> date:
    return date(first.year + first.month // 12, first.month % 12 + 1, 1)


def size_of(text: str | None) -> str:
    size = (text or "a4").lower()
    if size not in SIZES:
        raise Invalid("size", "must be a4 or a3", code="invalid_size")
    return size


def day_token(moment: ProgrammeDate) -> str:
    """How the poster names a date: ``3.2.``."""
    local = moment.starts_at.astimezone(BERLIN)
    return f"{local.day}.{local.month}."


def _clock(moment: ProgrammeDate) -> str:
    start, end = moment.starts_at.astimezone(BERLIN), moment.ends_at.astimezone(BERLIN)
    return f"{start:%H:%M}–{end:%H:%M}"


def poster_data(site: Site, month: date, dates: list[ProgrammeDate], page_url: str,
                size: str) -> dict[str, Any]:
    groups: dict[tuple[int, str, str, str], list[ProgrammeDate]] = defaultdict(list)
    for found in dates:
        local = found.starts_at.astimezone(BERLIN)
        groups[(local.weekday(), _clock(found), found.title, found.room or "")].append(found)
    weekdays: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for (weekday, clock, title, room), items in sorted(groups.items()):
        notes = [f"{day_token(i)}: {i.cancellation_reason}"
                 for i in items if i.cancelled and i.cancellation_reason]
        weekdays[weekday].append({
            "time": f"{clock} Uhr", "title": title, "room": room,
            "dates": [{"day": day_token(i), "cancelled": i.cancelled} for i in items],
            "notes": notes})
    return {
        "title": f"Programm {format_date(month, 'MMMM yyyy', locale='de')}",
        "site": site.name, "address": site.address or site.village,
        "contact": site.contact or "",
        "invitation": "Alle sind herzlich eingeladen – die Teilnahme ist kostenlos.",
        "qr_caption": "Programm online", "cancelled_word": "fällt aus",
        "empty": "In diesem Monat ist nichts geplant.",
        "printed": f"Aktuelles Programm und Absagen: {page_url}",
        "weekdays": [{"name": WEEKDAYS[day], "items": weekdays[day]} for day in sorted(weekdays)],
        "paper": size, "scale": SIZES[size],
    }


def qr_svg(url: str) -> bytes:
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="svg", border=2, dark="#000000")
    return buffer.getvalue()


def poster_tag(data: dict[str, Any], page_url: str) -> str:
    """The poster's ETag, from what it shows (and its template): no typesetting for a 304."""
    digest = hashlib.sha256(json.dumps([data, page_url], sort_keys=True).encode())
    digest.update((HERE / "poster.typ").read_bytes())
    return '"' + digest.hexdigest()[:32] + '"'


FITS = (1.0, 0.9, 0.8, 0.72)
"""A month too long for one page is set again smaller, down to 72 % (body text 11 pt on A4),
before it breaks onto a second page: a poster is one sheet."""
_PAGE = re.compile(rb"/Type\s*/Page(?![A-Za-z])")


def poster_pdf(data: dict[str, Any], page_url: str) -> bytes:
    source, files = (HERE / "poster.typ").read_text(), {"qr.svg": qr_svg(page_url)}
    for fit in FITS:
        pdf = compile_typst(source, {**data, "scale": data["scale"] * fit}, files)
        if len(_PAGE.findall(pdf)) == 1:
            break
    return pdf
