"""Sealing the global history into a hash chain, and verifying events and chain against it."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterable
from datetime import datetime

import asyncpg
import msgspec

from events.base import StoredEvent
from events.hashing import GENESIS, digest_of, event_hash, ledger_hash
from events.rows import (
    AFTER_IN_READ_ORDER,
    COLUMNS,
    LEDGER_COLUMNS,
    READ_ORDER,
    sealed_event,
    stored_event,
)

# Any constant will do: only one sealer may extend the ledger at a time.
_SEAL_LOCK = 7_461_802_312
_BATCH = 2000

_UNSEALED = f"""
SELECT position, recorded_at, hash FROM events
 WHERE {AFTER_IN_READ_ORDER} ORDER BY {READ_ORDER} LIMIT $2"""

_SEALED_EVENTS = f"""
SELECT {COLUMNS}, {LEDGER_COLUMNS} FROM ledger JOIN events ON events.position = ledger.position
 WHERE ledger.seq > $1 ORDER BY ledger.seq LIMIT $2"""

_UNSEALED_EVENTS = f"""
SELECT {COLUMNS} FROM events
 WHERE events.position > $1
   AND NOT EXISTS (SELECT 1 FROM ledger WHERE ledger.position = events.position)
 ORDER BY events.position LIMIT $2"""


class Verification(msgspec.Struct, frozen=True, kw_only=True):
    ok: bool
    events_checked: int
    head: str | None
    """The ledger head (hex) that was checked against; None for an empty or unsealed history."""
    first_bad_position: int | None = None
    problem: str | None = None


async def seal(pool: asyncpg.Pool) -> int:
    """Extend the ledger with every event readable now, in read order; returns how many.

    Safe to run concurrently and repeatedly: one sealer holds the lock, the others return 0.
    """
    sealed = 0
    while True:
        async with pool.acquire() as connection, connection.transaction():
            if not await connection.fetchval("SELECT pg_try_advisory_xact_lock($1)", _SEAL_LOCK):
                return sealed
            last = await connection.fetchrow(
                "SELECT seq, position, chain_hash FROM ledger ORDER BY seq DESC LIMIT 1"
            )
            seq, after, chain = (last["seq"], last["position"], last["chain_hash"]) if last else (0, 0, GENESIS)
            rows = await connection.fetch(_UNSEALED, after, _BATCH)
            if not rows:
                return sealed
            entries = []
            for row in rows:
                seq += 1
                chain = ledger_hash(chain, row["position"], row["recorded_at"], row["hash"])
                entries.append((seq, row["position"], chain))
            await connection.copy_records_to_table(
                "ledger", records=entries, columns=["seq", "position", "chain_hash"]
            )
            sealed += len(entries)


async def ledger_head(pool: asyncpg.Pool | asyncpg.Connection) -> tuple[int, str | None]:
    """(number of sealed events, head hash in hex)."""
    row = await pool.fetchrow("SELECT seq, chain_hash FROM ledger ORDER BY seq DESC LIMIT 1")
    return (row["seq"], row["chain_hash"].hex()) if row else (0, None)


async def ledger_hash_at(pool: asyncpg.Pool, seq: int) -> str | None:
    """The ledger's hash (hex) at entry ``seq``; None if there is no such entry."""
    chain = await pool.fetchval("SELECT chain_hash FROM ledger WHERE seq = $1", seq)
    return chain.hex() if chain is not None else None


async def entry_with_hash(
    pool: asyncpg.Pool, chain_hash: bytes
) -> tuple[int, datetime] | None:
    """The ledger entry whose chain hash this is (a head printed on a report): its number and
    when it was sealed; None if the ledger never held it. (A scan of the ledger: checks are
    rare, and the ledger needs no index beyond its order for anything else.)"""
    row = await pool.fetchrow("SELECT seq, sealed_at FROM ledger WHERE chain_hash = $1",
                              chain_hash)
    return (row["seq"], row["sealed_at"]) if row else None


async def is_sealed(pool: asyncpg.Pool, position: int) -> bool:
    return bool(
        await pool.fetchval("SELECT EXISTS (SELECT 1 FROM ledger WHERE position = $1)", position)
    )


