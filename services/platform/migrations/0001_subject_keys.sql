-- Keys that encrypt one person's personal data. Deliberately OUTSIDE the event history and
-- NOT append-only: erasing a person deletes their key, which leaves only ciphertext behind.
CREATE TABLE subject_keys (
    subject_id  uuid        PRIMARY KEY,
    key         bytea       NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
