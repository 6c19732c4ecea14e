"""Two checkouts' reads compared, interleaved, run by hand:
.venv/bin/python bench/ab_reads.py [--rounds 30] [--clients 16] BEFORE AFTER

Each checkout (a directory with the project, e.g. one made by ``git worktree add``; it runs
with this interpreter) serves at once, with ``bench/load.py``'s service and seeded world on a
fresh database of its own. Then bursts of 2 s of the load mix's reads alone alternate between
them, the order swapped each round. This machine's speed drifts by more from one minute to the
next than a change of a few percent: whole bench runs one after the other cannot show such a
change, alternating bursts share the drift between both.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
from pathlib import Path

import httpx

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from bench import load  # noqa: E402
from bench.claims import drop_database, fresh_database  # noqa: E402
from services.embedded import free_port  # noqa: E402

BURST_SECONDS = 2.0


async def main(args: argparse.Namespace) -> int:
    server_url = os.environ.get("DATABASE_URL",
                                "postgresql://postgres@127.0.0.1:5432/postgres")
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    served: list[tuple[Path, str, int, subprocess.Popen[bytes], load.World]] = []
    databases: list[str] = []
    try:
        for checkout in (args.before, args.after):
            name, database_url = await fresh_database(server_url)
            databases.append(name)
            port = free_port()
            process = load.start_service(database_url, redis_url, port, checkout.resolve())
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}",
                                         timeout=60) as client:
                await load.wait_until_ready(client, process)
                world = await load.seed(client)
            # Some bookings and claims, so that calendars and boards have rows to show.
            await load.run_mix(port, world, args.clients, 6, 1, write_share=1.0)
            served.append((checkout, name, port, process, world))
        reads = {checkout: 0 for checkout, *_ in served}
        seconds = {checkout: 0.0 for checkout, *_ in served}
        for number in range(args.rounds):
            for checkout, _name, port, _process, world in served[:: 1 if number % 2 else -1]:
                samples, elapsed = await load.run_mix(
                    port, world, args.clients, BURST_SECONDS, 100 + number, write_share=0.0)
                reads[checkout] += len(samples.reads)
                seconds[checkout] += elapsed
    finally:
        for _checkout, _name, _port, process, _world in served:
            load.stop_service(process)
        for name in databases:
            await drop_database(server_url, name)
    rates = [reads[checkout] / seconds[checkout] for checkout, *_ in served]
    for (checkout, *_), rate in zip(served, rates, strict=True):
        print(f"{str(checkout):<40} reads alone {rate:>7,.0f}/s over {seconds[checkout]:.0f} s")
    print(f"after / before: {rates[1] / rates[0]:.3f}")
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--clients", type=int, default=16)
    sys.exit(asyncio.run(main(parser.parse_args())))
