from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta, timezone
from uuid import UUID

import pytest

from events.hashing import GENESIS, canonical_time, content_digest, event_hash, ledger_hash

pytestmark = pytest.mark.unit

FIELDS = dict(
    event_id=UUID("00000000-0000-0000-0000-000000000001"),
    stream_id="room-1",
    stream_version=1,
    type="room.booked",
    schema_version=1,
    data=b'{"type":"room.booked"}',
    metadata=b'{"actor":"account:1"}',
    occurred_at=datetime(2026, 3, 2, 17, 0, tzinfo=UTC),
)
AT = datetime(2026, 3, 2, 17, 0, 0, 123456, tzinfo=UTC)
DIGEST = content_digest(**FIELDS)


def test_the_digest_is_a_deterministic_sha256():
    assert content_digest(**FIELDS) == DIGEST
    assert len(DIGEST) == 32


@pytest.mark.parametrize(
    "field, other",
    [
        ("event_id", UUID("00000000-0000-0000-0000-000000000002")),
        ("stream_id", "room-2"),
        ("stream_version", 2),
        ("type", "room.cancelled"),
        ("schema_version", 2),
        ("data", b'{"type":"room.booked" }'),
        ("data", b'{"type":"room.bookeD"}'),
        ("metadata", b'{"actor":"account:2"}'),
        ("metadata", b'{"actor":"account:1" }'),
        ("occurred_at", datetime(2026, 3, 2, 17, 0, 0, 1, tzinfo=UTC)),
    ],
)
def test_any_change_of_a_hashed_field_changes_the_digest(field, other):
    assert content_digest(**{**FIELDS, field: other}) != DIGEST


def test_fields_cannot_be_shifted_into_one_another():
    """The stream id and the type are separate list items, never concatenated text."""
    shifted = {**FIELDS, "stream_id": "room-1room.", "type": "booked"}
    assert content_digest(**shifted) != DIGEST


def test_the_same_instant_in_another_offset_hashes_the_same():
    berlin = timezone(timedelta(hours=1))
    same = datetime(2026, 3, 2, 18, 0, tzinfo=berlin)
    assert content_digest(**{**FIELDS, "occurred_at": same}) == DIGEST


def test_a_time_without_offset_is_refused_everywhere():
    naive = datetime(2026, 3, 2, 18, 0)
    with pytest.raises(ValueError, match="UTC offset"):
        canonical_time(naive)
    with pytest.raises(ValueError):
        content_digest(**{**FIELDS, "occurred_at": naive})
    with pytest.raises(ValueError):
        ledger_hash(GENESIS, 1, naive, DIGEST)


def test_canonical_time_is_utc_to_the_microsecond():
    berlin = timezone(timedelta(hours=1))
    assert canonical_time(datetime(2026, 3, 2, 18, 0, tzinfo=berlin)) == (
        "2026-03-02T17:00:00.000000+00:00"
    )


def test_the_first_event_of_a_stream_hashes_only_its_digest():
    assert event_hash(None, DIGEST) == hashlib.sha256(DIGEST).digest()


def test_the_event_hash_depends_on_the_previous_hash_and_the_digest():
    other_digest = content_digest(**{**FIELDS, "stream_version": 2})
    assert event_hash(None, DIGEST) != event_hash(b"\x01" * 32, DIGEST)
    assert event_hash(b"\x01" * 32, DIGEST) != event_hash(b"\x02" * 32, DIGEST)
    assert event_hash(b"\x01" * 32, DIGEST) != event_hash(b"\x01" * 32, other_digest)


@pytest.mark.parametrize(
    "argument, other",
    [
        ("previous", b"\x01" * 32),
        ("position", 2),
        ("recorded_at", AT + timedelta(microseconds=1)),
        ("hash_", hashlib.sha256(b"other").digest()),
    ],
)
def test_the_ledger_hash_changes_with_each_of_its_inputs(argument, other):
    inputs = dict(previous=GENESIS, position=1, recorded_at=AT, hash_=DIGEST)
    assert ledger_hash(**{**inputs, argument: other}) != ledger_hash(**inputs)


def test_a_chain_of_ledger_hashes_depends_on_the_order_of_its_events():
    first, second = event_hash(None, DIGEST), event_hash(None, DIGEST[::-1])
    in_order = ledger_hash(ledger_hash(GENESIS, 1, AT, first), 2, AT, second)
    swapped = ledger_hash(ledger_hash(GENESIS, 1, AT, second), 2, AT, first)
    assert in_order != swapped
