"""Row changes: what a projection's pure evolve step says about its tables, and applying them.

An evolve step turns one event into a list of changes to rows named by table and key:

- ``Upsert``: the row now has these values (it is created if missing: the key, the table's
  defaults, then the values; columns not named keep their value);
- ``Update``: an existing row gets these values (a missing row stays missing);
- ``Increment``: an existing row's columns grow by these amounts;
- ``Delete``: the row is gone.

``fold`` applies changes to rows in memory (e.g. to replay a history "as of" a past instant).
``write`` applies a batch to PostgreSQL with the same result, but first merges it in memory to
one net change per row, so a batch costs a few set-based statements per table — not one
round trip per change, and not one per run of changes of one kind.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import asyncpg
import msgspec

from events.base import Event, PositionedEvent
from projections import repairs
from projections.pipeline import Pipeline


class Upsert(msgspec.Struct, frozen=True):
    table: str
    key: Mapping[str, Any]
    values: Mapping[str, Any] = {}


class Update(msgspec.Struct, frozen=True):
    table: str
    key: Mapping[str, Any]
    values: Mapping[str, Any]


class Increment(msgspec.Struct, frozen=True):
    table: str
    key: Mapping[str, Any]
    amounts: Mapping[str, int]


class Delete(msgspec.Struct, frozen=True):
    table: str
    key: Mapping[str, Any]


RowChange = Upsert | Update | Increment | Delete


@dataclass(frozen=True)
class Schema:
    """The key columns of each logical table, and the values a new row starts with."""

    keys: Mapping[str, tuple[str, ...]]
    defaults: Mapping[str, Mapping[str, Any]]


Rows = dict[str, dict[tuple[Any, ...], dict[str, Any]]]
"""Table -> key values -> the row (every column named so far, defaults included)."""


def _grow(value: Any, amount: int) -> Any:
    return None if value is None else value + amount  # as SQL: NULL + 1 is NULL


def fold(schema: Schema, changes: Iterable[RowChange], rows: Rows | None = None) -> Rows:
    """Apply changes to rows in memory, exactly as ``write`` applies them to the tables."""
    rows = rows if rows is not None else {table: {} for table in schema.keys}
    for change in changes:
        key = tuple([change.key[column] for column in schema.keys[change.table]])
        table = rows.setdefault(change.table, {})
        row = table.get(key)
        match change:
            case Upsert():
                if row is None:
                    row = table[key] = {**schema.defaults.get(change.table, {}), **change.key}
                row.update(change.values)
            case Update() if row is not None:
                row.update(change.values)
            case Increment() if row is not None:
                for column, amount in change.amounts.items():
                    row[column] = _grow(row.get(column), amount)
            case Delete():
                table.pop(key, None)
    return rows


class _NetChange:
    """What a batch does to one row, whether or not the row exists before it.

    ``created``: the row as it ends if it was missing (None: still missing). If the row
    existed: ``replaced`` when it was deleted (then it ends as ``created``, too), else it gets
    ``sets`` and grows by ``adds``. ``created`` equals the existing row with ``sets`` applied
    unless a change reached an existing row before the row was created (``diverged``).
    """

    __slots__ = ("created", "replaced", "sets", "adds", "diverged")

    def __init__(self) -> None:
        self.created: dict[str, Any] | None = None
        self.replaced = False
        self.sets: dict[str, Any] = {}
        self.adds: dict[str, int] = {}
        self.diverged = False

    def set(self, values: Mapping[str, Any]) -> None:
        if self.created is not None:
            self.created.update(values)
        if not self.replaced:
            self.sets.update(values)
            if self.adds:
                for column in values:
                    self.adds.pop(column, None)

    def grow(self, amounts: Mapping[str, int]) -> None:
        if self.created is not None:
            for column, amount in amounts.items():
                self.created[column] = _grow(self.created.get(column), amount)
        if not self.replaced:
            for column, amount in amounts.items():
                if column in self.sets:
                    self.sets[column] = _grow(self.sets[column], amount)
                else:
                    self.adds[column] = self.adds.get(column, 0) + amount


NetChanges = dict[str, dict[tuple[Any, ...], _NetChange]]


def merge(schema: Schema, changes: Iterable[RowChange]) -> NetChanges:
    """One net change per (table, key), in first-seen order."""
    net: NetChanges = {}
    keys = schema.keys
    for change in changes:
        table = change.table
        values = change.key
        key = tuple([values[column] for column in keys[table]])
        rows = net.get(table)
        if rows is None:
            rows = net[table] = {}
        row = rows.get(key)
        if row is None:
            row = rows[key] = _NetChange()
        kind = type(change)
        if kind is Upsert:
            if row.created is None:
                row.created = {**schema.defaults.get(table, {}), **values}
            row.set(change.values)
        elif kind is Update:
            if row.created is None:
                row.diverged = True
            row.set(change.values)
        elif kind is Increment:
            if row.created is None:
                row.diverged = True
            row.grow(change.amounts)
        else:
            row.created, row.replaced = None, True
            row.sets, row.adds = {}, {}
    return net


_ROWS = "json_populate_recordset(NULL::{table}, $1::text::json) AS x"


def _matching(keys: tuple[str, ...], table: str) -> str:
    return " AND ".join(f"{table}.{k} = x.{k}" for k in keys)


class _Statements:
    """The set-based statements of one table, each with its rows (as one JSON parameter)."""

    def __init__(self, table: str, keys: tuple[str, ...]) -> None:
        self.table, self.keys = table, keys
        self.deletes: list[dict[str, Any]] = []
        self.updates: dict[tuple[tuple[str, ...], tuple[str, ...]], list[dict[str, Any]]] = {}
        self.inserts: dict[tuple[tuple[str, ...], tuple[str, ...]], list[dict[str, Any]]] = {}

    def add(self, key: tuple[Any, ...], row: _NetChange) -> None:
        if row.replaced:
            self.deletes.append(dict(zip(self.keys, key)))
            if row.created is not None:
                self._insert(row.created, ())
        elif row.created is None or row.diverged or row.adds:
            if row.sets or row.adds:
                self.updates.setdefault((tuple(row.sets), tuple(row.adds)), []).append(
                    {**dict(zip(self.keys, key)), **row.sets, **row.adds})
            if row.created is not None:
                self._insert(row.created, ())
        else:
            self._insert(row.created, tuple(row.sets))

    def _insert(self, row: dict[str, Any], sets: tuple[str, ...]) -> None:
        self.inserts.setdefault((tuple(row), sets), []).append(row)

    def sql(self) -> Iterable[tuple[str, list[dict[str, Any]]]]:
        """In order: deletes, updates of existing rows, inserts (or upserts)."""
        table, rows = self.table, _ROWS.format(table=self.table)
        if self.deletes:
            yield (f"DELETE FROM {table} USING {rows} WHERE {_matching(self.keys, table)}",
                   self.deletes)
        for (sets, adds), group in self.updates.items():
            assignments = [f"{c} = x.{c}" for c in sets]
            assignments += [f"{c} = {table}.{c} + x.{c}" for c in adds]
            yield (f"UPDATE {table} SET {', '.join(assignments)} FROM {rows} "
                   f"WHERE {_matching(self.keys, table)}"), group
        for (columns, sets), group in self.inserts.items():
            names = ", ".join(columns)
            conflict = (
                "DO UPDATE SET " + ", ".join(f"{c} = EXCLUDED.{c}" for c in sets)
                if sets else "DO NOTHING"
            )
            yield (f"INSERT INTO {table} ({names}) SELECT {names} FROM {rows} "
                   f"ON CONFLICT ({', '.join(self.keys)}) {conflict}"), group


_encode = msgspec.json.Encoder().encode


def statements(
    tables: Mapping[str, str], schema: Schema, changes: Iterable[RowChange]
) -> list[tuple[str, bytes]]:
    """The statements that apply a batch of changes to the physical ``tables``, a few per
    table, each with its rows as one JSON text."""
    planned = []
    for table, rows in merge(schema, changes).items():
        table_statements = _Statements(tables[table], schema.keys[table])
        for key, row in rows.items():
            table_statements.add(key, row)
        planned += [(sql, _encode(group)) for sql, group in table_statements.sql()]
    return planned


async def write(
    connection: Pipeline | asyncpg.Connection,
    tables: Mapping[str, str],
    schema: Schema,
    changes: Iterable[RowChange],
) -> None:
    """Apply a batch of changes to the physical ``tables``, in a few statements per table."""
    for sql, rows in statements(tables, schema, changes):
        await connection.execute(sql, rows.decode())


Step = TypeVar("Step", bound=Callable[[Any], list[RowChange]])


class Evolve:
    """A pure evolve step made of one function per event type it handles.

    The event's type picks the function with one dict lookup, so a read model pays next to
    nothing for the many events it ignores (a ``match`` tries every case first)."""

    def __init__(self) -> None:
        self._steps: dict[type[Event], Callable[[Any], list[RowChange]]] = {}

    def on(self, *kinds: type[Event]) -> Callable[[Step], Step]:
        def register(step: Step) -> Step:
            for kind in kinds:
                self._steps[kind] = step
            return step
        return register

    @property
    def tags(self) -> frozenset[str]:
        """The tags of the event types it handles."""
        return frozenset(kind.__struct_config__.tag for kind in self._steps)  # type: ignore[misc]

    def __call__(self, event: Event) -> list[RowChange]:
        step = self._steps.get(type(event))
        return [] if step is None else step(event)

    def changes(self, events: Iterable[PositionedEvent]) -> Iterator[RowChange]:
        """The changes of every event it handles (an undecoded event, None, it does not)."""
        steps = self._steps
        for recorded in events:
            step = steps.get(type(recorded.event))
            if step is not None:
                yield from step(recorded.event)


@dataclass(frozen=True)
class RowProjection:
    """A read model kept by a pure evolve step: its tables, and applying a batch of events
    (the ``Projection`` the runner feeds)."""

    name: str
    tables: Mapping[str, str]
    """Logical table name -> column definitions (the body of CREATE TABLE)."""
    indexes: Sequence[str]
    schema: Schema
    evolve: Evolve

    @property
    def event_types(self) -> frozenset[str]:
        return self.evolve.tags

    async def apply(
        self,
        connection: Pipeline,
        tables: Mapping[str, str],
        events: Sequence[PositionedEvent],
    ) -> None:
        """Write the batch's changes; an event whose text PostgreSQL cannot hold (a NUL) is
        written made safe, and the repair recorded (``projections/repairs.py``)."""
        planned = statements(tables, self.schema, self.evolve.changes(events))
        if any(repairs.NUL_IN_JSON in rows for _, rows in planned):
            events, made = repairs.repair_batch(self.name, events, self._rows_of)
            planned = statements(tables, self.schema, self.evolve.changes(events))
            await repairs.record(connection, made)
        for sql, rows in planned:
            await connection.execute(sql, rows.decode())

    def _rows_of(self, event: Event) -> bytes:
        return _encode(self.evolve(event))
