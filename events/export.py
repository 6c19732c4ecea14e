"""The whole history as JSON Lines, and its verification from the file alone (no database).

An export is, one JSON object a line, each line ending in a newline:

- a header: ``{"kind":"header","format":"treffpunkt-audit-export","version":1}``;
- every event, sealed ones in ledger order, then unsealed ones by position:
  ``{"kind":"event","position":…,"seq":…,"chain_hash":…,"event_id":…,"stream_id":…,
  "stream_version":…,"type":…,"schema_version":…,"data":…,"metadata":…,"occurred_at":…,
  "recorded_at":…,"prev_hash":…,"hash":…}``. ``data`` and ``metadata`` are JSON *strings*
  holding the stored JSON text exactly: the hash covers those bytes, and a string keeps them
  (whitespace, key order, escapes) where a re-encoded object might not. Hashes are hex;
  ``seq`` and ``chain_hash`` are null for an event not sealed yet;
- an end line: ``{"kind":"end","events":N,"sealed":M,"ledger_head":…}``. A file cut short
  lacks it (or ends in half a line), so truncation is caught even where every hash checks out.

The file proves itself consistent; that it is *the* history is proven by comparing its ledger
head with one recorded elsewhere (``GET /api/audit/verify``, a published head): a forger who
rewrites the tail and rehashes everything after it cannot reproduce a head recorded before.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Annotated
from uuid import UUID

import msgspec

from events.base import StoredEvent
from events.ledger import Verification, Verifier

FORMAT = "treffpunkt-audit-export"
VERSION = 1
MEDIA_TYPE = "application/x-ndjson"

Aware = Annotated[datetime, msgspec.Meta(tz=True)]


class Header(msgspec.Struct, frozen=True, kw_only=True, tag_field="kind", tag="header"):
    format: str = FORMAT
    version: int = VERSION


class ExportedEvent(msgspec.Struct, frozen=True, kw_only=True, tag_field="kind", tag="event"):
    position: int
    seq: int | None
    chain_hash: str | None
    event_id: UUID
    stream_id: str
    stream_version: int
    type: str
    schema_version: int
    data: str
    metadata: str
    occurred_at: Aware
    recorded_at: Aware
    prev_hash: str | None
    hash: str


class End(msgspec.Struct, frozen=True, kw_only=True, tag_field="kind", tag="end"):
    events: int
    sealed: int
    ledger_head: str | None


_encode = msgspec.json.Encoder().encode
_decode_line = msgspec.json.Decoder(Header | ExportedEvent | End).decode
# How every event line begins: a damaged line can still name the event it held.
_POSITION_OF_LINE = re.compile(rb'^\{"kind":"event","position":(\d+)')


# --- writing ----------------------------------------------------------------------------------


def _hex(value: bytes | None) -> str | None:
    return value.hex() if value is not None else None


def exported(event: StoredEvent) -> ExportedEvent:
    return ExportedEvent(
        position=event.position,
        seq=event.seq,
        chain_hash=_hex(event.chain_hash),
        event_id=event.event_id,
        stream_id=event.stream_id,
        stream_version=event.stream_version,
        type=event.type,
        schema_version=event.schema_version,
        data=event.data.decode(),
        metadata=event.metadata.decode(),
        occurred_at=event.occurred_at,
        recorded_at=event.recorded_at,
        prev_hash=_hex(event.prev_hash),
        hash=event.hash.hex(),
    )


async def export_lines(events: AsyncIterable[StoredEvent]) -> AsyncIterator[bytes]:
    """The export of ``events`` (as ``stored_events`` yields them), line by line."""
    yield _encode(Header()) + b"\n"
    count = sealed = 0
    head: bytes | None = None
    async for event in events:
        yield _encode(exported(event)) + b"\n"
        count += 1
        if event.chain_hash is not None:
            sealed += 1
            head = event.chain_hash
    yield _encode(End(events=count, sealed=sealed, ledger_head=_hex(head))) + b"\n"


# --- verifying --------------------------------------------------------------------------------


class _Damaged(Exception):
    def __init__(self, problem: str, position: int | None = None) -> None:
        super().__init__(problem)
        self.problem = problem
        self.position = position


def _stored(line: ExportedEvent) -> StoredEvent:
    try:
        return StoredEvent(
            position=line.position,
            event_id=line.event_id,
            stream_id=line.stream_id,
            stream_version=line.stream_version,
            type=line.type,
            schema_version=line.schema_version,
            data=line.data.encode(),
            metadata=line.metadata.encode(),
            occurred_at=line.occurred_at,
            recorded_at=line.recorded_at,
            prev_hash=bytes.fromhex(line.prev_hash) if line.prev_hash is not None else None,
            hash=bytes.fromhex(line.hash),
            chain_hash=bytes.fromhex(line.chain_hash) if line.chain_hash is not None else None,
            seq=line.seq,
        )
    except (ValueError, UnicodeEncodeError) as error:
        raise _Damaged(f"a hash is not hex or a text not UTF-8 ({error})", line.position) from None


def _parsed(number: int, line: bytes) -> Header | ExportedEvent | End:
    if not line.endswith(b"\n"):
        match = _POSITION_OF_LINE.match(line)
        raise _Damaged(
            f"the export is truncated: line {number} ends without a newline",
            int(match.group(1)) if match else None,
        )
    try:
        parsed = _decode_line(line)
    except msgspec.DecodeError as error:
        match = _POSITION_OF_LINE.match(line)
        raise _Damaged(f"line {number} is damaged: {error}", int(match.group(1)) if match else None) from None
    return parsed


def _failed(verifier: Verifier, problem: str, position: int | None = None) -> Verification:
    head = verifier.head.hex() if verifier.head is not None else None
    return Verification(
        ok=False, events_checked=verifier.checked, head=head,
        first_bad_position=position, problem=problem,
    )


def verify_export(lines: Iterable[bytes], expected_head: str | None = None) -> Verification:
    """Verify an export from its lines (each with its newline) alone.

    Every event hash, every stream link and the ledger chain are recomputed; the end line must
    match what was read. With ``expected_head``, the ledger head must also be that one.
    """
    verifier = Verifier()
    numbered: Iterator[tuple[int, bytes]] = enumerate(lines, start=1)
    try:
        first = next(numbered, None)
        if first is None or not isinstance(header := _parsed(*first), Header):
            return _failed(verifier, "not a Treffpunkt export: the header line is missing")
        if (header.format, header.version) != (FORMAT, VERSION):
            return _failed(verifier, f"unknown export format {header.format} {header.version}")
        end: End | None = None
        for number, line in numbered:
            if end is not None:
                return _failed(verifier, f"line {number} follows the end line")
            parsed = _parsed(number, line)
            if isinstance(parsed, End):
                end = parsed
            elif isinstance(parsed, ExportedEvent):
                if not verifier.check(_stored(parsed)):
                    return verifier.result()
            else:
                return _failed(verifier, f"line {number} is a second header")
    except _Damaged as damage:
        return _failed(verifier, damage.problem, damage.position)
    result = verifier.result()
    if end is None:
        return _failed(
            verifier,
            f"the export is truncated: it ends after position {verifier.last_position} "
            "without its end line",
        )
    if (end.events, end.sealed, end.ledger_head) != (verifier.checked, verifier.sealed, result.head):
        return _failed(
            verifier,
            f"the end line announces {end.events} events ({end.sealed} sealed, head "
            f"{end.ledger_head}); the file holds {verifier.checked} ({verifier.sealed} sealed, "
            f"head {result.head})",
        )
    if expected_head is not None and result.head != expected_head:
        return _failed(verifier, f"the history ends at head {result.head}, expected {expected_head}")
    return result


def verify_export_file(path: Path, expected_head: str | None = None) -> Verification:
    """Verify an export file, reading it line by line."""
    with path.open("rb") as file:
        return verify_export(file, expected_head)


def verdict(result: Verification) -> str:
    """The result in words, for a terminal."""
    if result.ok:
        return f"ok: {result.events_checked} events checked, ledger head {result.head or '(none sealed)'}"
    where = (
        f"first bad position {result.first_bad_position}"
        if result.first_bad_position is not None
        else "no single bad position"
    )
    return (
        f"FAILED: {where}: {result.problem} "
        f"({result.events_checked} events checked before, ledger head {result.head})"
    )
