"""The wake-up protocol between the API (which commits events) and the workers.

A wake-up message names no event: it only tells the workers that the store has news, so they
read it from their checkpoints. Both sides agree on these names without importing each other.
"""

QUEUE = "treffpunkt"
WAKE_ACTOR = "wake"
