"""The Argon2id hasher of account passwords.

argon2-cffi's defaults (RFC 9106's second recommendation: 64 MiB, 3 passes, 4 lanes) cost
about 0.1–0.25 s per hash here, by design. The test suite creates hundreds of accounts, so it
sets ``TREFFPUNKT_INSECURE_FAST_PASSWORD_HASHING=1`` (tests/conftest.py), which hashes with the
smallest cost instead. A hash names its own parameters, so verifying works either way; never
set the variable in a deployment (a warning is logged whenever it is).
"""

from __future__ import annotations

import logging
import os

from argon2 import PasswordHasher

log = logging.getLogger(__name__)
FAST_HASHING = "TREFFPUNKT_INSECURE_FAST_PASSWORD_HASHING"


def password_hasher() -> PasswordHasher:
    if os.environ.get(FAST_HASHING) == "1":
        log.warning("%s=1: passwords are hashed at test cost, not fit for real accounts",
                    FAST_HASHING)
        return PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    return PasswordHasher()
