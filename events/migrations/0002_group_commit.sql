-- Group commit (issue 23): the appends that wait in one process are written by one statement in
-- one transaction. Which append of its transaction wrote an event (0, 1, ...), so that the
-- append of an event id is found without its neighbours; NULL where a transaction held one
-- append (every event written before this migration). Not part of any hash: it only groups.
ALTER TABLE events ADD COLUMN append_index smallint;
