"""A mailbox for the mail tests: aiosmtpd as a real SMTP server on a free port collecting what it
receives, the settings that send to it, and the text and calendar of a received message."""

from __future__ import annotations

import email
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from email.policy import default

import pytest
from aiosmtpd.controller import Controller
from icalendar import Calendar

from workers.mail.smtp import MailSettings, smtp_server as parse_smtp_url


class Inbox:
    """An aiosmtpd handler keeping what arrived; refuses the recipients in ``refuse``."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.refuse: set[str] = set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address in self.refuse:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.messages.append(email.message_from_bytes(envelope.content, policy=default))
        return "250 2.0.0 accepted"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if address in m["To"]]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_port() -> int:
    return free_port()


@contextmanager
def smtp_server(port: int, inbox: Inbox | None = None) -> Iterator[Inbox]:
    inbox = inbox or Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox
    finally:
        controller.stop()


def mail_env(port: int, **more: str) -> dict[str, str]:
    return {"TREFFPUNKT_SMTP_URL": f"smtp://127.0.0.1:{port}",
            "TREFFPUNKT_MAIL_FROM": "Dorftreff <treffpunkt@bersenbrueck.example>",
            "TREFFPUNKT_PUBLIC_URL": "https://treffpunkt.bersenbrueck.example", **more}


def smtp_settings(port: int) -> MailSettings:
    env = mail_env(port)
    return MailSettings(server=parse_smtp_url(env["TREFFPUNKT_SMTP_URL"]),
                        sender=env["TREFFPUNKT_MAIL_FROM"], public_url=env["TREFFPUNKT_PUBLIC_URL"])


def calendar_of(message: EmailMessage) -> Calendar:
    parts = [part for part in message.walk() if part.get_content_type() == "text/calendar"]
    assert len(parts) == 1, [part.get_content_type() for part in message.walk()]
    return Calendar.from_ical(parts[0].get_payload(decode=True))


def text_of(message: EmailMessage) -> str:
    return message.get_body(("plain",)).get_content()
