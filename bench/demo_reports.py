"""The demo year and its reports, timed: .venv/bin/python bench/demo_reports.py [--runs 5]

Seeds the demo (``services.demo``: a year of the four Dorftreffs of the Samtgemeinde
Bersenbrück, through the commands) into a fresh database, then measures in the same run
  1. the store's decoded read_all over the whole history (the floor: every replay reads it),
  2. the funding report for the demo's calendar year as JSON, CSV and PDF,
  3. the timesheet annex as JSON and PDF (names put in from the volunteers' keys),
  4. the changes since an instant before the seeding (every figure changed, with causes),
each the median of ``--runs``, with its ratio to (1). Prints the seeding time first.

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
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TREFFPUNKT_INSECURE_FAST_PASSWORD_HASHING", "1")

from events.catalog import registry  # noqa: E402
from events.store import EventStore, create_pool  # noqa: E402
from projections.funding_report import Period, funding_changes, funding_report  # noqa: E402
from projections.timesheet import funding_timesheet  # noqa: E402
from services.accounts.bootstrap import ensure_admin  # noqa: E402
from services.commands.handler import CommandHandler  # noqa: E402
from services.demo.seed import seed_demo  # noqa: E402
from services.platform.database import migrate  # noqa: E402
from services.platform.embedded import EmbeddedServers  # noqa: E402
from services.platform.keys import derive_keys  # noqa: E402
from services.platform.settings import Settings  # noqa: E402
from services.reports import formats, pdf  # noqa: E402
from services.reports.routes import named  # noqa: E402

SECRET = "bench-secret"


async def median(runs: int, work) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    seconds, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = await work()
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds), result


async def run(url: str, runs: int) -> None:
    name = f"treffpunkt_bench_demo_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(url)
    await admin.execute(f'CREATE DATABASE "{name}"')
    bench_url = urlunsplit(urlsplit(url)._replace(path=f"/{name}"))
    try:
        connection = await asyncpg.connect(bench_url)
        await migrate(connection)
        await connection.close()
        pool = await create_pool(bench_url, min_size=2, max_size=4)
        store = EventStore(pool, registry)
        settings = Settings(database_url=bench_url, redis_url="redis://unused",
                            secret_key=SECRET)
        await ensure_admin(CommandHandler(store), pool, derive_keys(SECRET),
                           settings.admin_email, settings.admin_password)
        before = datetime.now(UTC)
        started = time.perf_counter()
        await seed_demo(pool, store, settings)
        seeded = time.perf_counter() - started
        count = await pool.fetchval("SELECT count(*) FROM events")
        print(f"demo seeded: {count} events in {seeded:.1f} s ({count / seeded:.0f} events/s)")
        year = datetime.now(UTC).year
        period = Period(first_day=date(year, 1, 1), last_day=date(year, 12, 31))

        async def read_everything() -> int:
            after, total = 0, 0
            while batch := await store.read_all(after, limit=5000):
                after, total = batch[-1].position, total + len(batch)
            return total

        async def report():  # type: ignore[no-untyped-def]
            return await funding_report(store, period, None, None)

        async def timesheet():  # type: ignore[no-untyped-def]
            sheet = await funding_timesheet(store, period, datetime.now(UTC), None)
            return await named(store, pool, sheet)

        floor, _ = await median(runs, read_everything)
        cases = [
            ("funding report, JSON", report),
            ("funding report, CSV", lambda: _then(report(), formats.as_csv)),
            ("funding report, PDF", lambda: _then(report(), pdf.as_pdf)),
            ("timesheet, JSON", timesheet),
            ("timesheet, PDF", lambda: _then(timesheet(), pdf.timesheet_pdf)),
            ("changes since before the seeding",
             lambda: funding_changes(store, period, before - timedelta(seconds=1),
                                     datetime.now(UTC))),
        ]
        print(f"{'read_all decoded (floor)':34} {floor:7.3f} s  {count / floor:9.0f} events/s")
        for label, work in cases:
            seconds, _ = await median(runs, work)
            print(f"{label:34} {seconds:7.3f} s  × {seconds / floor:5.1f} the floor")
        await pool.close()
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def _then(document, render):  # type: ignore[no-untyped-def]
    return render(await document)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL")
    embedded = EmbeddedServers(ROOT / ".treffpunkt" / "bench")
    if not url:
        url, _ = embedded.start(None, "redis://unused")
    try:
        asyncio.run(run(url, args.runs))
    finally:
        embedded.stop()


if __name__ == "__main__":
    main()
