"""Two checkouts' reads (or writes) compared, interleaved, run by hand:
.venv/bin/python bench/ab_reads.py [--rounds 30] [--clients 16] [--writes] BEFORE AFTER

Each checkout (a directory with the project, e.g. one made by ``git worktree add``; it runs
with this interpreter) serves at once, with ``bench/load.py``'s service and seeded world on a
fresh database of its own. Then bursts of 2 s of the load mix's reads alone alternate between
them, the order swapped each round (``--writes``: the mix's writes alone instead). Printed per
checkout: requests per second and the CPU each cost, by role (``bench/load.py``'s
``cpu_seconds``: only that service's processes and its database's backends). This machine's speed drifts by more from one minute to the
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
from services.platform.embedded import free_port  # noqa: E402

BURST_SECONDS = 2.0


async def main(args: argparse.Namespace) -> int:
    server_url = os.environ.get("DATABASE_URL",
                                "postgresql://postgres@127.0.0.1:5432/postgres")
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    checkouts = [args.before, args.after]  # the same one twice is an A/A run: the noise
    processes: list[subprocess.Popen[bytes]] = []
    databases: list[str] = []
    served: list[tuple[int, load.World]] = []
    reads, seconds = [0, 0], [0.0, 0.0]
    cpu = [dict.fromkeys(load.ROLES, 0.0), dict.fromkeys(load.ROLES, 0.0)]
    kind, share = ("writes", 1.0) if args.writes else ("reads", 0.0)
    try:
        for checkout in checkouts:
            name, database_url = await fresh_database(server_url)
            databases.append(name)
            port = free_port()
            processes.append(
                load.start_service(database_url, redis_url, port, checkout.resolve()))
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}",
                                         timeout=60) as client:
                await load.wait_until_ready(client, processes[-1])
                world = await load.seed(client)
            # Some bookings and claims, so that calendars and boards have rows to show.
            await load.run_mix(port, world, args.clients, 6, 1, write_share=1.0)
            served.append((port, world))
        for number in range(args.rounds):
            for index in ((0, 1) if number % 2 else (1, 0)):
                port, world = served[index]
                before = load.cpu_seconds(processes[index].pid, databases[index])
                samples, elapsed = await load.run_mix(
                    port, world, args.clients, BURST_SECONDS, 100 + number, write_share=share)
                after = load.cpu_seconds(processes[index].pid, databases[index])
                for role in load.ROLES:
                    cpu[index][role] += after[role] - before[role]
                reads[index] += len(getattr(samples, kind))
                seconds[index] += elapsed
    finally:
        for process in processes:
            load.stop_service(process)
        for name in databases:
            await drop_database(server_url, name)
    for checkout, count, spent, used in zip(checkouts, reads, seconds, cpu, strict=True):
        by_role = ", ".join(f"{role} {1000 * used[role] / max(count, 1):.3f}"
                            for role in load.ROLES)
        print(f"{str(checkout):<40} {kind} alone {count / spent:>7,.0f}/s over {spent:.0f} s; "
              f"CPU ms per request: {by_role}")
    print(f"after / before: {(reads[1] / seconds[1]) / (reads[0] / seconds[0]):.3f}")
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--writes", action="store_true",
                        help="bursts of the mix's writes alone instead of its reads")
    sys.exit(asyncio.run(main(parser.parse_args())))
