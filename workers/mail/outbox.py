"""Delivering the outbox: lease due rows, open each address at the moment of sending, send
over one SMTP connection per pass, and record what became of every row.

States: ``queued`` (waiting, perhaps for a retry), ``sent`` (the server accepted it),
``failed`` (refused for good (5xx), or still not accepted after ``MAX_ATTEMPTS``; ``detail``
holds the server's answer), ``suppressed`` (never to be sent: no server configured, the
volunteer erased, the place released). A worker killed mid-delivery leaves its rows leased;
they are due again when the lease ends. A row is marked sent only after the server accepted
it, so a crash in between sends a second copy with the same ``Message-ID``, never none.
No log line holds an address or a body: only the row's key, kind and state.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
from email.message import Message
from typing import Any

import aiosmtplib
import asyncpg

from events.sealed import decrypt
from projections.notifier import COORDINATOR_DIGEST
from workers.mail import smtp
from workers.mail.digest import digest_context, opened_names
from workers.mail.messages import compose

log = logging.getLogger(__name__)

BATCH = 200
CONNECTIONS = 4
LEASE_SECONDS = float(os.environ.get("TREFFPUNKT_MAIL_LEASE_SECONDS", "120"))
RETRY_SECONDS = float(os.environ.get("TREFFPUNKT_MAIL_RETRY_SECONDS", "30"))
"""The first retry's delay; each further one waits twice as long."""
MAX_ATTEMPTS = int(os.environ.get("TREFFPUNKT_MAIL_MAX_ATTEMPTS", "8"))

_LEASE = """
UPDATE outbox o SET lease_until = now() + make_interval(secs => $1), attempts = attempts + 1
 WHERE key IN (SELECT key FROM outbox
                WHERE state = 'queued' AND next_attempt_at <= now()
                  AND (lease_until IS NULL OR lease_until < now())
                ORDER BY next_attempt_at LIMIT $2 FOR UPDATE SKIP LOCKED)
RETURNING o.*"""

_RENEW = """
WITH accepted AS (
  UPDATE outbox SET state = 'sent', detail = $5, finished_at = now(), lease_until = NULL,
                    params = params - 'token'
   WHERE key = $4 AND state = 'queued')
UPDATE outbox o SET lease_until = now() + make_interval(secs => $2)
 WHERE key = $1 AND state = 'queued' AND lease_until = $3
RETURNING lease_until,
          (SELECT key FROM subject_keys WHERE subject_id = o.volunteer_id) AS subject_key"""
"""Renews one row's lease just before it is sent, only if the lease is still this worker's: a
batch can take longer to send than its lease, and a row whose lease ran out may have been
taken (and sent) by another worker meanwhile. Returns the recipient's key too, read at this
moment (none once erased), and records the connection's previous message as sent (key $4, the
server's answer $5; none: NULL), all in one round trip."""

_DUE = """SELECT EXISTS (SELECT 1 FROM outbox WHERE state = 'queued' AND next_attempt_at <= now()
                                             AND (lease_until IS NULL OR lease_until < now()))"""


async def due(pool: asyncpg.Pool) -> bool:
    return await pool.fetchval(_DUE)


async def finish(pool: asyncpg.Pool, key: str, state: str, detail: str | None) -> None:
    # A password link is a credential: kept only until its message is done with.
    await pool.execute(
        """UPDATE outbox SET state = $2, detail = $3, finished_at = now(), lease_until = NULL,
                             params = params - 'token'
            WHERE key = $1 AND state = 'queued'""", key, state, detail)


async def retry_later(pool: asyncpg.Pool, row: dict[str, Any], detail: str) -> None:
    if row["attempts"] >= MAX_ATTEMPTS:
        await finish(pool, row["key"], "failed", detail)
        log.warning("mail %s (%s) failed after %d attempts", row["key"], row["kind"],
                    row["attempts"])
        return
    delay = RETRY_SECONDS * 2 ** (row["attempts"] - 1)
    await pool.execute(
        """UPDATE outbox SET detail = $2, lease_until = NULL,
                             next_attempt_at = now() + make_interval(secs => $3)
            WHERE key = $1 AND state = 'queued'""", row["key"], detail, delay)


async def deliver_due(pool: asyncpg.Pool, settings: smtp.MailSettings | None = None) -> int:
    """Deliver every row that is due, batch by batch; returns how many were sent."""
    settings = settings or smtp.mail_settings()
    sent = 0
    while True:
        rows = [dict(row) for row in await pool.fetch(_LEASE, LEASE_SECONDS, BATCH)]
        if not rows:
            return sent
        sent += await _deliver(pool, settings, rows)
        if len(rows) < BATCH:
            return sent


def _opened(row: dict[str, Any], key: bytes | None) -> tuple[str | None, str | None]:
    return (decrypt(key, row["volunteer_id"], row["recipient"]),
            decrypt(key, row["volunteer_id"], row["recipient_name"]))


