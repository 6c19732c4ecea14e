"""Stored text a read model cannot hold, made safe on its way in (projections/repairs.py), and
when a read model counts as stalled (projections/admin.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

import msgspec
import pytest

from events.base import PositionedEvent
from events.offers import AttendanceRecorded, OfferCreated
from events.rooms import Occurrence, RoomBooked
from events.shifts import ShiftCreated
from projections.admin import STALL_FAILURES, STALL_SECONDS, Lag, stall_of
from projections.directory import DIRECTORY
from projections.repairs import repair_batch, repaired

pytestmark = pytest.mark.unit

NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)


def offer(title: str = "Yoga", description: str | None = None) -> OfferCreated:
    return OfferCreated(offer_id=uuid4(), site_id=uuid4(), title=title, category="movement",
                        description=description)


def test_every_nul_of_an_event_becomes_a_replacement_character_and_nothing_else_changes():
    event = ShiftCreated(shift_id=uuid4(), site_id=uuid4(), title="Tresen\x00\x00dienst",
                         starts_at=NOW, ends_at=NOW, capacity=1,
                         required_qualifications=["ok", "Hygi\x00ene"])
    safe, fields = repaired(event)
    assert fields == ["title", "required_qualifications[1]"]
    assert safe == msgspec.structs.replace(event, title="Tresen\ufffd\ufffddienst",
                                           required_qualifications=["ok", "Hygi\ufffdene"])


def test_keys_of_a_mapping_are_repaired_without_naming_them():
    event = AttendanceRecorded(session_id=uuid4(), occurrence_starts_at=NOW, visitors=3,
                               breakdown={"Kin\x00der": 3, "alle": 0})
    safe, fields = repaired(event)
    assert fields == ["breakdown[*]"]
    assert safe.breakdown == {"Kin\ufffdder": 3, "alle": 0}


def test_nested_text_is_repaired_and_text_without_nul_is_left_as_it_is():
    booked = RoomBooked(room_id=uuid4(), booking_id=uuid4(), title="Chor",
                        occurrences=[Occurrence(starts_at=NOW, ends_at=NOW)])
    assert repaired(booked) == (booked, [])
    assert repaired(booked)[0] is booked
    only_title, fields = repaired(offer("a\x00", "b\x00"), only="title")
    assert (only_title.title, only_title.description, fields) == ("a\ufffd", "b\x00", ["title"])


def test_a_batch_is_repaired_only_in_the_events_and_fields_a_read_model_keeps():
    clean, broken = offer(), offer("Yoga\x00", "Matten\x00")
    batch = [PositionedEvent(1, clean), PositionedEvent(2, broken), PositionedEvent(3, None)]
    rows_of = lambda event: msgspec.json.encode(DIRECTORY.evolve(event))  # noqa: E731
    safe, made = repair_batch("directory", batch, rows_of)
    assert [recorded.event for recorded in safe] == [
        clean, msgspec.structs.replace(broken, title="Yoga\ufffd", description="Matten\ufffd"),
        None]
    assert [(r.name, r.position, r.field) for r in made] == [
        ("directory", 2, "title"), ("directory", 2, "description")]

    title_only = lambda event: msgspec.json.encode([event.title])  # noqa: E731
    _, made = repair_batch("titles", batch[:2], title_only)
    assert [r.field for r in made] == ["title"]


@pytest.mark.parametrize(("failures", "lag", "idle", "stalled"), [
    (0, Lag(0, 0.0), 10_000.0, False),  # idle, nothing to do
    (0, Lag(5, 0.5), 10_000.0, False),  # events just arrived after a quiet spell
    (0, Lag(90_000, 3_600.0), 1.0, False),  # a long backlog, worked off batch by batch
    (0, Lag(1, STALL_SECONDS), STALL_SECONDS, True),  # waiting, and nothing applied
    (STALL_FAILURES - 1, Lag(1, 1.0), 1.0, False),
    (STALL_FAILURES, Lag(1, 1.0), 1.0, True),  # failing again and again
])
def test_a_read_model_is_stalled_when_it_fails_again_and_again_or_events_wait_unapplied(
    failures, lag, idle, stalled
):
    reason = stall_of(failures, "CheckViolationError" if failures else None, lag, idle)
    assert (reason is not None) == stalled, reason
    if failures >= STALL_FAILURES:
        assert reason == f"failing: CheckViolationError ({failures} times in a row)"
