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


# --- known answers: the format an offline verifier relies on ------------------------------------
# Fixed inputs, fixed hex. A change to how a digest, an event hash or a ledger entry is computed
# fails here, loudly: every stored history and every export would stop verifying.

CANONICAL = (
    b'["00000000-0000-0000-0000-000000000001","room-1",1,"room.booked",1,'
    b'"669b89075721433c320aa0cd2e8fb07022a5b8ac839b14937e37f8360a4d4f4d",'
    b'"43e989bdcf501e96c6eeaee8f109bd6af3c767a075579117fbc062cd803d4838",'
    b'"2026-03-02T17:00:00.000000+00:00"]'
)
"""What the digest covers: id, stream, version, type, schema version, the sha256 (hex) of the
stored data and of the stored metadata, and occurred_at in UTC to the microsecond, as JSON."""
SECOND = {**FIELDS, "event_id": UUID("00000000-0000-0000-0000-000000000002"), "stream_version": 2}


def test_the_digest_is_the_sha256_of_the_canonical_json_list_of_the_hashed_fields():
    assert hashlib.sha256(FIELDS["data"]).hexdigest() == (
        "669b89075721433c320aa0cd2e8fb07022a5b8ac839b14937e37f8360a4d4f4d")
    assert content_digest(**FIELDS) == hashlib.sha256(CANONICAL).digest()
    assert content_digest(**FIELDS).hex() == (
        "7c6303810bc2ba528502cca7458a06361f5ad30aad0163e3bb03b2cb4554a889")
    assert content_digest(**SECOND).hex() == (
        "846834fa08b04b7ecba41630868ff9dce41d0b32571007d2baaccefcd352ecbb")


def test_the_stream_chain_of_two_events_has_its_known_hashes():
    first = event_hash(None, content_digest(**FIELDS))
    second = event_hash(first, content_digest(**SECOND))
    assert first.hex() == "29b6ccba4a7b34eed17365f349d731a1d76d374ff43a6d7846f0d3babfdc74fe"
    assert second.hex() == "693b4b665b45f16daf7fdde088869d94aec6612490c685fc48a5bf2d813e0107"
    assert second == hashlib.sha256(first + content_digest(**SECOND)).digest()


def test_the_ledger_chain_of_two_entries_has_its_known_hashes():
    first = event_hash(None, content_digest(**FIELDS))
    second = event_hash(first, content_digest(**SECOND))
    entry_1 = ledger_hash(GENESIS, 1, AT, first)
    entry_2 = ledger_hash(entry_1, 2, AT, second)
    assert entry_1.hex() == "57f1dd1c424ecde998e4a3bf1ce43f8c918f3bef46768ebd23d610213084ff89"
    assert entry_2.hex() == "3822f7d0077c3eaaba08f0f0b9f73b0e327c89f50d76c785040571ee81df9545"
    # previous chain hash, the position as 8 bytes big-endian, recorded_at as text, the hash
    assert entry_2 == hashlib.sha256(
        entry_1 + (2).to_bytes(8, "big") + b"2026-03-02T17:00:00.123456+00:00" + second
    ).digest()
