"""An export of the history verified from the file alone: untouched it passes; a changed byte, a
deleted, inserted or moved event, and a file cut short are each caught at the right position.

The history is written through the real store and sealed by the real sealer; the export is made
by the same code the API streams. The ``treffpunkt audit verify FILE`` command is run as a
process pointed at servers that do not exist, to show that it needs no database.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from uuid import uuid4

import msgspec
import pytest

from events import export, ledger
from events.base import Event, EventMetadata, EventRegistry
from events.hashing import content_digest, event_hash, ledger_hash
from events.store import EventStore, PendingEvent, StreamWrite
from tests.conftest import ROOT
from tests.helpers import seal_everything

pytestmark = pytest.mark.integration
METADATA = EventMetadata(actor="account:test", correlation_id="Grüße \"aus\" Wennigsen\n")
STREAMS, VERSIONS, UNSEALED = 4, 5, 2
SEALED = STREAMS * VERSIONS
TOTAL = SEALED + UNSEALED


class Counted(Event, tag="test.counted", frozen=True, kw_only=True):
    visitors: int
    note: str = ""


def counted(visitors: int) -> PendingEvent:
    return PendingEvent(
        event=Counted(visitors=visitors, note="Kaffee & Kuchen — „gut“ \\ \u2028 ✓"),
        occurred_at=datetime(2024, 5, 4, 9, 30, 0, 123456, tzinfo=UTC),
    )


@pytest.fixture
async def exported(pool, tmp_path) -> Path:
    """A sealed history of interleaved streams, two unsealed events after it, exported."""
    registry = EventRegistry()
    registry.register(Counted)
    store = EventStore(pool, registry)
    for version in range(VERSIONS):
        for stream in range(STREAMS):
            await store.append(
                StreamWrite(f"session-{stream}", version, [counted(10 + version)]),
                metadata=METADATA,
            )
    await seal_everything(pool)
    for version in range(VERSIONS, VERSIONS + UNSEALED):
        await store.append(StreamWrite("session-0", version, [counted(1)]), metadata=METADATA)
    path = tmp_path / "history.jsonl"
    async with ledger.snapshot(pool) as connection:
        path.write_bytes(b"".join([line async for line in export.export_lines(
            ledger.stored_events(connection))]))
    return path


def lines_of(path: Path) -> list[bytes]:
    return path.read_bytes().splitlines(keepends=True)


def event_of(line: bytes) -> export.ExportedEvent:
    return msgspec.json.decode(line, type=export.ExportedEvent)


def verify(lines: list[bytes], expected_head: str | None = None) -> ledger.Verification:
    return export.verify_export(lines, expected_head)


def assert_caught_at(lines: list[bytes], position: int | None) -> ledger.Verification:
    result = verify(lines)
    assert not result.ok, result
    assert result.first_bad_position == position, result
    return result


def run_cli(*arguments: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """The installed command, with servers that do not exist and an empty data folder."""
    environment = {
        **os.environ,
        "DATABASE_URL": "postgresql://nobody@127.0.0.1:9/nowhere",
        "REDIS_URL": "redis://127.0.0.1:9/0",
        "TREFFPUNKT_DATA_DIR": str(tmp_path / "no-servers-here"),
    }
    return subprocess.run(
        [sys.executable, "-m", "services.platform.cli", "audit", "verify", *arguments],
        cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60,
    )


def rehashed(line: export.ExportedEvent, previous_chain: str | None, **changes) -> bytes:
    """The event with ``changes``, its hash recomputed as the store would, and its ledger
    entry chained onto ``previous_chain`` (or left unsealed when that is None)."""
    line = msgspec.structs.replace(line, **changes)
    digest = content_digest(
        event_id=line.event_id, stream_id=line.stream_id, stream_version=line.stream_version,
        type=line.type, schema_version=line.schema_version, data=line.data.encode(),
        metadata=line.metadata.encode(), occurred_at=line.occurred_at,
    )
    hash_ = event_hash(bytes.fromhex(line.prev_hash) if line.prev_hash else None, digest)
    chain = (
        ledger_hash(bytes.fromhex(previous_chain), line.position, line.recorded_at, hash_).hex()
        if previous_chain is not None else None
    )
    line = msgspec.structs.replace(line, hash=hash_.hex(), chain_hash=chain,
                                   seq=line.seq if chain else None)
    return msgspec.json.encode(line) + b"\n"


# --- an untouched export -----------------------------------------------------------------------


async def test_an_untouched_export_verifies_to_the_ledger_head_of_the_database(exported, pool):
    lines = lines_of(exported)
    assert len(lines) == 1 + TOTAL + 1
    assert msgspec.json.decode(lines[0]) == {
        "kind": "header", "format": "treffpunkt-audit-export", "version": 1}
    _, head = await ledger.ledger_head(pool)
    assert msgspec.json.decode(lines[-1]) == {
        "kind": "end", "events": TOTAL, "sealed": SEALED, "ledger_head": head}

    result = verify(lines, expected_head=head)
    assert result.ok and result.events_checked == TOTAL and result.head == head
    assert result == await ledger.verify(pool)


async def test_data_and_metadata_are_exported_byte_for_byte_as_stored(exported, pool):
    stored = {row["position"]: (row["data"], row["metadata"]) for row in await pool.fetch(
        "SELECT position, data, metadata FROM events")}
    events = [event_of(line) for line in lines_of(exported)[1:-1]]
    assert {e.position: (e.data.encode(), e.metadata.encode()) for e in events} == stored
    assert "„gut“" in events[0].data and "\\n" in events[0].metadata


async def test_the_command_verifies_an_export_without_any_database(exported, pool, tmp_path):
    _, head = await ledger.ledger_head(pool)
    finished = run_cli(str(exported), "--expected-head", head, tmp_path=tmp_path)
    assert finished.returncode == 0, finished.stdout + finished.stderr
    assert finished.stdout.strip() == f"ok: {TOTAL} events checked, ledger head {head}"
    assert not (tmp_path / "no-servers-here").exists()


async def test_the_command_names_the_first_bad_position_and_exits_with_1(exported, tmp_path):
    lines = lines_of(exported)
    target = event_of(lines[7]).position
    lines[7] = lines[7].replace(b'\\"visitors\\":11', b'\\"visitors\\":71')
    damaged = tmp_path / "damaged.jsonl"
    damaged.write_bytes(b"".join(lines))

    finished = run_cli(str(damaged), tmp_path=tmp_path)
    assert finished.returncode == 1
    assert f"FAILED: first bad position {target}: the event's content" in finished.stdout
    missing = run_cli(str(tmp_path / "nothing.jsonl"), tmp_path=tmp_path)
    assert missing.returncode == 1 and "cannot read" in missing.stdout


# --- changed bytes -----------------------------------------------------------------------------


@pytest.mark.parametrize("index", [3, 14, SEALED + 1], ids=["sealed", "later sealed", "unsealed"])
@pytest.mark.parametrize(
    "old, new",
    [(b'\\"visitors\\":1', b'\\"visitors\\":2'), (b"account:test", b"account:tesT"),
     (b"09:30:00.123456", b"09:30:00.123457")],
    ids=["data", "metadata", "occurred_at"],
)
async def test_one_changed_byte_is_caught_at_its_event(exported, index, old, new):
    lines = lines_of(exported)
    assert old in lines[index]
    lines[index] = lines[index].replace(old, new, 1)
    result = assert_caught_at(lines, event_of(lines[index]).position)
    assert "content" in result.problem
    assert result.events_checked == index - 1


async def test_a_changed_recorded_at_is_caught_by_the_ledger_chain(exported):
    lines = lines_of(exported)
    original = event_of(lines[5])
    lines[5] = msgspec.json.encode(msgspec.structs.replace(
        original, recorded_at=original.recorded_at.replace(year=2020))) + b"\n"
    result = assert_caught_at(lines, original.position)
    assert "ledger chain" in result.problem


# --- deleted, inserted and moved events --------------------------------------------------------


@pytest.mark.parametrize("index", [1, 6, SEALED - 1], ids=["first", "middle", "last but one"])
async def test_a_deleted_event_is_caught_where_the_chain_breaks(exported, index):
    lines = lines_of(exported)
    following = event_of(lines[index + 1]).position
    del lines[index]
    result = assert_caught_at(lines, following)
    assert "ledger chain" in result.problem


async def test_a_deleted_last_sealed_event_is_caught_by_the_end_line(exported):
    lines = lines_of(exported)
    del lines[SEALED]
    result = assert_caught_at(lines, None)
    assert "end line announces" in result.problem


async def test_a_deleted_unsealed_event_is_caught_by_its_stream(exported):
    lines = lines_of(exported)
    last = event_of(lines[-2]).position
    del lines[-3]  # the first of the two unsealed events of session-0
    result = assert_caught_at(lines, last)
    assert "jumps" in result.problem


def forged_after(lines: list[bytes], index: int, sealed: bool) -> tuple[bytes, int]:
    """A well-formed event of a new stream, rehashed, to go right after ``lines[index]``."""
    before = event_of(lines[index])
    position = max(event_of(line).position for line in lines[1:-1]) + 100
    forged = rehashed(
        before, before.chain_hash if sealed else None, position=position, event_id=uuid4(),
        seq=before.seq + 1 if sealed else None,
        stream_id="session-forged", stream_version=1, prev_hash=None,
        data='{"type":"test.counted","visitors":500,"note":""}',
    )
    return forged, position


async def test_an_inserted_event_with_its_ledger_entry_rehashed_is_caught_at_the_next_event(
    exported,
):
    lines = lines_of(exported)
    forged, _ = forged_after(lines, 8, sealed=True)
    following = event_of(lines[9]).position
    lines.insert(9, forged)
    assert verify([lines[0], *lines[1:10]]).problem.startswith("the export is truncated")  # itself well-formed
    result = assert_caught_at(lines, following)
    assert "ledger chain" in result.problem


async def test_an_inserted_event_without_a_ledger_entry_is_caught_at_itself(exported):
    lines = lines_of(exported)
    forged, position = forged_after(lines, 8, sealed=False)
    lines.insert(9, forged)
    result = assert_caught_at(lines, position)
    assert "inserted" in result.problem


async def test_an_inserted_event_at_the_end_is_caught_by_the_end_line(exported):
    lines = lines_of(exported)
    forged, _ = forged_after(lines, len(lines) - 2, sealed=False)
    lines.insert(len(lines) - 1, forged)
    result = assert_caught_at(lines, None)
    assert "end line announces" in result.problem


@pytest.mark.parametrize(
    "index", [2, 9, SEALED, SEALED + 1], ids=["other streams", "middle", "seal edge", "same stream"]
)
async def test_two_swapped_lines_are_caught_at_the_first_of_them(exported, index):
    lines = lines_of(exported)
    lines[index], lines[index + 1] = lines[index + 1], lines[index]
    assert_caught_at(lines, event_of(lines[index]).position)


async def test_a_rewritten_and_fully_rechained_tail_is_caught_only_against_the_recorded_head(
    exported, pool, tmp_path
):
    """Whoever holds the file can rehash everything after an edit, the end line included; the
    file is then consistent in itself, and only the head recorded elsewhere tells."""
    _, head = await ledger.ledger_head(pool)
    lines = lines_of(exported)
    chain = event_of(lines[SEALED - 1]).chain_hash
    last = event_of(lines[SEALED])
    lines[SEALED] = rehashed(last, chain, data=last.data.replace('"visitors":14', '"visitors":99'))
    forged_head = event_of(lines[SEALED]).chain_hash
    lines[-1] = msgspec.json.encode(export.End(events=TOTAL, sealed=SEALED,
                                               ledger_head=forged_head)) + b"\n"
    assert verify(lines).ok
    result = verify(lines, expected_head=head)
    assert not result.ok and "expected" in result.problem

    forged = tmp_path / "forged.jsonl"
    forged.write_bytes(b"".join(lines))
    assert run_cli(str(forged), "--expected-head", head, tmp_path=tmp_path).returncode == 1


# --- files cut short ---------------------------------------------------------------------------


async def test_a_file_cut_inside_a_line_is_caught_at_the_event_of_that_line(exported):
    lines = lines_of(exported)
    target = event_of(lines[12]).position
    cut = lines[:12] + [lines[12][: len(lines[12]) // 2]]
    result = assert_caught_at(cut, target)
    assert "truncated" in result.problem and result.events_checked == 11


async def test_a_file_cut_between_lines_is_caught_by_its_missing_end_line(exported):
    lines = lines_of(exported)
    last_kept = event_of(lines[15]).position
    result = assert_caught_at(lines[:16], None)
    assert result.problem == (
        f"the export is truncated: it ends after position {last_kept} without its end line")
    assert result.events_checked == 15
    only_the_end_missing = assert_caught_at(lines[:-1], None)
    assert "truncated" in only_the_end_missing.problem


async def test_anything_after_the_end_line_or_without_a_header_is_refused(exported):
    lines = lines_of(exported)
    assert "follows the end line" in verify([*lines, lines[3]]).problem
    assert "header" in verify(lines[1:]).problem
    assert "header" in verify([]).problem
