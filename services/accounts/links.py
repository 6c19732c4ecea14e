"""Single-use links to choose a password (a reset, valid 1 h; an invitation, valid 7 days).

A link is signed, not stored: ``<claims>.<HMAC>`` with the account, its purpose, its expiry and
the account's count of password changes when it was issued. Choosing a password appends
``account.password_changed``, which raises that count: the link is spent, and so is every link
issued before it. Nothing of it is kept in the history but the change itself.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import datetime, timedelta
from uuid import UUID

import msgspec

from services.commands.rejections import Invalid

RESET, INVITATION = "reset", "invitation"
VALID_FOR = {RESET: timedelta(hours=1), INVITATION: timedelta(days=7)}


class PasswordLink(msgspec.Struct, frozen=True, array_like=True):
    account_id: UUID
    purpose: str
    expires_at: int
    """Unix seconds."""
    issued_at_change: int
    nonce: str
    """Random: two links asked for in the same second differ (each is its own e-mail)."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _signature(key: bytes, claims: str) -> str:
    return _b64(hmac.new(key, b"password-link:" + claims.encode(), hashlib.sha256).digest())


def issue(key: bytes, account_id: UUID, purpose: str, issued_at_change: int,
          now: datetime) -> str:
    link = PasswordLink(account_id, purpose, int((now + VALID_FOR[purpose]).timestamp()),
                        issued_at_change, secrets.token_urlsafe(6))
    claims = _b64(msgspec.json.encode(link))
    return f"{claims}.{_signature(key, claims)}"


def read(key: bytes, token: str, now: datetime) -> PasswordLink:
    """The link's claims; ``Invalid`` (naming ``token``) when forged or expired."""
    claims, _, signature = token.partition(".")
    if not signature or not hmac.compare_digest(_signature(key, claims), signature):
        raise Invalid("token", "this link is not valid", code="link_invalid")
    link = msgspec.json.decode(base64.urlsafe_b64decode(claims + "=" * (-len(claims) % 4)),
                               type=PasswordLink)  # signed by us: well-formed
    if link.expires_at <= now.timestamp():
        raise Invalid("token", "this link has expired: ask for a new one", code="link_expired")
    return link
