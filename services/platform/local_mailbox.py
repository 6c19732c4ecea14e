"""The local mailbox ("Postausgang"): without ``TREFFPUNKT_SMTP_URL``, ``treffpunkt serve``
starts an SMTP server of its own (aiosmtpd, on 127.0.0.1) and points its workers at it, so the
outbox is delivered through a real SMTP hop into a Maildir under the data folder
(``<data folder>/mail``), and the admin reads it on a page (``services/pages/admin_outbox.py``).

It is a demo's and a newcomer's mailbox, not an archive: it keeps the newest ``KEEP`` messages
(they hold addresses and bodies in plain text; erasing a volunteer does not reach them)."""

from __future__ import annotations

import email
import logging
import mailbox
import re
from datetime import datetime
from email.message import EmailMessage
from email.policy import default
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import msgspec

log = logging.getLogger(__name__)

KEEP = 500
FOLDER = "mail"
KIND_HEADER = "X-Treffpunkt-Kind"
_KEY = re.compile(r"^[A-Za-z0-9._,:=-]{1,200}$")
"""A Maildir key as ``mailbox.Maildir`` makes them; anything else names no message."""


def folder_of(data_dir: Path) -> Path:
    return data_dir / FOLDER


class Handler:
    """aiosmtpd's handler: each message accepted is stored as it arrived."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        box = mailbox.Maildir(self.folder, create=True)
        box.add(envelope.original_content or envelope.content)
        _prune(box)
        return "250 2.0.0 stored in the local mailbox"


def _prune(box: mailbox.Maildir) -> None:
    keys = sorted(box.iterkeys(), key=_stored_at)
    for key in keys[:-KEEP] if len(keys) > KEEP else ():
        box.discard(key)


_STORED_AT = re.compile(r"^(\d+)\.M(\d+)P\d+Q(\d+)\.")


def _stored_at(key: str) -> tuple[int, int, int]:
    """When ``mailbox.Maildir`` stored the message: its key begins with the second, the
    microsecond and the process's count of messages stored."""
    found = _STORED_AT.match(key)
    return (int(found[1]), int(found[2]), int(found[3])) if found else (0, 0, 0)


class LocalMailbox:
    """The SMTP server ``serve`` starts when no ``TREFFPUNKT_SMTP_URL`` is set."""

    def __init__(self, data_dir: Path) -> None:
        self.folder = folder_of(data_dir)
        self._controller: Any = None

    def start(self) -> str:
        """Listen on a free port of 127.0.0.1; the ``smtp://`` URL the workers send to."""
        from aiosmtpd.controller import Controller

        from services.platform.embedded import free_port

        # aiosmtpd logs each command, recipients' addresses too: only its warnings, please.
        logging.getLogger("mail.log").setLevel(logging.WARNING)
        self.folder.parent.mkdir(parents=True, exist_ok=True)  # a fresh checkout has none
        mailbox.Maildir(self.folder, create=True)
        self._controller = Controller(Handler(self.folder), hostname="127.0.0.1",
                                      port=free_port())
        self._controller.start()
        return f"smtp://127.0.0.1:{self._controller.port}"

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


class Summary(msgspec.Struct, kw_only=True):
    key: str
    date: datetime | None
    to: str
    subject: str
    kind: str


class Attachment(msgspec.Struct, kw_only=True):
    filename: str
    content_type: str
    size: int


class Shown(msgspec.Struct, kw_only=True):
    summary: Summary
    sender: str
    text: str
    html: str
    """The HTML part's source, to be shown escaped (never rendered)."""
    attachments: list[Attachment]
    headers: list[tuple[str, str]]


def _box(data_dir: Path) -> mailbox.Maildir | None:
    folder = folder_of(data_dir)
    return mailbox.Maildir(folder, create=False) if (folder / "cur").is_dir() else None


def _summary(key: str, message: EmailMessage) -> Summary:
    try:
        date = parsedate_to_datetime(str(message["Date"])) if message["Date"] else None
    except (TypeError, ValueError):
        date = None
    return Summary(key=key, date=date, to=str(message["To"] or ""),
                   subject=str(message["Subject"] or ""), kind=str(message[KIND_HEADER] or ""))


def _parsed(box: mailbox.Maildir, key: str, *, headers_only: bool = False) -> EmailMessage:
    parser = email.parser.BytesParser(policy=default)
    return parser.parsebytes(box.get_bytes(key), headersonly=headers_only)  # type: ignore[return-value]


def newest(data_dir: Path, limit: int = 100) -> list[Summary] | None:
    """The newest messages, newest first; None if there is no local mailbox."""
    box = _box(data_dir)
    if box is None:
        return None
    keys = sorted(box.iterkeys(), key=_stored_at, reverse=True)
    return [_summary(key, _parsed(box, key, headers_only=True)) for key in keys[:limit]]


def shown(data_dir: Path, key: str) -> Shown | None:
    """One message: its text part, its HTML part's source, its attachments by name."""
    box = _box(data_dir)
    if box is None or not _KEY.match(key) or key not in box:
        return None
    message = _parsed(box, key)
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    attachments = [
        Attachment(filename=part.get_filename() or "", content_type=part.get_content_type(),
                   size=len(part.get_payload(decode=True) or b""))
        for part in message.iter_attachments()]
    return Shown(summary=_summary(key, message), sender=str(message["From"] or ""),
                 text=text.get_content() if text is not None else "",
                 html=html.get_content() if html is not None else "",
                 attachments=attachments,
                 headers=[(name, str(value)) for name, value in message.items()
                          if name.lower().startswith(("list-", "message-id", "content-language",
                                                      "auto-submitted"))])
