-- E-mail notifications (projections/notifier.py decides, workers/outbox.py delivers).
-- The outbox lives outside the read models' generations: a rebuild of the notifier must find
-- what was queued before and never queue it again. A row holds no address and no body: the
-- recipient's e-mail as ciphertext under their own key (unreadable once they are erased) and
-- the few values a message is rendered from at sending time.
CREATE TABLE outbox (
    key             text        PRIMARY KEY,   -- <cause>:<kind>:<recipient>, derived from the cause
    kind            text        NOT NULL,
    volunteer_id    uuid,
    shift_id        uuid,
    cause_position  bigint,
    language        text        NOT NULL DEFAULT 'de',
    recipient       bytea,                     -- ciphertext of the e-mail (subject key)
    recipient_name  bytea,                     -- ciphertext of the name
    params          jsonb       NOT NULL DEFAULT '{}',
    state           text        NOT NULL DEFAULT 'queued'
                    CHECK (state IN ('queued', 'sent', 'failed', 'suppressed')),
    attempts        integer     NOT NULL DEFAULT 0,
    detail          text,                      -- the server's answer or why it was suppressed
    queued_at       timestamptz NOT NULL DEFAULT now(),
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    lease_until     timestamptz,
    finished_at     timestamptz
);
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE state = 'queued';
CREATE INDEX outbox_by_volunteer ON outbox (volunteer_id, queued_at);

-- The highest event position the notifier has ever decided on, in any generation: a rebuild
-- replays the history again but queues nothing at or below it.
CREATE TABLE notifier_horizon (
    only_row  boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    position  bigint  NOT NULL DEFAULT 0
);
INSERT INTO notifier_horizon DEFAULT VALUES;
