"""Wake-ups under load: the API's coalescer spaces its sends, a worker runs one catch-up at a time."""

from __future__ import annotations

import asyncio
import time

import pytest

from events.notify import Coalescer
from workers.one_pass import OnePassAtATime

pytestmark = pytest.mark.unit


def recording_coalescer(min_interval: float) -> tuple[Coalescer, list[tuple[float, int]]]:
    """A coalescer whose sends are recorded as (when, position)."""
    sent: list[tuple[float, int]] = []

    async def send(position: int) -> None:
        sent.append((time.monotonic(), position))

    return Coalescer("test", send, min_interval=min_interval), sent


async def test_the_first_poke_after_a_quiet_spell_is_sent_at_once() -> None:
    coalescer, sent = recording_coalescer(min_interval=0.2)
    coalescer.start()
    try:
        poked = time.monotonic()
        coalescer.poke(7)
        for _ in range(100):
            if sent:
                break
            await asyncio.sleep(0.005)
        assert [position for _at, position in sent] == [7]
        assert sent[0][0] - poked < 0.1
    finally:
        await coalescer.close()


async def test_pokes_in_a_burst_are_folded_into_sends_spaced_by_the_interval() -> None:
    coalescer, sent = recording_coalescer(min_interval=0.05)
    coalescer.start()
    started = time.monotonic()
    try:
        for position in range(1, 201):  # 200 commits over about 0.4 s
            coalescer.poke(position)
            await asyncio.sleep(0.002)
        await asyncio.sleep(0.12)
    finally:
        await coalescer.close()
    elapsed = time.monotonic() - started
    positions = [position for _at, position in sent]
    assert positions[-1] == 200, "the newest position is always sent in the end"
    assert positions == sorted(positions)
    assert len(sent) <= elapsed / 0.05 + 1, f"{len(sent)} sends for 200 pokes in {elapsed:.2f} s"
    gaps = [later - earlier for (earlier, _), (later, _) in zip(sent, sent[1:], strict=False)]
    assert min(gaps) >= 0.05 * 0.9


async def test_without_an_interval_every_poke_between_sends_is_still_folded() -> None:
    release = asyncio.Event()
    sent: list[int] = []

    async def send(position: int) -> None:
        sent.append(position)
        await release.wait()

    coalescer = Coalescer("test", send)
    coalescer.start()
    try:
        coalescer.poke(1)
        await asyncio.sleep(0.01)
        for position in range(2, 50):
            coalescer.poke(position)
        release.set()
        await asyncio.sleep(0.05)
    finally:
        await coalescer.close()
    assert sent == [1, 49]


async def test_calls_during_a_pass_become_one_more_pass_and_return_at_once() -> None:
    passes = 0
    running = 0
    most_at_once = 0
    gate = asyncio.Event()

    async def work() -> None:
        nonlocal passes, running, most_at_once
        running += 1
        most_at_once = max(most_at_once, running)
        passes += 1
        if passes == 1:
            await gate.wait()
        await asyncio.sleep(0)
        running -= 1

    catch_up = OnePassAtATime(work)
    first = asyncio.create_task(catch_up())
    await asyncio.sleep(0.01)
    # Ten wake-ups while the first pass runs: each returns at once, and ask for one pass more.
    await asyncio.wait_for(asyncio.gather(*(catch_up() for _ in range(10))), timeout=1)
    assert passes == 1
    gate.set()
    await first
    assert passes == 2
    assert most_at_once == 1
    await catch_up()
    assert passes == 3, "once idle, a call runs a pass of its own"


async def test_a_failing_pass_lets_the_next_call_run_again() -> None:
    calls = 0

    async def work() -> None:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("database gone")

    catch_up = OnePassAtATime(work)
    with pytest.raises(RuntimeError):
        await catch_up()
    await catch_up()
    assert calls == 2