async def _deliver(pool: asyncpg.Pool, settings: smtp.MailSettings,
                   rows: list[dict[str, Any]]) -> int:
    if settings.server is None:
        for row in rows:
            await finish(pool, row["key"], "suppressed", "no SMTP server configured")
        log.info("no SMTP server configured (TREFFPUNKT_SMTP_URL): %d messages suppressed",
                 len(rows))
        return 0
    # A few connections at once: one message's composing overlaps another's round trips.
    slices = [rows[n::CONNECTIONS] for n in range(min(CONNECTIONS, len(rows)))]
    return sum(await asyncio.gather(*(_deliver_over_one_connection(pool, settings, part)
                                      for part in slices)))


class _Accepted:
    """The message a connection's server accepted last, not yet recorded as sent: recorded
    with the next row's lease renewal (one round trip for both, still before that row is
    sent), or on its own after the connection's last message."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool
        self.key: str | None = None
        self.answer: str | None = None

    def taken(self) -> tuple[str | None, str | None]:
        """The key and answer for ``_RENEW`` to record (None, None: nothing to record)."""
        taken, self.key, self.answer = (self.key, self.answer), None, None
        return taken

    async def record(self) -> None:
        key, answer = self.taken()
        if key is not None:
            await finish(self.pool, key, "sent", answer)


async def _deliver_over_one_connection(pool: asyncpg.Pool, settings: smtp.MailSettings,
                                       rows: list[dict[str, Any]]) -> int:
    assert settings.server is not None
    sent = 0
    accepted = _Accepted(pool)
    try:
        async with smtp.connection(settings.server) as client:
            try:
                for row in rows:
                    sent += await _deliver_one(pool, settings, client, row, accepted)
            finally:  # whatever stopped the loop, the last accepted message is recorded first
                await accepted.record()
    except (aiosmtplib.SMTPException, OSError, asyncio.TimeoutError) as error:
        # The connection failed (server down, refused greeting or login): all not yet
        # finished wait for their next attempt.
        detail = _answer(error)
        log.warning("SMTP server %r unavailable (%s); %d messages wait for a retry",
                    settings.server, type(error).__name__, len(rows) - sent)
        for row in rows:
            await retry_later(pool, row, detail)
    return sent


async def _deliver_one(pool: asyncpg.Pool, settings: smtp.MailSettings,
                       client: aiosmtplib.SMTP, row: dict[str, Any], accepted: _Accepted) -> int:
    renewed = await pool.fetchrow(_RENEW, row["key"], LEASE_SECONDS, row["lease_until"],
                                  *accepted.taken())
    if renewed is None:
        return 0  # another worker holds it now (or it is finished): not sent twice
    row["lease_until"] = renewed["lease_until"]
    address, name = _opened(row, renewed["subject_key"])
    if address is None:
        await finish(pool, row["key"], "suppressed", "erased")
        return 0
    try:
        message = await _composed(pool, row, address, name, settings)
    except Exception as error:  # a message that cannot be written blocks no other
        log.exception("mail %s (%s) could not be composed", row["key"], row["kind"])
        await finish(pool, row["key"], "failed", f"not composed ({type(error).__name__})")
        return 0
    try:
        answer = await smtp.send(client, message, settings.sender, address)
    except aiosmtplib.SMTPRecipientsRefused as error:
        refusal = error.recipients[0] if error.recipients else None
        if refusal is not None and refusal.code >= 500:
            await finish(pool, row["key"], "failed", _answer(refusal))
            log.warning("mail %s (%s) refused: %d", row["key"], row["kind"], refusal.code)
        else:
            await retry_later(pool, row, _answer(error))
        return 0
    except aiosmtplib.SMTPResponseException as error:
        if error.code >= 500:
            await finish(pool, row["key"], "failed", _answer(error))
            log.warning("mail %s (%s) refused: %d", row["key"], row["kind"], error.code)
        else:
            await retry_later(pool, row, _answer(error))
        return 0
    accepted.key, accepted.answer = row["key"], answer[:500]
    return 1


async def _composed(pool: asyncpg.Pool, row: dict[str, Any], address: str, name: str | None,
                    settings: smtp.MailSettings) -> Message:
    row = {**row, "params": json.loads(row["params"])}
    context = (digest_context(row, await opened_names(pool, row["params"]), settings.public_url)
               if row["kind"] == COORDINATOR_DIGEST else None)
    return compose(row, address, name, settings.sender, settings.public_url, context,
                   unsubscribe_key=settings.unsubscribe_key)


_ADDRESS = re.compile(r"<?[^\s<>@]+@[^\s<>]+>?")


def _answer(error: BaseException) -> str:
    """The server's answer (code and text), without the addresses some servers quote."""
    code = getattr(error, "code", None)
    text = _ADDRESS.sub("<address>", str(getattr(error, "message", "") or type(error).__name__))
    return (f"{code} {text}" if code else text)[:500]
