"""Group commit: the appends waiting in one process are written together, one statement and one
transaction per group, so a busy process pays one round trip and one commit for many appends.

When the process is quiet (no group in flight, none waiting), an append waits one turn of the
event loop for others arriving with it; if none did, its caller's own task writes it, with no
hand-off to a writer task and back (which cost more event-loop turns than the statement). Else
they go together, like the appends arriving while a group is written: those wait and go
together in the next group, written by a writer task as soon as a writer is free. A group
never holds two appends of one stream (the later waits for the next group) nor one event id
twice; each append keeps its own expected versions, so one that conflicts fails alone. A caller
returns when its group has committed (or failed): nothing is acknowledged before it is durable.

The queue is bounded: an append arriving when ``max_waiting`` are waiting is refused at once with
``AppendQueueFull`` (nothing written; the API answers 503 with Retry-After), so an overloaded
process sheds load fast instead of letting every request wait seconds.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from events.interface import AppendQueueFull, PreparedAppend


class Queued:
    """One append waiting for its group; its future gets what the writer answers for it."""

    __slots__ = ("prepared", "streams", "event_ids", "future")

    def __init__(self, prepared: PreparedAppend, future: asyncio.Future[Any]) -> None:
        self.prepared = prepared
        self.streams = prepared.stream_ids
        self.event_ids = [event.event_id for event in prepared.events]
        self.future = future


WriteGroup = Callable[[Sequence[PreparedAppend]], Awaitable[Sequence[Any]]]
"""Writes a group in one transaction; answers one outcome per append, in order (or raises: then
every append of the group gets that error)."""


class GroupCommit:
    def __init__(
        self,
        write_group: WriteGroup,
        *,
        max_waiting: int = 256,
        max_group_events: int = 2000,
        max_in_flight: int = 1,
    ) -> None:
        self._write_group = write_group
        self.max_waiting = max_waiting
        self._max_group_events = max_group_events
        self._max_in_flight = max_in_flight
        self._waiting: deque[Queued] = deque()
        self._busy_streams: set[str] = set()
        self._writers = 0
        self._starting = False
        self._quiet = True
        """False from a writer task's group until its callers have run on: they come back
        together (many writers) and go together again, not one alone and the rest after it."""
        self._tasks: set[asyncio.Task[None]] = set()  # referenced while they run

    @property
    def waiting(self) -> int:
        return len(self._waiting)

    async def submit(self, prepared: PreparedAppend) -> Any:
        """The outcome of this append once its group committed or failed."""
        first = not self._writers and not self._waiting and not self._starting and self._quiet
        if first:
            if await self._nobody_joins():
                return await self._write_alone(prepared)
        elif len(self._waiting) >= self.max_waiting:
            raise AppendQueueFull(
                f"{len(self._waiting)} appends are waiting in this process already; "
                "nothing was written, try again shortly"
            )
        queued = Queued(prepared, asyncio.get_running_loop().create_future())
        if first:
            self._waiting.appendleft(queued)  # it came first: it leads the group that joined it
        else:
            self._waiting.append(queued)
        self._start_writer()
        return await queued.future

    async def _nobody_joins(self) -> bool:
        """One turn of the event loop in which the appends arriving together with a quiet
        process's first may join it (they wait: no writer starts meanwhile); whether none did."""
        self._starting = True
        try:
            await asyncio.sleep(0)
        finally:
            self._starting = False
            if self._waiting:
                self._start_writer()  # for those that joined (and this one, unless cancelled)
        return not self._waiting

    async def _write_alone(self, prepared: PreparedAppend) -> Any:
        """A quiet process's append, written in its caller's task as a group of one (a writer in
        flight like any other: what arrives meanwhile waits for the next group)."""
        self._writers += 1
        self._busy_streams.update(prepared.stream_ids)
        try:
            [outcome] = await self._write_group([prepared])
        finally:
            self._busy_streams.difference_update(prepared.stream_ids)
            self._writers -= 1
            if self._waiting:
                self._start_writer()
        return outcome

    def _start_writer(self) -> None:
        if self._writers < self._max_in_flight and not self._starting:
            # The writer takes its group when it first runs: everything submitted in this
            # turn of the event loop goes together.
            self._writers += 1
            self._starting = True
            task = asyncio.get_running_loop().create_task(self._writer())
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _writer(self) -> None:
        try:
            self._starting = False
            while group := self._take_group():
                try:
                    await self._write(group)
                finally:
                    self._busy_streams.difference_update(
                        stream for queued in group for stream in queued.streams)
        finally:
            self._writers -= 1

    def _take_group(self) -> list[Queued]:
        """The waiting appends that may go together, first come first: none of a stream that a
        group in flight or an earlier one of this group writes, and within the size limit (one
        append alone may exceed it)."""
        group: list[Queued] = []
        streams: set[str] = set()
        event_ids: set[Any] = set()
        events = 0
        kept: deque[Queued] = deque()
        while self._waiting:
            queued = self._waiting.popleft()
            if queued.future.done():  # the caller gave up (cancelled) before it was written
                continue
            size = len(queued.event_ids)
            if (
                (group and events + size > self._max_group_events)
                or self._busy_streams.intersection(queued.streams)
                or streams.intersection(queued.streams)
                or event_ids.intersection(queued.event_ids)
            ):
                kept.append(queued)
                # Whoever waits behind a stream of this group waits for the next one too.
                streams.update(queued.streams)
                continue
            group.append(queued)
            streams.update(queued.streams)
            event_ids.update(queued.event_ids)
            events += size
        self._waiting = kept
        self._busy_streams.update(stream for queued in group for stream in queued.streams)
        return group

    async def _write(self, group: list[Queued]) -> None:
        try:
            outcomes = await self._write_group([queued.prepared for queued in group])
        except asyncio.CancelledError:
            for queued in group:
                queued.future.cancel()
            raise
        except Exception as error:  # noqa: BLE001 - handed to every caller of the group
            for queued in group:
                if not queued.future.done():
                    queued.future.set_exception(error)
        else:
            for queued, outcome in zip(group, outcomes, strict=True):
                if not queued.future.done():
                    queued.future.set_result(outcome)
        if self._quiet:
            self._quiet = False
            # Runs after the callers just woken (callbacks run in the order they were queued).
            asyncio.get_running_loop().call_soon(self._settle)

    def _settle(self) -> None:
        self._quiet = True
