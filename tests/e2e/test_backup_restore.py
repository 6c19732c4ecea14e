"""Backup and restore: pg_dump of a running system, pg_restore into a fresh database or cluster.

The tests run embedded PostgreSQL servers of their own (pgserver, 16) and its own pg_dump and
pg_restore, which match it.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import asyncpg
import pytest
from pgserver._commands import POSTGRES_BIN_PATH

from events import ledger
from events.base import EventMetadata
from events.catalog import registry
from events.sites import SiteAdded
from events.store import (
    EventStore,
    HistoryAheadOfCluster,
    PendingEvent,
    StreamWrite,
    check_transaction_ids,
    create_pool,
)
from projections.catalog import PROJECTIONS
from services.platform.database import migrate
from services.platform.embedded import EmbeddedPostgres
from tests.conftest import database_url_named
from tests.fault_service import ROOT, interrupt, own_folder, start_service
from tests.serving import base_env
from tests.helpers import read_everything, seal_everything
from tests.projection_checks import (
    differing_rows,
    read_models,
    rebuild_from_scratch,
    wait_until_caught_up,
)

pytestmark = pytest.mark.e2e
__all__ = ["own_folder"]  # a fixture, used by name

# A source cluster far ahead of a fresh one, as a production cluster is after a while.
SOURCE_NEXT_XID = 3 * 1_048_576


def dump(database_url: str, into: Path) -> None:
    subprocess.run([str(POSTGRES_BIN_PATH / "pg_dump"), "--format=custom", "--file", str(into),
                    "--dbname", database_url], check=True, timeout=60)


async def restore(server_url: str, name: str, backup: Path) -> str:
    connection = await asyncpg.connect(server_url)
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    restored = database_url_named(server_url, name)
    subprocess.run([str(POSTGRES_BIN_PATH / "pg_restore"), "--no-owner", "--exit-on-error",
                    "--dbname", restored, str(backup)], check=True, timeout=60)
    return restored


def audit_verify(database_url: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "services.platform.cli", "audit", "verify"], cwd=ROOT,
        env={**base_env(), "DATABASE_URL": database_url, "REDIS_URL": "redis://127.0.0.1:1/0"},
        capture_output=True, text=True, timeout=60,
    )


@pytest.mark.timeout(120)
async def test_a_dump_of_the_running_service_restores_verifies_and_rebuilds_equal_read_models(
    servers, own_folder
):
    postgres = EmbeddedPostgres(own_folder / "postgres")
    original_url = postgres.start()
    backup = own_folder / "treffpunkt.dump"
    try:
        service = start_service(original_url, servers.redis_url, demo=True)
        try:
            original = await create_pool(original_url, min_size=1, max_size=2)
            await wait_until_caught_up(original, PROJECTIONS, timeout=60)
            dump(original_url, backup)  # while the API and the worker run
        finally:
            interrupt(service)

        restored_url = await restore(original_url, "restored", backup)
        verified = audit_verify(restored_url)
        assert verified.returncode == 0, verified.stdout + verified.stderr
        assert verified.stdout.startswith("ok:"), verified.stdout

        restored = await create_pool(restored_url, min_size=1, max_size=2)
        try:
            await check_transaction_ids(restored)
            events = await original.fetchval("SELECT count(*) FROM events")
            assert events > 100, "the demo wrote no history worth restoring"
            assert await restored.fetchval("SELECT count(*) FROM events") == events
            await rebuild_from_scratch(restored, EventStore(restored, registry), PROJECTIONS)
            assert differing_rows(
                await read_models(original, PROJECTIONS), await read_models(restored, PROJECTIONS)
            ) == []
        finally:
            await restored.close()
            await original.close()
    finally:
        postgres.stop()


async def write_sites(store: EventStore, count: int) -> None:
    """One append (one transaction) per site, so that read order spans many transactions."""
    from datetime import UTC, datetime
    from uuid import uuid4

    for n in range(count):
        site_id = uuid4()
        await store.append(
            StreamWrite(f"site-{site_id}", 0, [PendingEvent(
                event=SiteAdded(site_id=site_id, name=f"Dorftreff {n}", village="Bredenbeck"),
                occurred_at=datetime.now(UTC),
            )]),
            metadata=EventMetadata(actor="test"),
        )


def serve_until_it_exits(database_url: str, redis_url: str) -> tuple[bool, str]:
    """Whether ``treffpunkt serve`` stopped by itself within 60 s, and what it said."""
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "services.platform.cli", "serve"], cwd=ROOT,
            env={**base_env(), "DATABASE_URL": database_url, "REDIS_URL": redis_url},
            stdout=log, stderr=subprocess.STDOUT,
        )
        try:
            process.wait(timeout=60)
            exited = True
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            exited = False
        log.seek(0)
        return exited, log.read().decode(errors="replace")


@pytest.mark.timeout(120)
async def test_a_history_restored_into_a_cluster_behind_it_is_refused_until_the_cluster_is_advanced(
    servers, own_folder
):
    source = EmbeddedPostgres(own_folder / "source")
    target = EmbeddedPostgres(own_folder / "target")
    backup = own_folder / "treffpunkt.dump"
    try:
        source_url = source.start()
        source.advance_transaction_ids(SOURCE_NEXT_XID)
        pool = await create_pool(source_url, min_size=1, max_size=2)
        try:
            async with pool.acquire() as connection:
                await migrate(connection)
            store = EventStore(pool, registry)
            await write_sites(store, 20)
            await seal_everything(pool)
            original_order = [e.event_id for e in await read_everything(store, 20)]
        finally:
            await pool.close()
        dump(source_url, backup)
        source.stop()

        restored_url = await restore(target.start(), "restored", backup)
        pool = await create_pool(restored_url, min_size=1, max_size=2)
        try:
            # What serving it would do: every restored event hidden behind the read barrier.
            assert await EventStore(pool, registry).read_all(0) == []
            with pytest.raises(HistoryAheadOfCluster, match=r"pg_resetwal -e 0 -x 4194304 "):
                await check_transaction_ids(pool)
        finally:
            await pool.close()
        exited, log = serve_until_it_exits(restored_url, servers.redis_url)
        assert exited, "`treffpunkt serve` ran on the restored history"
        assert "restored into another cluster" in log, log[-3000:]
        connection = await asyncpg.connect(restored_url)
        try:
            assert await connection.fetchval("SELECT count(*) FROM events") == 20, "it wrote"
        finally:
            await connection.close()

        target.advance_transaction_ids(4 * 1_048_576)  # as the refusal says
        pool = await create_pool(restored_url, min_size=1, max_size=2)
        try:
            await check_transaction_ids(pool)
            store = EventStore(pool, registry)
            assert [e.event_id for e in await read_everything(store, 20)] == original_order
            await write_sites(store, 3)
            after = [e.event_id for e in await read_everything(store, 23)]
            assert after[:20] == original_order, "a new event sorts before the restored history"
            await seal_everything(pool)
            verification = await ledger.verify(pool)
            assert verification.ok, verification.problem
            assert verification.events_checked == 23
        finally:
            await pool.close()
    finally:
        target.stop()
        source.stop()
