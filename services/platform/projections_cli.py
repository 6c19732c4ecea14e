"""``treffpunkt projections status | rebuild NAME | rebuild --all``."""

from __future__ import annotations

import argparse
import os

import asyncpg
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Column, Table

from events.catalog import registry
from events.store import EventStore, create_pool
from projections import admin
from projections.catalog import PROJECTIONS
from projections.runner import Projection


def add_commands(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    projections = commands.add_parser("projections", help="read models: status and rebuilds")
    actions = projections.add_subparsers(dest="projections_command", required=True)
    actions.add_parser("status", help="generation, position and lag of every read model")
    rebuild = actions.add_parser(
        "rebuild",
        help="rebuild read models from the whole history (readers keep the old meanwhile)",
    )
    which = rebuild.add_mutually_exclusive_group(required=True)
    which.add_argument("name", nargs="?", help="the read model to rebuild")
    which.add_argument("--all", action="store_true", help="rebuild every read model")
    rebuild.add_argument(
        "--processes", type=_at_least_one, default=os.cpu_count() or 1, metavar="N",
        help="split the read models over N processes (default: one per core)",
    )


def _at_least_one(text: str) -> int:
    try:
        number = int(text)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}")
    return number


async def run(args: argparse.Namespace, database_url: str, console: Console | None = None) -> int:
    console = console or Console()
    pool = await create_pool(database_url, min_size=1, max_size=2)
    try:
        if args.projections_command == "status":
            console.print(status_table(
                await admin.status(pool, EventStore(pool, registry), PROJECTIONS)))
            return 0
        chosen = _chosen(args, console)
        if chosen is None:
            return 2
        generations = await _rebuild_with_progress(
            pool, EventStore(pool, registry), chosen, console,
            database_url=database_url, processes=args.processes,
        )
        for name, generation in generations.items():
            console.print(f"{name}: generation {generation} is live")
        return 0
    finally:
        await pool.close()


def _chosen(args: argparse.Namespace, console: Console) -> list[Projection] | None:
    if args.all:
        return list(PROJECTIONS)
    by_name = {projection.name: projection for projection in PROJECTIONS}
    if args.name not in by_name:
        known = ", ".join(sorted(by_name)) or "none"
        console.print(f"[red]no read model named {args.name!r}[/red] (known: {known})")
        return None
    return [by_name[args.name]]


def status_table(statuses: list[admin.ProjectionStatus]) -> Table:
    table = Table("generation", "position", "lag (events)", "lag (s)", "rebuild", "repaired",
                  "stalled")
    table.columns.insert(0, Column("read model", no_wrap=True))
    for status in statuses:
        rebuild = "-"
        if status.rebuilding is not None:
            rebuild = f"generation {status.rebuilding} at {status.rebuild_position}"
        table.add_row(
            status.name,
            str(status.generation) if status.generation is not None else "no tables yet",
            str(status.position),
            str(status.lag.events),
            f"{status.lag.seconds:.1f}",
            rebuild,
            str(status.repaired),
            status.stalled or "-",
        )
    return table


async def _rebuild_with_progress(
    pool: asyncpg.Pool, store: EventStore, projections: list[Projection], console: Console, *,
    database_url: str, processes: int,
) -> dict[str, int]:
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
    ) as progress:
        tasks = {p.name: progress.add_task(f"rebuilding {p.name}", total=None) for p in projections}

        def advance(name: str, done: int, total: int) -> None:
            progress.update(tasks[name], completed=done, total=total)

        return await admin.rebuild(
            pool, store, projections, advance, database_url=database_url, processes=processes)
