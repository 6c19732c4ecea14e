"""Keys derived from the one secret: one for tokens, one for e-mail digests."""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets

import msgspec

log = logging.getLogger(__name__)


class Keys(msgspec.Struct, frozen=True):
    tokens: bytes
    emails: bytes

    def email_digest(self, email: str) -> str:
        return hmac.new(self.emails, normalise_email(email).encode(), hashlib.sha256).hexdigest()


def normalise_email(email: str) -> str:
    return email.strip().lower()


def derive_keys(secret: str) -> Keys:
    if not secret:
        log.warning("no TREFFPUNKT_SECRET_KEY: using a random key; tokens end with this process")
        secret = secrets.token_urlsafe(48)
    root = secret.encode()
    return Keys(
        tokens=hmac.new(root, b"treffpunkt/tokens", hashlib.sha256).digest(),
        emails=hmac.new(root, b"treffpunkt/emails", hashlib.sha256).digest(),
    )
