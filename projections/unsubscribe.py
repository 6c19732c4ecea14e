"""The signed one-click unsubscribe link of an e-mail (RFC 8058, RFC 2369): a volunteer and a
kind of message, signed with a key derived from the one secret. The workers sign it into every
message to a volunteer; the page behind it (``services/pages/unsubscribe.py``) checks it.

A link never expires (a mail read a year later still works) and names nothing but the
volunteer's id and the kind; without the key it cannot be made or altered."""

from __future__ import annotations

import base64
import hashlib
import hmac
from uuid import UUID

KEY_LABEL = b"treffpunkt/unsubscribe"
PATH = "/unsubscribe/"


def key_from_secret(secret: str) -> bytes:
    """The links' key, from the secret ``TREFFPUNKT_SECRET_KEY`` (as ``derive_keys`` does)."""
    return hmac.new(secret.encode(), KEY_LABEL, hashlib.sha256).digest()


def _signature(key: bytes, volunteer_id: UUID, kind: str) -> str:
    digest = hmac.new(key, b"unsubscribe:" + volunteer_id.bytes + kind.encode(),
                      hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def token(key: bytes, volunteer_id: UUID, kind: str) -> str:
    """``<volunteer id, hex>.<kind>.<signature>``: safe in a path as it is."""
    return f"{volunteer_id.hex}.{kind}.{_signature(key, volunteer_id, kind)}"


def url(public_url: str, key: bytes, volunteer_id: UUID, kind: str) -> str:
    return f"{public_url}{PATH}{token(key, volunteer_id, kind)}"


def read(key: bytes, text: str) -> tuple[UUID, str] | None:
    """The volunteer and kind a link names; None if it is malformed, forged or altered."""
    parts = text.split(".")
    if len(parts) != 3 or len(text) > 200:
        return None
    volunteer_hex, kind, signature = parts
    try:
        volunteer_id = UUID(hex=volunteer_hex)
    except ValueError:
        return None
    if volunteer_id.hex != volunteer_hex:
        return None
    expected = _signature(key, volunteer_id, kind)
    if not hmac.compare_digest(expected.encode(), signature.encode()):
        return None
    return volunteer_id, kind