@contextlib.asynccontextmanager
async def snapshot(pool: asyncpg.Pool) -> AsyncIterator[asyncpg.Connection]:
    """A connection that sees one moment of the store for all its queries (REPEATABLE READ).

    Without it, a sealer running between two reads of ``stored_events`` would move events from
    the unsealed part into the ledger part that was already read, and they would be missed.
    Read only: it takes no transaction id, so it holds back no reader of the store.
    """
    async with pool.acquire() as connection, connection.transaction(
        isolation="repeatable_read", readonly=True
    ):
        yield connection


async def stored_events(pool: asyncpg.Pool, batch: int = _BATCH) -> AsyncIterator[StoredEvent]:
    """Every stored event: first the sealed ones in ledger order, then the unsealed by position.

    Read in batches; pass a connection from ``snapshot`` for a consistent whole.
    """
    after_seq = 0
    while True:
        rows = await pool.fetch(_SEALED_EVENTS, after_seq, batch)
        for row in rows:
            yield sealed_event(row)
        if len(rows) < batch:
            break
        after_seq = rows[-1]["seq"]
    after_position = 0
    while True:
        rows = await pool.fetch(_UNSEALED_EVENTS, after_position, batch)
        for row in rows:
            yield stored_event(row)
        if len(rows) < batch:
            break
        after_position = rows[-1]["position"]


async def history_page(
    pool: asyncpg.Pool,
    *,
    after: int = 0,
    limit: int = 100,
    stream_id: str | None = None,
    type: str | None = None,
) -> list[StoredEvent]:
    """Up to ``limit`` events after position ``after`` in global read order (as ``read_all``,
    behind the same barrier), raw as stored, each with its ledger entry if sealed."""
    conditions = [AFTER_IN_READ_ORDER]
    arguments: list[object] = [after, limit]
    for column, value in (("stream_id", stream_id), ("type", type)):
        if value is not None:
            arguments.append(value)
            conditions.append(f"events.{column} = ${len(arguments)}")
    rows = await pool.fetch(
        f"""SELECT {COLUMNS}, {LEDGER_COLUMNS}
              FROM events LEFT JOIN ledger ON ledger.position = events.position
             WHERE {" AND ".join(conditions)}
             ORDER BY {READ_ORDER} LIMIT $2""",
        *arguments,
    )
    return [sealed_event(row) for row in rows]


async def is_stored(pool: asyncpg.Pool, position: int) -> bool:
    return bool(
        await pool.fetchval("SELECT EXISTS (SELECT 1 FROM events WHERE position = $1)", position)
    )


class Verifier:
    """Checks events one by one, in the order sealed events then unsealed ones.

    Each event's own hash, its link to the previous event of its stream, the stream's versions
    without gaps, and, for sealed events, the ledger chain and its numbering. Used online and
    on an export.
    """

    def __init__(self) -> None:
        self.checked = 0
        self.sealed = 0
        self.last_position: int | None = None
        self.head: bytes | None = None
        self._chain = GENESIS
        self._streams: dict[str, tuple[int, bytes]] = {}
        self._first_unsealed: int | None = None
        self._seen_positions: set[int] = set()
        self.failure: tuple[int, str] | None = None

    def check(self, event: StoredEvent) -> bool:
        failure = self._failure(event)
        if failure is not None:
            self.failure = failure
            return False
        self.checked += 1
        self.last_position = event.position
        return True

    def _failure(self, event: StoredEvent) -> tuple[int, str] | None:
        if event.chain_hash is not None and self._first_unsealed is not None:
            # The sealer seals in read order: an unsealed event before a sealed one was not
            # written by the store but put in afterwards. It, not the sealed one, is the bad one.
            return self._first_unsealed, "an unsealed event precedes sealed ones: inserted afterwards"
        problem = self._problem(event)
        return (event.position, problem) if problem is not None else None

    def _problem(self, event: StoredEvent) -> str | None:
        if event.position in self._seen_positions:
            return "position appears twice"
        self._seen_positions.add(event.position)
        digest = digest_of(event)
        if event_hash(event.prev_hash, digest) != event.hash:
            return "the event's content does not match its hash"
        version, previous = self._streams.get(event.stream_id, (0, None))
        if event.stream_version != version + 1:
            return f"stream {event.stream_id} jumps from version {version} to {event.stream_version}"
        if event.prev_hash != previous:
            return "the event does not link to the previous event of its stream"
        self._streams[event.stream_id] = (event.stream_version, event.hash)
        if event.chain_hash is None:
            if self._first_unsealed is None:
                self._first_unsealed = event.position
            return None
        self._chain = ledger_hash(self._chain, event.position, event.recorded_at, event.hash)
        if self._chain != event.chain_hash:
            return "the ledger chain breaks here"
        if event.seq is not None and event.seq != self.sealed + 1:
            return f"the ledger jumps from entry {self.sealed} to {event.seq}"
        self.sealed += 1
        self.head = self._chain
        return None

    def result(self) -> Verification:
        head = self.head.hex() if self.head is not None else None
        if self.failure is not None:
            position, problem = self.failure
            return Verification(
                ok=False,
                events_checked=self.checked,
                head=head,
                first_bad_position=position,
                problem=problem,
            )
        return Verification(ok=True, events_checked=self.checked, head=head)


