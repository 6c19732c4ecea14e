-- Tokens ended by signing out, until they expire (services/auth/revoked_tokens.py). Not event
-- history: a sign-out changes nothing a report or an audit looks at, and rows are deleted once
-- the token has expired. ``transaction_id`` lets every process read only what is new since its
-- last look, without gaps (as the event store's read barrier does).
CREATE TABLE revoked_tokens (
    token_id        text        PRIMARY KEY,
    expires_at      timestamptz NOT NULL,
    revoked_at      timestamptz NOT NULL DEFAULT now(),
    transaction_id  xid8        NOT NULL DEFAULT pg_current_xact_id()
);
CREATE INDEX revoked_tokens_by_transaction ON revoked_tokens (transaction_id);
CREATE INDEX revoked_tokens_by_expiry ON revoked_tokens (expires_at);
