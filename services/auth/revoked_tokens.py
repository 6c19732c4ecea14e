"""Signed-out tokens: refused by every process from at most ``REFRESH_SECONDS`` after signing out.

A token is signed, not looked up, so signing out has to name it somewhere every process looks:
the table ``revoked_tokens`` (token id and expiry, PostgreSQL, kept until the token expires).
Each process keeps the ids in memory (``RefreshedSet``): the process that revoked a token
refuses it at once, every other one after its next refresh, at most ``REFRESH_SECONDS`` later
(half a second, so that "within 1 s" holds with the refresh query's time to spare).

PostgreSQL rather than Redis: a revocation must outlive a restart of either server (Redis may
run without persistence here, and losing the list would bring signed-out tokens back).

While PostgreSQL cannot be reached, a refresh keeps the ids known so far and is tried again
after the same interval: the check fails open for revocations stored by another process in the
half second before the outage and not yet seen here. Failing closed instead would refuse every
token, i.e. sign everyone out on a database blip, for little gain: every route but ``/health``
needs the database anyway, and signing out itself needs it (it answers 503 during an outage and
the token stays valid, which the client is told).
"""

from __future__ import annotations

from datetime import timedelta

import asyncpg
from litestar.datastructures import State

from services.auth.refreshed_set import ReadSince, RefreshedSet, snapshot_horizon_query
from services.auth.tokens import TOKEN_LIFETIME, Principal

REFRESH_SECONDS = 0.5
KEPT_FOR = TOKEN_LIFETIME + timedelta(hours=1)
"""How long an id stays in memory once learnt: longer than any token lives, plus clock skew."""
EXPIRED_ROWS_KEPT = timedelta(hours=1)

_REVOKE = """
WITH forgotten AS (DELETE FROM revoked_tokens WHERE expires_at < now() - $3::interval)
INSERT INTO revoked_tokens (token_id, expires_at) VALUES ($1, $2) ON CONFLICT DO NOTHING"""

_REVOKED_SINCE = snapshot_horizon_query(
    "SELECT token_id FROM revoked_tokens WHERE transaction_id >= $1::text::xid8"
    " AND expires_at > now() - $2::interval")


def revoked_since(pool: asyncpg.Pool) -> ReadSince[str]:
    async def read(horizon: int) -> tuple[int, list[str]]:
        row = await pool.fetchrow(_REVOKED_SINCE, str(horizon), EXPIRED_ROWS_KEPT)
        assert row is not None
        return int(row["horizon"]), list(row["ids"])

    return read


def revoked_tokens(state: State) -> RefreshedSet[str]:
    """This app's (this process's) set, created on first use."""
    found = state.get("revoked_tokens")
    if found is None:
        found = state.revoked_tokens = RefreshedSet(
            "revoked tokens", refresh_seconds=REFRESH_SECONDS,
            kept_seconds=KEPT_FOR.total_seconds())
    return found


async def token_is_revoked(state: State, token_id: str) -> bool:
    return await revoked_tokens(state).contains(token_id, revoked_since(state.resources.pool))


async def revoke(state: State, principal: Principal) -> None:
    """Ends the token ``principal`` was read from: refused in this process from now on."""
    await state.resources.pool.execute(_REVOKE, principal.jti, principal.expires_at,
                                       EXPIRED_ROWS_KEPT)
    revoked_tokens(state).add([principal.jti])
