"""Row changes merged per batch and written to PostgreSQL end as folding them one by one in
memory does, however the changes are split into batches."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest

from projections.row_changes import (
    Delete,
    Increment,
    RowChange,
    Schema,
    Update,
    Upsert,
    fold,
    write,
)

pytestmark = pytest.mark.integration

TABLES = {"rc_slots": "rc_slots_g1", "rc_names": "rc_names_g1"}
SCHEMA = Schema(
    keys={"rc_slots": ("slot", "starts_at"), "rc_names": ("name_id",)},
    defaults={"rc_slots": {"label": None, "taken": 0, "closed": False, "tags": []}},
)
DDL = {
    "rc_slots_g1": """slot integer NOT NULL, starts_at timestamptz NOT NULL, label text,
                      taken integer NOT NULL DEFAULT 0, closed boolean NOT NULL DEFAULT false,
                      tags text[] NOT NULL DEFAULT '{}', PRIMARY KEY (slot, starts_at)""",
    "rc_names_g1": "name_id integer PRIMARY KEY, label text",
}
MONDAY = datetime(2027, 3, 1, 17, tzinfo=UTC)


def random_changes(rng: random.Random, count: int) -> list[RowChange]:
    """Every kind of change on a few keys, so that each meets the others in every order, on
    rows that exist before the batch and rows that do not."""
    changes: list[RowChange] = [
        Upsert("rc_slots", {"slot": slot, "starts_at": MONDAY + timedelta(days=day)})
        for slot in range(4) for day in range(3) if rng.random() < 0.5
    ]
    for _ in range(count):
        slot = {"slot": rng.randrange(4), "starts_at": MONDAY + timedelta(days=rng.randrange(3))}
        label = rng.choice(["Chor", "Tresen", "it's \"quoted\"", "Grüße\\n"])
        changes.append(rng.choice([
            Upsert("rc_slots", slot, {"label": label}),
            Upsert("rc_slots", slot, {"label": label, "tags": [label, "x"]}),
            Upsert("rc_slots", slot),
            Update("rc_slots", slot, {"closed": rng.random() < 0.5}),
            Increment("rc_slots", slot, {"taken": rng.choice([1, -1, 2])}),
            Delete("rc_slots", slot) if rng.random() < 0.3 else Upsert("rc_slots", slot),
            Upsert("rc_names", {"name_id": rng.randrange(3)}, {"label": label}),
            Delete("rc_names", {"name_id": rng.randrange(3)}),
        ]))
    return changes


async def table_rows(connection: asyncpg.Connection) -> dict[str, Any]:
    rows = {}
    for table, physical in TABLES.items():
        keys = SCHEMA.keys[table]
        rows[table] = {tuple(r[k] for k in keys): dict(r)
                       for r in await connection.fetch(f"SELECT * FROM {physical}")}
    return rows


@pytest.mark.parametrize("seed", range(12))
async def test_a_batch_written_at_once_ends_as_the_changes_folded_one_by_one(pool, seed):
    rng = random.Random(seed)
    changes = random_changes(rng, 300)
    async with pool.acquire() as connection:
        for physical, columns in DDL.items():
            await connection.execute(f"CREATE TABLE {physical} ({columns})")
        at = 0
        while at < len(changes):
            size = rng.choice([1, 3, 10, 40])
            async with connection.transaction():
                await write(connection, TABLES, SCHEMA, changes[at:at + size])
            at += size
        assert await table_rows(connection) == fold(SCHEMA, changes)
