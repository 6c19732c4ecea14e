"""E-mail: the outbox's delivery over SMTP, and the messages' words and templates."""
