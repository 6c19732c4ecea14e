"""Event types and the event store. Imports nothing else of Treffpunkt's."""
