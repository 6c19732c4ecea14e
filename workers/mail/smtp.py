"""Where mail goes (``TREFFPUNKT_SMTP_URL``, ``TREFFPUNKT_MAIL_FROM``) and sending it with
aiosmtplib: ``smtp://`` upgrades with STARTTLS when the server offers it, ``smtps://`` speaks
TLS from the start; user and password from the URL."""

from __future__ import annotations

import functools
import logging
import os
import re
from email._policybase import Compat32
from email.message import Message
from typing import Any
from urllib.parse import unquote, urlsplit

import aiosmtplib
import msgspec

from projections import unsubscribe
from workers.mail.messages import sender_address

log = logging.getLogger(__name__)
TIMEOUT_SECONDS = 30.0


class SmtpServer(msgspec.Struct, frozen=True, kw_only=True):
    host: str
    port: int
    implicit_tls: bool = False
    username: str | None = None
    password: str | None = None

    def __repr__(self) -> str:  # never the password in a log line
        return f"SmtpServer({self.host}:{self.port}, tls={self.implicit_tls})"


class MailSettings(msgspec.Struct, frozen=True, kw_only=True):
    server: SmtpServer | None
    """None: no server configured; nothing is sent (each message is suppressed)."""
    sender: str
    public_url: str
    unsubscribe_key: bytes | None = None
    """Signs each message's unsubscribe link (from ``TREFFPUNKT_SECRET_KEY``, which the
    launcher always passes); None: messages go without one (and a warning is logged)."""


def smtp_server(url: str) -> SmtpServer | None:
    if not url.strip():
        return None
    parts = urlsplit(url.strip())
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise ValueError("TREFFPUNKT_SMTP_URL must be like smtp://user:password@host:587")
    implicit = parts.scheme == "smtps"
    return SmtpServer(
        host=parts.hostname, port=parts.port or (465 if implicit else 25), implicit_tls=implicit,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None)


def mail_settings() -> MailSettings:
    public_url = (os.environ.get("TREFFPUNKT_PUBLIC_URL", "").strip()
                  or f"http://127.0.0.1:{os.environ.get('PORT', '8000')}").rstrip("/")
    host = urlsplit(public_url).hostname or "localhost"
    return MailSettings(
        server=smtp_server(os.environ.get("TREFFPUNKT_SMTP_URL", "")),
        sender=(os.environ.get("TREFFPUNKT_MAIL_FROM", "").strip()
                or f"Treffpunkt <treffpunkt@{host}>"),
        public_url=public_url, unsubscribe_key=_unsubscribe_key())


def _unsubscribe_key() -> bytes | None:
    return _key_of(os.environ.get("TREFFPUNKT_SECRET_KEY", ""))


@functools.cache  # the settings are read every pass: warned once
def _key_of(secret: str) -> bytes | None:
    if not secret:
        log.warning("no TREFFPUNKT_SECRET_KEY: e-mails go without an unsubscribe link")
        return None
    return unsubscribe.key_from_secret(secret)


def connection(server: SmtpServer) -> aiosmtplib.SMTP:
    """A client for one batch of messages (``async with`` connects, greets and logs in)."""
    return aiosmtplib.SMTP(
        hostname=server.host, port=server.port, use_tls=server.implicit_tls,
        start_tls=None if not server.implicit_tls else False,  # None: STARTTLS if offered
        username=server.username, password=server.password, timeout=TIMEOUT_SECONDS)


class _OnTheWire(Compat32):
    """``compat32`` with CRLF, and a short cut: a header of plain ASCII that fits its line is
    written as it is. (Through the ``Header`` machinery, each of a message's thirty-odd headers
    cost about a tenth of a millisecond to come out exactly the same.)"""

    def _fold(self, name: str, value: Any, sanitize: bool) -> str:
        if isinstance(value, str) and value.isascii() and "\n" not in value and "\r" not in value:
            if len(name) + 2 + len(value) <= self.max_line_length:
                return f"{name}: {value}{self.linesep}"
            if _ONE_WORD.fullmatch(value):
                # Too long, and nowhere to fold (a signed link): ``Header`` puts it alone on
                # the next line.
                return f"{name}: {self.linesep} {value}{self.linesep}"
        return super()._fold(name, value, sanitize)  # type: ignore[misc]


_ONE_WORD = re.compile(r"[!-~]+")
"""Printable ASCII without a space: one word, that ``Header`` cannot split."""


ON_THE_WIRE = _OnTheWire(linesep="\r\n")


async def send(client: aiosmtplib.SMTP, message: Message, sender: str, recipient: str) -> str:
    """Send one message on an open connection to ``recipient`` (the envelope's; ``sender``
    as ``TREFFPUNKT_MAIL_FROM``); the server's answer to its data."""
    _, answer = await client.sendmail(
        sender_address(sender), [recipient], message.as_bytes(policy=ON_THE_WIRE),
        mail_options=[] if recipient.isascii() else ["SMTPUTF8"])
    return answer
