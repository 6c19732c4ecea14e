from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from uuid import UUID

import pytest

from events.hashing import canonical_time, content_digest, event_hash, ledger_hash

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


@pytest.mark.parametrize(
    "field, other",
    [
        ("event_id", UUID("00000000-0000-0000-0000-000000000002")),
        ("stream_id", "room-2"),
        ("stream_version", 2),
        ("type", "room.cancelled"),
        ("schema_version", 2),
        ("data", b'{"type":"room.booked" }'),
        ("metadata", b'{"actor":"account:2"}'),
        ("occurred_at", datetime(2026, 3, 2, 17, 0, 0, 1, tzinfo=UTC)),
    ],
)
def test_any_change_of_a_hashed_field_changes_the_digest(field, other):
    assert content_digest(**FIELDS) != content_digest(**{**FIELDS, field: other})


def test_the_same_instant_in_another_offset_hashes_the_same():
    berlin = timezone(timedelta(hours=1))
    same = datetime(2026, 3, 2, 18, 0, tzinfo=berlin)
    assert content_digest(**FIELDS) == content_digest(**{**FIELDS, "occurred_at": same})


def test_a_time_without_offset_is_refused():
    with pytest.raises(ValueError):
        canonical_time(datetime(2026, 3, 2, 18, 0))


def test_the_event_hash_links_to_the_previous_one_and_the_ledger_to_the_position():
    digest = content_digest(**FIELDS)
    assert event_hash(None, digest) != event_hash(b"\x01" * 32, digest)
    at = datetime(2026, 3, 2, 17, 0, tzinfo=UTC)
    assert ledger_hash(b"\x00" * 32, 1, at, digest) != ledger_hash(b"\x00" * 32, 2, at, digest)
