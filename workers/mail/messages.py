"""An outbox row becomes an e-mail: the kind's words from the mail catalogue in the
volunteer's language (``locale/<language>/LC_MESSAGES/mail.po``, symbolic msgids), plain text
and HTML from ``templates/``, the shift as an iCalendar attachment where it helps, and a
``Message-ID`` derived from the row's key (a copy sent twice is folded by mail clients).

Built with the standard library's classic MIME classes (policy ``compat32``): the newer
``EmailMessage`` API parsed and refolded every header it was given, and again when aiosmtplib
flattened the message, about 15 ms a message, most of the delivery's work (``bench/
notifications.py``); these take a fraction of that for the same message on the wire."""

from __future__ import annotations

import functools
import hashlib
import secrets
import time
from datetime import UTC, datetime
from email import encoders
from email.charset import QP, Charset
from email.header import Header
from email.message import Message
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formataddr, formatdate, parseaddr
from pathlib import Path
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import jinja2
from babel.dates import format_date, format_time
from icalendar import Calendar, Event as CalendarEvent

from projections import unsubscribe
from projections.catalogues import babel_locale, compiled
from projections.notifier import (
    CLAIM_CONFIRMED,
    HANDED_OVER,
    HANDOVER_OFFERED,
    HANDOVER_WITHDRAWN,
    INVITATION,
    KINDS,
    MOVED_UP,
    PASSWORD_RESET,
    QUALIFICATION_EXPIRING,
    REMINDER,
    SHIFT_CANCELLED,
    TRAINING_CANCELLED,
    TRAINING_ENROLLED,
    TRAINING_REMINDER,
)

HERE = Path(__file__).parent
LANGUAGES = ("de", "en", "uk")
BERLIN = ZoneInfo("Europe/Berlin")
WITH_CALENDAR = {CLAIM_CONFIRMED: "PUBLISH", MOVED_UP: "PUBLISH", REMINDER: "PUBLISH",
                 SHIFT_CANCELLED: "CANCEL", HANDED_OVER: "CANCEL",
                 TRAINING_ENROLLED: "PUBLISH", TRAINING_REMINDER: "PUBLISH",
                 TRAINING_CANCELLED: "CANCEL"}
"""Kinds that carry the shift as ``text/calendar`` (a cancellation removes it again)."""
UTF8 = Charset("utf-8")
UTF8.body_encoding = QP  # readable in a raw message, unlike base64

_templates = jinja2.Environment(
    loader=jinja2.FileSystemLoader(HERE / "templates"),
    autoescape=jinja2.select_autoescape(["html"]), keep_trailing_newline=True,
    undefined=jinja2.StrictUndefined, auto_reload=False)


def words(language: str):
    """The language's gettext function (German for a language without a catalogue)."""
    return compiled(HERE / "locale", language if language in LANGUAGES else "de", "mail").gettext


@functools.lru_cache(maxsize=1024)  # the same for everyone told about a shift; Babel is slow
def when(starts_at: datetime, ends_at: datetime, language: str) -> str:
    """``Samstag, 10. Oktober 2026, 09:00–13:00 Uhr`` on the Berlin wall clock, by Babel in the
    language's locale (``Saturday 10 October 2026``, ``субота, 10 жовтня 2026 р.``)."""
    start, end = starts_at.astimezone(BERLIN), ends_at.astimezone(BERLIN)
    locale = babel_locale(language)
    return words(language)("time_span") % {
        "date": format_date(start.date(), "full", locale=locale),
        "start": format_time(start, "short", tzinfo=BERLIN, locale=locale),
        "end": format_time(end, "short", tzinfo=BERLIN, locale=locale)}


