"""A composed message as the SMTP server receives it: flattened and read back with the
standard ``email`` package's modern policy (as a mail client reads it)."""

from __future__ import annotations

import email
from email.message import EmailMessage, Message
from email.policy import default


def on_the_wire(message: Message) -> EmailMessage:
    return email.message_from_bytes(message.as_bytes(), policy=default)  # type: ignore[return-value]
