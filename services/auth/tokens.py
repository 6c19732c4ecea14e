"""Signed bearer tokens: ``base64url(claims).base64url(hmac_sha256(claims))`` with an expiry.

No third-party format: the service is the only issuer and the only reader, so an HMAC over
canonical JSON is all that is needed, and nothing can pick an algorithm ("alg: none").

Every token has an id (``jti``, random), so that signing out can revoke that one token
(``revoked_tokens``). Tokens issued before ids existed have none in their claims; ``read`` gives
them the digest of their signed claims as id, so they can be revoked too.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import UTC, datetime, timedelta
from uuid import UUID

import msgspec

TOKEN_LIFETIME = timedelta(hours=12)


class Principal(msgspec.Struct, frozen=True, kw_only=True):
    """Who acts: the claims a token carries."""

    account_id: UUID
    role: str
    site_ids: list[UUID] = []
    volunteer_id: UUID | None = None
    expires_at: datetime
    jti: str = ""
    password_changes: int = 0
    """The account's count of password changes when signed in (ends with signing out
    everywhere)."""
    """The token's id: random, unique per token (``read`` fills it in for tokens without)."""


class InvalidToken(Exception):
    pass


_encode = msgspec.json.Encoder(order="deterministic").encode
_decode = msgspec.json.Decoder(Principal).decode


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _signature(key: bytes, payload: bytes) -> bytes:
    return hmac.new(key, b"treffpunkt-token:" + payload, hashlib.sha256).digest()


def issue(key: bytes, principal: Principal) -> str:
    payload = _encode(principal)
    return f"{_b64(payload)}.{_b64(_signature(key, payload))}"


def read(key: bytes, token: str, now: datetime | None = None) -> Principal:
    try:
        payload_part, signature_part = token.split(".")
        payload, signature = _unb64(payload_part), _unb64(signature_part)
    except ValueError:
        raise InvalidToken("malformed token") from None
    if not hmac.compare_digest(signature, _signature(key, payload)):
        raise InvalidToken("bad signature")
    try:
        principal = _decode(payload)
    except msgspec.ValidationError:
        raise InvalidToken("malformed claims") from None
    if principal.expires_at <= (now or datetime.now(UTC)):
        raise InvalidToken("expired")
    if not principal.jti:
        principal = msgspec.structs.replace(principal, jti=_legacy_id(payload))
    return principal


def _legacy_id(payload: bytes) -> str:
    """The id of a token issued without one: its claims are signed, so their digest names it."""
    return "claims-" + hashlib.sha256(payload).hexdigest()[:32]


def new_principal(
    account_id: UUID,
    role: str,
    site_ids: list[UUID],
    volunteer_id: UUID | None,
    now: datetime,
    password_changes: int = 0,
) -> Principal:
    return Principal(
        account_id=account_id,
        password_changes=password_changes,
        role=role,
        site_ids=site_ids,
        volunteer_id=volunteer_id,
        expires_at=(now + TOKEN_LIFETIME).replace(microsecond=0),
        jti=secrets.token_urlsafe(16),
    )
