"""Keys derived from the one secret: tokens, e-mail digests, feeds, unsubscribe links.

The secret is ``TREFFPUNKT_SECRET_KEY`` (the launcher always passes one to its processes), else
a random secret kept in the data folder, so that an app started on its own still finds the
accounts ``treffpunkt migrate`` created. Changing the secret signs everyone out *and* makes
every e-mail digest unfindable: rotate it only together with a re-keying of the claims.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import os
import secrets
import time
from pathlib import Path
from uuid import UUID

import msgspec

from projections import unsubscribe
from services.platform.settings import Settings

log = logging.getLogger(__name__)


class Keys(msgspec.Struct, frozen=True):
    tokens: bytes
    emails: bytes
    feeds: bytes
    """Signs the per-volunteer secrets of the calendar feeds (``?token=``)."""
    unsubscribe: bytes
    """Signs the e-mails' one-click unsubscribe links (``projections/unsubscribe.py``)."""

    def email_digest(self, email: str) -> str:
        return hmac.new(self.emails, normalise_email(email).encode(), hashlib.sha256).hexdigest()

    def client_digest(self, address: str) -> str:
        """A client's address as the sign-in throttle counts it: not kept in plain text."""
        return hmac.new(self.emails, b"client:" + address.encode(), hashlib.sha256).hexdigest()

    def feed_token(self, volunteer_id: UUID, generation: int = 0) -> str:
        """The feed's secret for the volunteer's ``generation`` of links (renewed from its
        profile); generation 0 keeps the form of the links handed out before renewals."""
        message = b"feed:" + volunteer_id.bytes
        if generation:
            message += b":" + str(generation).encode()
        digest = hmac.new(self.feeds, message, hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()

    def feed_token_matches(self, volunteer_id: UUID, token: str, generation: int = 0) -> bool:
        return hmac.compare_digest(self.feed_token(volunteer_id, generation).encode(),
                                   token.encode())


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
        feeds=hmac.new(root, b"treffpunkt/feeds", hashlib.sha256).digest(),
        unsubscribe=unsubscribe.key_from_secret(secret),  # the workers derive it alike
    )


def secret_of(settings: Settings) -> str:
    """The configured secret, else the data folder's (created on first use); "" if neither
    can be had (derive_keys then uses a random one for this process)."""
    if settings.secret_key:
        return settings.secret_key
    path = settings.data_dir / "secret_key"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        return _new_secret(path) or _kept_secret(path)
    except OSError as error:
        log.warning("cannot keep a secret in %s (%s)", path.parent, type(error).__name__)
        return ""


SECRET_WAIT_SECONDS = 2.0
"""How long a process waits for the secret that another one, starting at the same time, has
created but not yet written."""


def _new_secret(path: Path) -> str | None:
    """A new secret in a new file, readable by its owner only from the first byte on; None if
    the file exists already (perhaps created a moment ago by another process)."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return None
    secret = secrets.token_urlsafe(48)
    try:
        with os.fdopen(descriptor, "w") as file:
            file.write(secret)
            file.flush()
            os.fsync(file.fileno())
    except BaseException:
        path.unlink(missing_ok=True)  # an empty file would stand in for a secret forever
        raise
    return secret


def _kept_secret(path: Path) -> str:
    deadline = time.monotonic() + SECRET_WAIT_SECONDS
    while not (secret := path.read_text().strip()):
        if time.monotonic() >= deadline:
            log.error("%s is empty: delete it to have a new secret made", path)
            return ""
        time.sleep(0.01)
    return secret
