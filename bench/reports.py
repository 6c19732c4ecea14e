"""As-of replay of the funding report, run by hand: .venv/bin/python bench/reports.py [--years 1]

Writes a realistic history for four villages over the given years straight through the store
(sites, rooms, offers with weekly sessions, a visitor count per held occurrence with a few
corrections, shifts with claims and confirmed attendance, trainings), then in the same run
measures
  1. the store's decoded read_all over the whole history (the floor: a replay must read it all),
  2. the funding report for one year as of an instant (read + fold + figures), and
  3. the same as of the history's middle (fewer events folded, all still read),
and prints seconds and events/s, with the ratio of (2) to (1).

Uses DATABASE_URL if set, else the embedded server under .treffpunkt/bench.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from events import offers, rooms, shifts, sites, trainings  # noqa: E402
from events.base import EventMetadata  # noqa: E402
from events.catalog import registry  # noqa: E402
from events.store import EventStore, PendingEvent, StreamWrite, create_pool  # noqa: E402
from services.platform.database import migrate  # noqa: E402
from services.platform.embedded import EmbeddedServers  # noqa: E402
from services.reports.funding import Period, funding_report  # noqa: E402

VILLAGES = ("Linden", "Bredenbeck", "Holtensen", "Evestorf")
OFFERS = (("Mittagstisch", "community"), ("Babymassage", "participation"),
          ("Hospizbegleitung", "mental_health"), ("Zeitungscafé", "participation"),
          ("Seniorengymnastik", "movement"), ("Naturspaziergang", "movement"))
META = EventMetadata(actor="bench")


def pending(events: list, when: datetime) -> list[PendingEvent]:
    return [PendingEvent(event=e, occurred_at=when) for e in events]


async def write_history(store: EventStore, start: datetime, weeks: int, rng: random.Random) -> int:
    written = 0
    for village in VILLAGES:
        site_id, room_id = uuid.uuid4(), uuid.uuid4()
        await store.append(StreamWrite(f"site-{site_id}", 0, pending(
            [sites.SiteAdded(site_id=site_id, name=f"Dorftreff {village}", village=village)], start)),
            metadata=META)
        await store.append(StreamWrite(f"room-{room_id}", 0, pending(
            [rooms.RoomAdded(room_id=room_id, site_id=site_id, name="Saal", capacity=60)], start)),
            metadata=META)
        written += 2
        for number, (title, category) in enumerate(OFFERS):
            offer_id, session_id = uuid.uuid4(), uuid.uuid4()
            first = start + timedelta(days=number % 5, hours=9 + 2 * (number // 5))
            occurrences = [rooms.Occurrence(starts_at=first + timedelta(weeks=w),
                                            ends_at=first + timedelta(weeks=w, hours=2))
                           for w in range(weeks)]
            stream = [
                offers.SessionScheduled(session_id=session_id, offer_id=offer_id,
                                        site_id=site_id, room_id=room_id,
                                        booking_id=uuid.uuid4(), occurrences=occurrences)]
            for occurrence in occurrences:
                if rng.random() < 0.04:
                    stream.append(offers.SessionOccurrencesCancelled(
                        session_id=session_id, occurrence_starts_at=[occurrence.starts_at]))
                    continue
                visitors = rng.randint(4, 30)
                stream.append(offers.AttendanceRecorded(
                    session_id=session_id, occurrence_starts_at=occurrence.starts_at,
                    visitors=visitors))
                if rng.random() < 0.05:
                    stream.append(offers.AttendanceCorrected(
                        session_id=session_id, occurrence_starts_at=occurrence.starts_at,
                        visitors=visitors + 1, reason="nachgezählt", previous_visitors=visitors))
            await store.append(StreamWrite(f"offer-{offer_id}", 0, pending([offers.OfferCreated(
                offer_id=offer_id, site_id=site_id, title=title, category=category)], start)),
                metadata=META)
            await store.append(StreamWrite(f"session-{session_id}", 0, pending(stream, start)),
                               metadata=META)
            written += 1 + len(stream)
            for occurrence in occurrences:  # one shift per occurrence, two volunteers
                shift_id = uuid.uuid4()
                people = [uuid.uuid4(), uuid.uuid4()]
                events = [shifts.ShiftCreated(
                    shift_id=shift_id, site_id=site_id, title="Dienst",
                    starts_at=occurrence.starts_at, ends_at=occurrence.ends_at, capacity=2,
                    session_id=session_id)]
                events += [shifts.ShiftClaimed(shift_id=shift_id, volunteer_id=p) for p in people]
                events.append(shifts.ShiftAttendanceConfirmed(
                    shift_id=shift_id, present=people, starts_at=occurrence.starts_at,
                    ends_at=occurrence.ends_at))
                await store.append(StreamWrite(f"shift-{shift_id}", 0, pending(events, start)),
                                   metadata=META)
                written += len(events)
        for quarter in range(max(1, weeks // 13)):
            training_id = uuid.uuid4()
            when = start + timedelta(weeks=13 * quarter + 2)
            await store.append(StreamWrite(f"training-{training_id}", 0, pending([
                trainings.TrainingPlanned(
                    training_id=training_id, site_id=site_id, room_id=room_id,
                    booking_id=uuid.uuid4(), title="Erste Hilfe", qualification="first_aid",
                    valid_for_months=24, starts_at=when, ends_at=when + timedelta(hours=8),
                    capacity=12),
                trainings.TrainingCompleted(
                    training_id=training_id, attended=[uuid.uuid4() for _ in range(9)],
                    qualification="first_aid", valid_until=when + timedelta(days=730))],
                when)), metadata=META)
            written += 2
    return written


async def timed(work):
    started = time.perf_counter()
    result = await work()
    return time.perf_counter() - started, result


async def run(url: str, years: int) -> None:
    name = f"treffpunkt_bench_reports_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(url)
    await admin.execute(f'CREATE DATABASE "{name}"')
    bench_url = urlunsplit(urlsplit(url)._replace(path=f"/{name}"))
    try:
        connection = await asyncpg.connect(bench_url)
        await migrate(connection)
        await connection.close()
        pool = await create_pool(bench_url, min_size=2, max_size=4)
        store = EventStore(pool, registry)
        start = datetime(2025, 1, 6, tzinfo=UTC)
        written_started = time.perf_counter()
        total = await write_history(store, start, 52 * years, random.Random(7))
        middle = datetime.now(UTC)
        print(f"history: {total} events for {len(VILLAGES)} sites over {years} year(s), "
              f"written in {time.perf_counter() - written_started:.1f} s")

        async def read_everything() -> int:
            after, count = 0, 0
            while batch := await store.read_all(after, limit=5000):
                after, count = batch[-1].position, count + len(batch)
            return count

        period = Period(first_day=date(2025, 1, 1), last_day=date(2025, 12, 31))
        read_s, read_n = await timed(read_everything)
        report_s, report = await timed(lambda: funding_report(store, period, None, None))
        again_s, _ = await timed(lambda: funding_report(store, period, middle, None))
        print(f"read_all decoded:        {read_s:6.2f} s  {read_n / read_s:9.0f} events/s")
        print(f"funding report, 1 year:  {report_s:6.2f} s  {read_n / report_s:9.0f} events/s"
              f"  ({report.totals.sessions_held} sessions, {report.totals.visitors} visitors)")
        print(f"same, as_of an instant:  {again_s:6.2f} s")
        print(f"ratio report / read_all rate: {read_s / report_s:.2f}")
        await pool.close()
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--years", type=int, default=1)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL")
    embedded = EmbeddedServers(ROOT / ".treffpunkt" / "bench")
    if not url:
        url, _ = embedded.start(None, "redis://unused")
    try:
        asyncio.run(run(url, args.years))
    finally:
        embedded.stop()


if __name__ == "__main__":
    main()
