-- The event store: one append-only table of events, one ledger that seals them in read order.

CREATE TABLE events (
    position        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- The writing transaction. Readers only pass events whose transaction is older than every
    -- transaction still running (pg_snapshot_xmin), and read in (transaction_id, position)
    -- order, so an event committed late is never skipped and no global write lock is needed.
    transaction_id  xid8        NOT NULL DEFAULT pg_current_xact_id(),
    event_id        uuid        NOT NULL UNIQUE,
    stream_id       text        NOT NULL,
    stream_version  integer     NOT NULL CHECK (stream_version > 0),
    type            text        NOT NULL,
    schema_version  integer     NOT NULL,
    -- json, not jsonb: the stored text is kept byte for byte, and the hash covers those bytes.
    data            json        NOT NULL,
    metadata        json        NOT NULL,
    occurred_at     timestamptz NOT NULL,
    recorded_at     timestamptz NOT NULL DEFAULT clock_timestamp(),
    prev_hash       bytea,
    hash            bytea       NOT NULL,
    UNIQUE (stream_id, stream_version)
);

CREATE INDEX events_read_order ON events (transaction_id, position);
CREATE INDEX events_type ON events (type);

-- The ledger: every event in global read order, chained. seq 1 is the first sealed event.
CREATE TABLE ledger (
    seq         bigint      PRIMARY KEY,
    position    bigint      NOT NULL UNIQUE REFERENCES events (position),
    chain_hash  bytea       NOT NULL,
    sealed_at   timestamptz NOT NULL DEFAULT clock_timestamp()
);

CREATE FUNCTION refuse_rewriting_history() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'TPIMM';
END $$;

CREATE TRIGGER events_are_append_only BEFORE UPDATE OR DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION refuse_rewriting_history();
CREATE TRIGGER events_are_never_truncated BEFORE TRUNCATE ON events
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_rewriting_history();
CREATE TRIGGER ledger_is_append_only BEFORE UPDATE OR DELETE ON ledger
    FOR EACH ROW EXECUTE FUNCTION refuse_rewriting_history();
CREATE TRIGGER ledger_is_never_truncated BEFORE TRUNCATE ON ledger
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_rewriting_history();

-- Append events to one or several streams in one statement (one round trip, atomic).
-- Per stream: its id and expected version (the number of events it holds now).
-- Per event: the index of its stream in those arrays (1-based), its fields, and the digest of
-- its content computed by the writer; the stream chain (sha256 of previous hash || digest) is
-- completed here, where the previous hash is known.
-- A retried append (same event ids) stores nothing and returns the stored last position.
CREATE FUNCTION append_events(
    p_stream_ids      text[],
    p_expected        integer[],
    p_event_ids       uuid[],
    p_event_streams   integer[],
    p_types           text[],
    p_schema_versions integer[],
    p_data            json[],
    p_metadata        json[],
    p_occurred_at     timestamptz[],
    p_digests         bytea[]
) RETURNS TABLE (last_position bigint, replayed boolean)
LANGUAGE plpgsql AS $$
DECLARE
    heads    bytea[];
    versions integer[];
    cur_version integer;
    head     bytea;
    stream   integer;
    new_hash bytea;
    already  bigint;
    found_n  integer;
    pos      bigint;
BEGIN
    SELECT max(e.position), count(*) INTO already, found_n
      FROM events e WHERE e.event_id = ANY (p_event_ids);
    IF found_n > 0 THEN
        IF found_n = cardinality(p_event_ids) THEN
            RETURN QUERY SELECT already, true;
            RETURN;
        END IF;
        RAISE EXCEPTION 'some of these event ids are stored already, others are not'
            USING ERRCODE = 'TPIDS';
    END IF;

    FOR i IN 1 .. cardinality(p_stream_ids) LOOP
        SELECT e.stream_version, e.hash INTO cur_version, head
          FROM events e WHERE e.stream_id = p_stream_ids[i]
         ORDER BY e.stream_version DESC LIMIT 1;
        IF coalesce(cur_version, 0) <> p_expected[i] THEN
            RAISE EXCEPTION 'stream % is at version %, expected %',
                p_stream_ids[i], coalesce(cur_version, 0), p_expected[i]
                USING ERRCODE = 'TPCON', DETAIL = p_stream_ids[i];
        END IF;
        heads[i] := head;
        versions[i] := coalesce(cur_version, 0);
    END LOOP;

    FOR i IN 1 .. cardinality(p_event_ids) LOOP
        stream := p_event_streams[i];
        versions[stream] := versions[stream] + 1;
        new_hash := sha256(coalesce(heads[stream], ''::bytea) || p_digests[i]);
        INSERT INTO events (event_id, stream_id, stream_version, type, schema_version,
                            data, metadata, occurred_at, prev_hash, hash)
        VALUES (p_event_ids[i], p_stream_ids[stream], versions[stream], p_types[i],
                p_schema_versions[i], p_data[i], p_metadata[i], p_occurred_at[i],
                heads[stream], new_hash)
        RETURNING events.position INTO pos;
        heads[stream] := new_hash;
    END LOOP;

    RETURN QUERY SELECT pos, false;
END $$;