def _link(kind: str, params: dict[str, Any], public_url: str) -> tuple[str, str]:
    """The message's one link: (catalogue msgid of its label, address)."""
    if kind == HANDOVER_OFFERED:
        return "link.handover", f"{public_url}/volunteer/handovers"
    if kind == HANDOVER_WITHDRAWN:
        return "link.other_offers", f"{public_url}/volunteer/handovers"
    if kind in (PASSWORD_RESET, INVITATION):
        return f"link.{kind}", f"{public_url}/password/{params['token']}"
    if kind == QUALIFICATION_EXPIRING:
        return "link.trainings", f"{public_url}/volunteer/trainings"
    return "link.my_shifts", f"{public_url}/volunteer/my-shifts"


def expiry(params: dict[str, Any], language: str) -> dict[str, str]:
    """A qualification's catalogue name in the language and the day it runs out (Berlin)."""
    if "valid_until" not in params:
        return {}
    until = datetime.fromisoformat(params["valid_until"]).astimezone(BERLIN)
    return {"qualification_name": (params["names"].get(language) or params["names"].get("de")
                                  or params["qualification"]),
            "date": format_date(until.date(), "long", locale=babel_locale(language))}


def _body(kind: str, params: dict[str, Any]) -> str:
    """The body's msgid: a shift cancelled with its session may come without a reason."""
    if kind == SHIFT_CANCELLED and not params.get("reason"):
        return "shift_cancelled.body.without_reason"
    return f"{kind}.body"


@functools.lru_cache(maxsize=16)  # the one sender, for every message
def sender_address(sender: str) -> str:
    """The address of ``TREFFPUNKT_MAIL_FROM`` (``Name <address>``)."""
    return parseaddr(sender)[1]


def message_id(key: str, sender: str) -> str:
    domain = sender_address(sender).rpartition("@")[2] or "treffpunkt.invalid"
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:40]}@{domain}>"


