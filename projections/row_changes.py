"""Row changes: what a projection's pure evolve step returns, and applying a batch of them.

A change is a frozen Struct whose fields are, in order, the parameters ``$1, $2, ...`` of its
``sql`` (a statement with ``{table}`` placeholders for the physical table names). A batch runs
each run of consecutive changes of one kind as a single ``executemany``: order is kept, and a
weekly series of 500 occurrences is one round trip, not 500.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from typing import ClassVar

import asyncpg
import msgspec


class RowChange(msgspec.Struct, frozen=True, kw_only=True):
    sql: ClassVar[str]


async def apply_changes(
    connection: asyncpg.Connection, tables: Mapping[str, str], changes: Iterable[RowChange]
) -> None:
    for kind, run in itertools.groupby(changes, key=type):
        await connection.executemany(
            kind.sql.format(**tables), [msgspec.structs.astuple(change) for change in run]
        )
