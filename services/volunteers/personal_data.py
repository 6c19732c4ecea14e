"""Personal data, encrypted with a key per person (AES-GCM), erasable by destroying the key."""

from __future__ import annotations

import os
from uuid import UUID

import asyncpg
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from events.sealed import NONCE_BYTES, decrypt  # noqa: F401 - re-exported


async def create_key(pool: asyncpg.Pool, subject_id: UUID) -> bytes:
    key = AESGCM.generate_key(bit_length=256)
    await pool.execute(
        "INSERT INTO subject_keys (subject_id, key) VALUES ($1, $2)", subject_id, key
    )
    return key


async def key_of(pool: asyncpg.Pool, subject_id: UUID) -> bytes | None:
    return await pool.fetchval("SELECT key FROM subject_keys WHERE subject_id = $1", subject_id)


async def destroy_key(pool: asyncpg.Pool, subject_id: UUID) -> None:
    """Delete the key, then vacuum so its bytes do not linger in dead row versions."""
    await pool.execute("DELETE FROM subject_keys WHERE subject_id = $1", subject_id)
    await pool.execute("VACUUM subject_keys")


def encrypt(key: bytes, subject_id: UUID, plaintext: str) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(key).encrypt(nonce, plaintext.encode(), subject_id.bytes)
