-- A handover offer's mails, found by the offer: suppressed when it is withdrawn or taken, and
-- whom a named offer reached told when it is withdrawn (projections/notifier.py).
CREATE INDEX outbox_handover_offers ON outbox ((params->>'handover_id'))
    WHERE kind = 'handover_offered';