def verify_events(events: Iterable[StoredEvent], expected_head: str | None = None) -> Verification:
    verifier = Verifier()
    for event in events:
        if not verifier.check(event):
            return verifier.result()
    result = verifier.result()
    if expected_head is not None and result.head != expected_head:
        return Verification(
            ok=False,
            events_checked=result.events_checked,
            head=result.head,
            problem=f"the history ends at head {result.head}, expected {expected_head}",
        )
    return result


async def verify(pool: asyncpg.Pool | asyncpg.Connection) -> Verification:
    """Recompute every event hash, every stream link and the ledger chain of the whole store.

    Given a pool, all of it reads one snapshot (a sealer at work cannot make it miss events);
    given a connection, it reads in that connection's transaction, if any.
    """
    if isinstance(pool, asyncpg.Pool):
        async with snapshot(pool) as connection:
            return await _verify(connection)
    return await _verify(pool)


async def _verify(connection: asyncpg.Connection) -> Verification:
    # The sealer seals in read order, so an unsealed event that sorts before the last sealed
    # one was not written by the store: it was inserted into the past.
    inserted = await connection.fetchval(
        """SELECT min(e.position) FROM events e, ledger l, events head
            WHERE l.seq = (SELECT max(seq) FROM ledger) AND head.position = l.position
              AND (e.transaction_id, e.position) < (head.transaction_id, head.position)
              AND NOT EXISTS (SELECT 1 FROM ledger s WHERE s.position = e.position)"""
    )
    if inserted is not None:
        return Verification(
            ok=False,
            events_checked=0,
            head=(await ledger_head(connection))[1],
            first_bad_position=inserted,
            problem="an event older than the ledger head was never sealed: inserted afterwards",
        )
    # The sealer also seals in read order: each sealed event sorts after the one sealed before
    # it. If not, the read order was rewritten (a changed transaction_id), or a ledger entry was
    # forged for an event put into the past; every hash may still check out.
    out_of_order = await connection.fetchval(
        """SELECT l.position FROM ledger l
             JOIN ledger p ON p.seq = l.seq - 1
             JOIN events e ON e.position = l.position
             JOIN events pe ON pe.position = p.position
            WHERE (e.transaction_id, e.position) <= (pe.transaction_id, pe.position)
            ORDER BY l.seq LIMIT 1"""
    )
    if out_of_order is not None:
        return Verification(
            ok=False,
            events_checked=0,
            head=(await ledger_head(connection))[1],
            first_bad_position=out_of_order,
            problem="a sealed event is out of read order: the order or the ledger was rewritten",
        )
    verifier = Verifier()
    async for event in stored_events(connection):
        if not verifier.check(event):
            return verifier.result()
    sealed, head = await ledger_head(connection)
    result = verifier.result()
    if result.head != head:
        return Verification(
            ok=False,
            events_checked=result.events_checked,
            head=head,
            problem="the ledger holds entries for events that are missing",
        )
    return result
