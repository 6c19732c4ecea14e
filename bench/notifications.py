"""Claim confirmations from event to a real SMTP sink: .venv/bin/python bench/notifications.py

In one run, against an aiosmtpd sink in this process:
  1. the reference: a plain aiosmtplib loop sending ``--messages`` messages of the same size
     over one connection (messages/s);
  2. throughput: ``--messages`` claims already stored, then the notifier's catch-up and the
     outbox's delivery (the very functions a worker runs, here without the Dramatiq/Redis hop)
     until the last confirmation is accepted (messages/s, and × the reference);
     1 and 2 alternate for ``--rounds`` rounds, each ratio against the reference measured right
     before it, and the median ratio is the figure (this machine's speed swings by a factor of
     three within minutes, so a reference measured once says little about a later phase);
  3. latency: claims written at half the reference's rate (or as fast as one writer can, if
     slower) while the worker's loop catches up and delivers every 50 ms: time from a claim's
     commit to its confirmation accepted by the sink, p50 / p99.

Uses DATABASE_URL if set, else the embedded server under .treffpunkt/bench.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import aiosmtplib
import asyncpg
from aiosmtpd.controller import Controller

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TREFFPUNKT_INSECURE_FAST_PASSWORD_HASHING", "1")

from bench.databases import fresh_database, with_database_server  # noqa: E402
from events.base import EventMetadata  # noqa: E402
from events.catalog import registry  # noqa: E402
from events.store import EventStore, create_pool  # noqa: E402
from projections import unsubscribe  # noqa: E402
from projections.notifier import NOTIFIER  # noqa: E402
from projections.runner import ensure_projection, run_once  # noqa: E402
from services.commands.handler import CommandHandler  # noqa: E402
from services.shifts.decider import SHIFTS, ClaimShift, CreateShift  # noqa: E402
from services.sites.decider import SITES, AddSite  # noqa: E402
from services.volunteers import service as volunteers  # noqa: E402
from workers.mail.outbox import deliver_due  # noqa: E402
from workers.mail.smtp import MailSettings, smtp_server  # noqa: E402

ACTOR = EventMetadata(actor="bench")
PER_SHIFT = 50


class Sink:
    def __init__(self) -> None:
        self.accepted: dict[str, float] = {}

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        # The envelope's recipient: parsing each message here would spend this process's
        # CPU (the sink shares it) on the measuring instrument.
        self.accepted[envelope.rcpt_tos[0]] = time.perf_counter()
        return "250 OK"


async def reference(port: int, count: int, size: int) -> float:
    message = EmailMessage()
    message["From"], message["Subject"] = "bench@treffpunkt.example", "Referenz"
    message.set_content("x" * size)
    started = time.perf_counter()
    async with aiosmtplib.SMTP(hostname="127.0.0.1", port=port, start_tls=False) as client:
        for n in range(count):
            del message["To"]
            message["To"] = f"reference{n}@example.org"
            await client.send_message(message)
    return count / (time.perf_counter() - started)


async def world(pool: asyncpg.Pool, commands: CommandHandler, count: int, tag: str):
    site = uuid.uuid4()
    now = datetime.now(UTC)
    await commands.handle(SITES, AddSite(site_id=site, name="Dorftreff Gehrde", village="Gehrde",
                                         now=now), ACTOR)
    shifts = []
    for n in range((count + PER_SHIFT - 1) // PER_SHIFT):
        shift = uuid.uuid4()
        start = (now + timedelta(days=3, hours=5 * n)).replace(microsecond=0)
        await commands.handle(SHIFTS, CreateShift(
            shift_id=shift, site_id=site, title="Küche", starts_at=start,
            ends_at=start + timedelta(hours=4), capacity=PER_SHIFT, now=now), ACTOR)
        shifts.append(shift)
    people = []
    for n in range(count):
        address = f"{tag}{n}@example.org"
        _, volunteer = await volunteers.register(commands, pool, f"Helfer {n}", address, None,
                                                 "bench")
        people.append((shifts[n // PER_SHIFT], volunteer, address))
    return people


async def claim(commands: CommandHandler, shift: uuid.UUID, volunteer: uuid.UUID) -> None:
    await commands.handle(SHIFTS, ClaimShift(shift_id=shift, volunteer_id=volunteer,
                                             now=datetime.now(UTC)), ACTOR)


async def worker_pass(pool, store, settings) -> None:
    await run_once(pool, store, NOTIFIER)
    await deliver_due(pool, settings)


async def run(url: str, count: int, rounds: int) -> None:
    sink = Sink()
    port = 2525 + os.getpid() % 1000
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        async with fresh_database(url, "treffpunkt_bench_mail") as bench_url:
            await measure(bench_url, sink, port, count, rounds)
    finally:
        controller.stop()


async def measure(bench_url: str, sink: Sink, port: int, count: int, rounds: int) -> None:
    pool = await create_pool(bench_url, min_size=2, max_size=8)
    try:
        store = EventStore(pool, registry)
        commands = CommandHandler(store)
        await ensure_projection(pool, NOTIFIER)
        settings = MailSettings(server=smtp_server(f"smtp://127.0.0.1:{port}"),
                                sender="Treffpunkt <treffpunkt@treffpunkt.example>",
                                public_url="https://treffpunkt.example",
                                unsubscribe_key=unsubscribe.key_from_secret("bench"))

        ratios = []
        for round_ in range(1, rounds + 1):
            people = await world(pool, commands, count, f"batch{round_}-")
            for shift, volunteer, _ in people:
                await claim(commands, shift, volunteer)
            ref_rate = await reference(port, count, 6000)
            started = time.perf_counter()
            await worker_pass(pool, store, settings)
            seconds = time.perf_counter() - started
            sent = sum(1 for address in sink.accepted if address.startswith(f"batch{round_}-"))
            ratios.append(sent / seconds / ref_rate)
            print(f"round {round_}: reference (plain aiosmtplib loop) {ref_rate:,.0f} messages/s; "
                  f"{sent} confirmations, event to accepted mail, in {seconds:.2f} s: "
                  f"{sent / seconds:,.0f} messages/s ({ratios[-1]:.2f} × reference)")
        print(f"throughput: median {statistics.median(ratios):.2f} × reference over {rounds} "
              f"rounds ({', '.join(f'{r:.2f}' for r in ratios)})")

        people = await world(pool, commands, count, "paced")
        interval = 1 / (0.5 * ref_rate)
        claimed: dict[str, float] = {}
        done = asyncio.Event()

        async def worker_loop() -> None:
            while not done.is_set() or len([a for a in claimed if a in sink.accepted]) < count:
                await worker_pass(pool, store, settings)
                await asyncio.sleep(0.05)

        loop = asyncio.create_task(worker_loop())
        began = time.perf_counter()
        for n, (shift, volunteer, address) in enumerate(people):
            await asyncio.sleep(max(0.0, began + n * interval - time.perf_counter()))
            await claim(commands, shift, volunteer)
            claimed[address] = time.perf_counter()
        rate = count / (time.perf_counter() - began)
        done.set()
        await asyncio.wait_for(loop, 120)
        latencies = sorted(sink.accepted[a] - t for a, t in claimed.items())
        p99 = latencies[int(0.99 * (len(latencies) - 1))]
        print(f"latency at {rate:,.0f} claims/s (target {0.5 * ref_rate:,.0f}/s): claim to "
              f"accepted mail p50 {statistics.median(latencies) * 1000:,.0f} ms, "
              f"p99 {p99 * 1000:,.0f} ms")
    finally:
        await pool.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    asyncio.run(with_database_server(lambda url: run(url, args.messages, args.rounds))())


if __name__ == "__main__":
    main()
