"""The group commit's queue (events/group_commit.py), with a writer that records its groups;
what PostgreSQL makes of a group is tested in tests/integration/test_event_store.py."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest
from litestar import post
from litestar.testing import create_test_client

from events.base import EventMetadata, EventRegistry
from events.group_commit import GroupCommit
from events.interface import AppendQueueFull, PreparedAppend, prepare
from services.platform.problems import exception_handlers
from tests.store_contract import Noted, write

pytestmark = pytest.mark.unit

REGISTRY = EventRegistry()
REGISTRY.register(Noted)
METADATA = EventMetadata(actor="account:test")


def append_to(*streams: str) -> PreparedAppend:
    return prepare([write(stream, 0) for stream in streams], METADATA, REGISTRY)


class Recorder:
    def __init__(self) -> None:
        self.groups: list[list[list[str]]] = []
        self.tasks: list[asyncio.Task | None] = []
        self.release = asyncio.Event()
        self.release.set()

    async def write(self, appends: Sequence[PreparedAppend]) -> list[str]:
        self.groups.append([append.stream_ids for append in appends])
        self.tasks.append(asyncio.current_task())
        await asyncio.sleep(0)  # a write always waits for the server
        await self.release.wait()
        return ["+".join(append.stream_ids) for append in appends]


async def a_group_in_flight(**options: int) -> tuple[Recorder, GroupCommit, asyncio.Future]:
    """A commit whose first group (an append to "a") is being written until ``release``."""
    recorder = Recorder()
    recorder.release.clear()
    commit = GroupCommit(recorder.write, **options)
    first = asyncio.ensure_future(commit.submit(append_to("a")))
    await asyncio.sleep(0.01)
    return recorder, commit, first


async def test_a_quiet_process_writes_an_append_at_once_in_its_callers_own_task():
    recorder = Recorder()
    commit = GroupCommit(recorder.write)
    for stream in ("a", "b"):
        caller = asyncio.ensure_future(commit.submit(append_to(stream)))
        assert await caller == stream
        assert recorder.tasks[-1] is caller  # no hand-off to a writer task and back
    assert recorder.groups == [[["a"]], [["b"]]]


async def test_appends_arriving_together_are_written_as_one_group_in_order():
    recorder = Recorder()
    commit = GroupCommit(recorder.write)
    outcomes = await asyncio.gather(*(commit.submit(append_to(f"s-{i}")) for i in range(5)))
    assert outcomes == [f"s-{i}" for i in range(5)]
    assert recorder.groups == [[[f"s-{i}"] for i in range(5)]]
    assert recorder.tasks[0] not in asyncio.all_tasks()  # a writer task's, now ended


async def test_the_callers_of_a_group_coming_back_at_once_go_together_again():
    recorder, commit, first = await a_group_in_flight(max_in_flight=1)

    async def twice(stream: str) -> None:
        for _ in range(2):
            await commit.submit(append_to(stream))

    callers = [asyncio.ensure_future(twice(stream)) for stream in ("b", "c", "d")]
    await asyncio.sleep(0.01)
    recorder.release.set()
    await asyncio.gather(first, *callers)
    # Not the first of them alone as if the process were quiet, and the others after it.
    assert recorder.groups == [[["a"]], [["b"], ["c"], ["d"]], [["b"], ["c"], ["d"]]]


async def test_appends_arriving_while_a_group_is_written_go_together_in_the_next():
    recorder, commit, first = await a_group_in_flight(max_in_flight=1)
    later = [asyncio.ensure_future(commit.submit(append_to(f"b-{i}"))) for i in range(3)]
    await asyncio.sleep(0.01)
    assert recorder.groups == [[["a"]]] and commit.waiting == 3
    recorder.release.set()
    await asyncio.gather(first, *later)
    assert recorder.groups == [[["a"]], [["b-0"], ["b-1"], ["b-2"]]]


async def test_two_appends_of_one_stream_never_share_a_group_and_keep_their_order():
    recorder, commit, first = await a_group_in_flight(max_in_flight=1)
    more = [asyncio.ensure_future(commit.submit(append_to(*streams)))
            for streams in (("x", "y"), ("y",), ("z",), ("y", "w"))]
    await asyncio.sleep(0)
    recorder.release.set()
    await asyncio.gather(first, *more)
    assert recorder.groups == [[["a"]], [["x", "y"], ["z"]], [["y"]], [["w", "y"]]]


async def test_an_append_held_back_by_a_quiet_processs_write_is_written_after_it():
    recorder, commit, first = await a_group_in_flight(max_in_flight=2)
    same = asyncio.ensure_future(commit.submit(append_to("a")))
    await asyncio.sleep(0.01)
    assert recorder.groups == [[["a"]]] and commit.waiting == 1
    recorder.release.set()
    await asyncio.gather(first, same)
    assert recorder.groups == [[["a"]], [["a"]]]


async def test_a_group_in_flight_holds_back_its_streams_from_a_parallel_group():
    recorder, commit, first = await a_group_in_flight(max_in_flight=2)
    more = [asyncio.ensure_future(commit.submit(append_to(s))) for s in ("a", "b")]
    await asyncio.sleep(0.01)
    assert recorder.groups == [[["a"]], [["b"]]]  # the second "a" waits for the first
    recorder.release.set()
    await asyncio.gather(first, *more)
    assert recorder.groups[2:] == [[["a"]]]


async def test_a_failed_group_fails_each_of_its_appends_and_the_next_group_goes_on():
    calls = 0

    async def failing_once(appends: Sequence[PreparedAppend]) -> list[int]:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0)
        if calls == 1:
            raise ConnectionResetError("gone")
        return [7] * len(appends)

    commit = GroupCommit(failing_once)
    outcomes = await asyncio.gather(
        *(commit.submit(append_to(f"s-{i}")) for i in range(3)), return_exceptions=True)
    assert all(isinstance(o, ConnectionResetError) for o in outcomes)
    assert await commit.submit(append_to("s-0")) == 7


async def test_an_append_of_a_quiet_process_cancelled_before_it_is_written_leaves_the_rest():
    recorder = Recorder()
    commit = GroupCommit(recorder.write)
    first = asyncio.ensure_future(commit.submit(append_to("a")))
    later = asyncio.ensure_future(commit.submit(append_to("b")))
    await asyncio.sleep(0)  # the first waits its one turn for others, the later joined it
    assert commit.waiting == 1
    first.cancel()
    assert await asyncio.wait_for(later, 1) == "b"
    assert recorder.groups == [[["b"]]]


async def test_an_append_cancelled_while_waiting_is_not_written():
    recorder, commit, first = await a_group_in_flight(max_in_flight=1)
    given_up = asyncio.ensure_future(commit.submit(append_to("b")))
    kept = asyncio.ensure_future(commit.submit(append_to("c")))
    await asyncio.sleep(0.01)
    given_up.cancel()
    recorder.release.set()
    await asyncio.gather(first, kept)
    assert recorder.groups == [[["a"]], [["c"]]]


async def test_the_queue_is_bounded_and_refuses_at_once():
    recorder, commit, first = await a_group_in_flight(max_waiting=2, max_in_flight=1)
    waiting = [asyncio.ensure_future(commit.submit(append_to(s))) for s in ("b", "c")]
    await asyncio.sleep(0)
    with pytest.raises(AppendQueueFull, match="try again"):
        await commit.submit(append_to("d"))
    recorder.release.set()
    await asyncio.gather(first, *waiting)
    assert await commit.submit(append_to("d")) == "d"


def test_a_full_queue_is_answered_503_with_retry_after():
    recorder = Recorder()
    recorder.release.clear()
    commit = GroupCommit(recorder.write, max_waiting=0)

    @post("/notes")
    async def add_note() -> None:
        in_flight = asyncio.ensure_future(commit.submit(append_to("m")))
        await asyncio.sleep(0)
        try:
            await commit.submit(append_to("n"))
        finally:
            in_flight.cancel()

    with create_test_client([add_note], exception_handlers=exception_handlers) as client:
        response = client.post("/notes")
    assert response.status_code == 503
    assert response.headers["retry-after"] == "1"
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "nothing was stored" in response.json()["detail"]
