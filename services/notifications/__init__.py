"""What volunteers are told by e-mail: their settings and the outbox's record (API.md, "Second
wave"). Deciding and sending live in ``projections/notifier.py`` and ``workers/mail/``."""
