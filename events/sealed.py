"""Opening personal data sealed with a subject's own key (AES-GCM, the subject's id as
associated data). Here, below every other package, so that the workers can read an address at
the moment they send a message; sealing and destroying keys stay with the service
(``services/volunteers/personal_data.py``)."""

from __future__ import annotations

from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

NONCE_BYTES = 12


def decrypt(key: bytes | None, subject_id: UUID, ciphertext: bytes | None) -> str | None:
    """The plaintext, or None without a key (erased), without ciphertext, or if it fails."""
    if key is None or ciphertext is None:
        return None
    try:
        return AESGCM(key).decrypt(
            ciphertext[:NONCE_BYTES], ciphertext[NONCE_BYTES:], subject_id.bytes
        ).decode()
    except InvalidTag:
        return None
