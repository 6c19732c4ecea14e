"""The password reset's mail in tests: the messages delivered to the mailbox, the link in one, and
choosing a new password through it."""

from __future__ import annotations

import re

from tests.mailbox import smtp_server, smtp_settings, text_of
from workers.mail.outbox import deliver_due


LINK = re.compile(r"https://treffpunkt\.bersenbrueck\.example/password/(\S+)")


async def choose(client, token: str, password: str = "noch-ein-passwort", **more):
    return await client.post(f"/api/auth/password-reset/{token}",
                             json={"password": password, **more})


async def delivered(pool, port: int) -> list:
    """The outbox delivered to a real SMTP server: the messages it received."""
    with smtp_server(port) as inbox:
        await deliver_due(pool, smtp_settings(port))
    return inbox.messages


def link_in(message) -> str:
    return LINK.search(text_of(message)).group(1)