def shift_calendar(shift_id: UUID, params: dict[str, Any], method: str, key: str, *,
                   training: bool = False) -> bytes:
    return _calendar(shift_id, params["starts_at"], params["ends_at"], params["title"],
                     params["site"], method, training, int(time.time() // CALENDAR_REUSE_SECONDS))


CALENDAR_REUSE_SECONDS = 60
"""How long one shift's calendar (the same for everyone told about it) is reused: its
``DTSTAMP``, by which calendar apps order updates of a ``UID``, is at most this old."""


@functools.lru_cache(maxsize=256)  # icalendar took half of composing a message
def _calendar(shift_id: UUID, starts_at: str, ends_at: str, title: str, site: str | None,
              method: str, training: bool, _period: int) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//Treffpunkt//Schichten//DE")
    calendar.add("version", "2.0")
    calendar.add("method", method)
    event = CalendarEvent()
    event.add("uid", f"{'training' if training else 'shift'}-{shift_id}@treffpunkt")
    event.add("dtstamp", datetime.now(UTC))
    event.add("dtstart", datetime.fromisoformat(starts_at).astimezone(UTC))
    event.add("dtend", datetime.fromisoformat(ends_at).astimezone(UTC))
    event.add("summary", f"{title} ({site})" if site else title)
    if site:
        event.add("location", site)
    if method == "CANCEL":
        event.add("status", "CANCELLED")
    calendar.add_component(event)
    return calendar.to_ical()


def unsubscribe_link(row: dict[str, Any], public_url: str, key: bytes | None) -> str | None:
    """The signed link turning the row's kind off for its volunteer; None for a message the
    volunteer cannot turn off (a password link) or without a key."""
    if key is None or row["kind"] not in KINDS or row.get("volunteer_id") is None:
        return None
    return unsubscribe.url(public_url, key, row["volunteer_id"], row["kind"])


def _boundary() -> str:
    # Random, so no text contains it: the generator then need not search the parts for it
    # (it compiled a new regular expression for every part it made a boundary for). 96 bits:
    # short enough that "multipart/alternative; boundary=..." fits its line unfolded.
    return f"=_{secrets.token_hex(12)}"


class _Utf8Header(Header):
    """A header of non-ASCII text, encoded (RFC 2047) once per text and line layout: a shift's
    subject is the same for everyone told about it."""

    def __init__(self, text: str) -> None:
        super().__init__(text, "utf-8")
        self.text = text

    def encode(self, splitchars: str = ";, \t", maxlinelen: int | None = None,
               linesep: str = "\n") -> str:
        return _encoded(self.text, splitchars, maxlinelen, linesep)


@functools.lru_cache(maxsize=1024)
def _encoded(text: str, splitchars: str, maxlinelen: int | None, linesep: str) -> str:
    return Header(text, "utf-8").encode(splitchars, maxlinelen, linesep)


def _header(value: str) -> str | Header:
    return value if value.isascii() else _Utf8Header(value)


def _calendar_part(ics: bytes, method: str) -> MIMEBase:
    part = MIMEBase("text", "calendar", method=method, charset="utf-8")
    part.set_payload(ics)
    encoders.encode_base64(part)
    part.add_header("Content-Disposition", "attachment", filename="schicht.ics")
    return part


def _context(kind: str, params: dict[str, Any], language: str, name: str | None,
             public_url: str) -> dict[str, Any]:
    """What the templates show for a message about a shift, a training or a link."""
    _ = words(language)
    values = {**params, "name": name or "", "when": when(
        datetime.fromisoformat(params["starts_at"]), datetime.fromisoformat(params["ends_at"]),
        language) if "starts_at" in params else "", **expiry(params, language)}
    link_label, link = _link(kind, params, public_url)
    return {
        "language": language,
        "subject": _(f"{kind}.subject") % values,
        "greeting": _("greeting") % values if name else _("greeting.anonymous"),
        "paragraphs": [_(_body(kind, params)) % values],
        "link_label": _(link_label),
        "link": link,
        "signature": _("signature") % values if params.get("site") else _("signature.plain"),
    }


def compose(row: dict[str, Any], address: str, name: str | None, sender: str,
            public_url: str, context: dict[str, Any] | None = None, *,
            unsubscribe_key: bytes | None = None) -> Message:
    """The e-mail for an outbox row (``kind``, ``language``, ``params``, ``key``,
    ``volunteer_id``, ...), with a one-click unsubscribe (RFC 8058) where it has a link;
    ``context``: what the templates show, if the kind has its own (the digest's lists)."""
    language = row["language"] if row["language"] in LANGUAGES else "de"
    params = dict(row["params"])
    kind = row["kind"]
    unsubscribe_url = unsubscribe_link(row, public_url, unsubscribe_key)
    context = {**(context or _context(kind, params, language, name, public_url)),
               "unsubscribe_label": words(language)("unsubscribe.footer"),
               "unsubscribe": unsubscribe_url}
    body = MIMEMultipart("alternative", boundary=_boundary())
    body.attach(MIMEText(_templates.get_template("message.txt").render(context), "plain", UTF8))
    body.attach(MIMEText(_templates.get_template("message.html").render(context), "html", UTF8))
    if kind in WITH_CALENDAR and row["shift_id"] is not None:
        message = MIMEMultipart("mixed", boundary=_boundary())
        message.attach(body)
        message.attach(_calendar_part(
            shift_calendar(row["shift_id"], params, WITH_CALENDAR[kind], row["key"],
                           training=kind.startswith("training_")), WITH_CALENDAR[kind]))
    else:
        message = body
    message["Subject"] = _header(context["subject"])
    message["From"] = sender
    message["To"] = formataddr((name or "", address), charset="utf-8")
    message["Date"] = formatdate(localtime=False, usegmt=True)
    message["Message-ID"] = message_id(row["key"], sender)
    message["Auto-Submitted"] = "auto-generated"
    message["X-Treffpunkt-Kind"] = kind  # for filters, and the local mailbox's list
    if unsubscribe_url is not None:
        message["List-Unsubscribe"] = f"<{unsubscribe_url}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message["Content-Language"] = language
    return message
