"""Row changes: what a pure evolve step says about a read model, and the two ways to apply them.

A projection's evolve step turns one event into a list of ``Upsert``: "the row of ``table`` with
this key now has these values" (columns not named keep their value, or their default for a new
row). The same changes are written to PostgreSQL by ``write`` (a batch collapses to one upsert
per row, sent with one ``executemany`` per table and column set) or folded into plain dicts in
memory by ``fold`` — e.g. to replay a history "as of" a past instant without touching a table.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import asyncpg


@dataclass(frozen=True)
class Upsert:
    table: str
    key: Mapping[str, Any]
    values: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Schema:
    """The key columns of each logical table, and the values a new row starts with."""

    keys: Mapping[str, tuple[str, ...]]
    defaults: Mapping[str, Mapping[str, Any]]


Rows = dict[str, dict[tuple[Any, ...], dict[str, Any]]]
"""Table -> key values -> the row (every column named so far, defaults included)."""


def fold(schema: Schema, changes: Iterable[Upsert], rows: Rows | None = None) -> Rows:
    """Apply changes to rows in memory, exactly as ``write`` applies them to the tables."""
    rows = rows if rows is not None else {table: {} for table in schema.keys}
    for change in changes:
        key = tuple(change.key[column] for column in schema.keys[change.table])
        table = rows.setdefault(change.table, {})
        row = table.get(key)
        if row is None:
            row = table[key] = {**schema.defaults.get(change.table, {}), **change.key}
        row.update(change.values)
    return rows


def collapse(schema: Schema, changes: Iterable[Upsert]) -> list[Upsert]:
    """One upsert per row, the later value of a column winning; rows in first-seen order."""
    merged: dict[tuple[str, tuple[Any, ...]], Upsert] = {}
    for change in changes:
        key = (change.table, tuple(change.key[column] for column in schema.keys[change.table]))
        earlier = merged.get(key)
        merged[key] = (
            change if earlier is None
            else Upsert(change.table, change.key, {**earlier.values, **change.values})
        )
    return list(merged.values())


async def write(
    connection: asyncpg.Connection,
    tables: Mapping[str, str],
    schema: Schema,
    changes: Sequence[Upsert],
) -> None:
    """Upsert the changes into the physical ``tables``: one round trip per table and column set."""
    groups: dict[tuple[str, tuple[str, ...]], list[Upsert]] = {}
    for change in collapse(schema, changes):
        groups.setdefault((change.table, tuple(sorted(change.values))), []).append(change)
    for (table, columns), group in groups.items():
        keys = schema.keys[table]
        names = (*keys, *columns)
        placeholders = ", ".join(f"${i}" for i in range(1, len(names) + 1))
        update = (
            "DO UPDATE SET " + ", ".join(f"{c} = EXCLUDED.{c}" for c in columns)
            if columns else "DO NOTHING"
        )
        await connection.executemany(
            f"INSERT INTO {tables[table]} ({', '.join(names)}) VALUES ({placeholders}) "
            f"ON CONFLICT ({', '.join(keys)}) {update}",
            [
                [*(change.key[k] for k in keys), *(change.values[c] for c in columns)]
                for change in group
            ],
        )
