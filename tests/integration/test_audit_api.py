"""The audit routes through HTTP, against real PostgreSQL and Redis: the raw history paged and
filtered, its verification, and its export, verified again offline by the command."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from events import ledger
from events.catalog import registry
from events.store import EventStore
from tests.conftest import ROOT
from tests.helpers import read_everything, seal_everything
from tests.accounts_world import (  # noqa: F401 - world is a fixture
    ADMIN,
    ALICE,
    AUDITOR,
    COORDINATOR_A,
    VOLUNTEER_SELF,
    bearer,
    world,
)
from tests.ledger_attack import as_attacker
from tests.projection_checks import every_event_readable

pytestmark = pytest.mark.integration
AUDIT_ROUTES = ("/api/audit/events", "/api/audit/verify", "/api/audit/export")


async def get(world, path: str, caller: str = AUDITOR, **params):
    return await world.client.get(path, params=params, headers=bearer(world.tokens[caller]))


async def all_pages(world, limit: int, **filters) -> list[dict]:
    """Follow the ``Link: rel="next"`` headers until a page is not full."""
    events, params = [], {"limit": limit, **filters}
    while True:
        response = await get(world, "/api/audit/events", **params)
        assert response.status_code == 200, response.text
        page = response.json()
        events += page
        assert len(page) <= limit
        if "link" not in response.headers:
            assert len(page) < limit
            return events
        assert response.headers["x-next-after"] == str(page[-1]["position"])
        params = {**params, "after": page[-1]["position"]}
        assert f"after={page[-1]['position']}" in response.headers["link"]


def verify_file(path, *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "services.platform.cli", "audit", "verify", str(path), *arguments],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )


async def test_auditors_and_admins_may_audit_and_nobody_else(world):
    for path in AUDIT_ROUTES:
        for caller, expected in [(AUDITOR, 200), (ADMIN, 200), (COORDINATOR_A, 403),
                                 (VOLUNTEER_SELF, 403), ("no token", 401),
                                 ("tampered token", 401)]:
            response = await get(world, path, caller)
            assert response.status_code == expected, (path, caller, response.text)
            if expected >= 400:
                assert response.headers["content-type"].startswith("application/problem+json")


async def test_the_history_pages_in_global_read_order_with_each_event_as_stored(world, pool):
    total = await pool.fetchval("SELECT count(*) FROM events")
    await seal_everything(pool)
    read_order = await read_everything(EventStore(pool, registry), total)

    events = await all_pages(world, limit=4)
    assert [event["position"] for event in events] == [event.position for event in read_order]

    rows = {row["position"]: row for row in await pool.fetch(
        """SELECT e.*, l.seq, l.chain_hash FROM events e JOIN ledger l USING (position)""")}
    for event in events:
        row = rows[event["position"]]
        assert event["id"] == event["event_id"] == str(row["event_id"])
        assert (event["stream_id"], event["stream_version"], event["type"],
                event["schema_version"]) == (row["stream_id"], row["stream_version"],
                                             row["type"], row["schema_version"])
        assert event["data"] == json.loads(row["data"])
        assert event["metadata"] == json.loads(row["metadata"])
        assert event["hash"] == row["hash"].hex()
        assert event["prev_hash"] == (row["prev_hash"].hex() if row["prev_hash"] else None)
        assert event["ledger"]["seq"] == row["seq"]
        assert event["ledger"]["chain_hash"] == row["chain_hash"].hex()
    assert {event["stream_id"] for event in events if event["prev_hash"] is None} == {
        event["stream_id"] for event in events}


async def test_the_page_size_defaults_to_100_and_an_unsealed_event_has_no_ledger_entry(world,
                                                                                      pool):
    everything = await every_event_readable(pool)
    response = await get(world, "/api/audit/events")
    page = response.json()
    assert len(page) == min(100, everything)
    assert all(event["ledger"] is None for event in page)  # nothing sealed in this test
    assert "link" not in response.headers


async def test_the_history_filters_by_stream_and_by_type(world, pool):
    alice = world.targets["volunteer_id"]
    await every_event_readable(pool)
    stream = await pool.fetchval(
        "SELECT stream_id FROM events WHERE data::text LIKE $1 LIMIT 1", f"%{alice}%")
    by_stream = await all_pages(world, limit=1, stream=stream)
    assert by_stream and {event["stream_id"] for event in by_stream} == {stream}
    assert [event["stream_version"] for event in by_stream] == list(range(1, len(by_stream) + 1))

    registered = await all_pages(world, limit=2, type="account.registered")
    assert len(registered) == await pool.fetchval(
        "SELECT count(*) FROM events WHERE type = 'account.registered'") >= 6
    assert {event["type"] for event in registered} == {"account.registered"}
    assert await all_pages(world, limit=5, type="no.such.type") == []


async def test_bad_paging_parameters_are_refused_naming_the_field(world):
    for params, field in [
        ({"limit": 0}, "limit"), ({"limit": 1001}, "limit"), ({"limit": "ten"}, "limit"),
        ({"after": -1}, "after"), ({"after": "x"}, "after"), ({"after": 987654}, "after"),
        ({"type": ""}, "type"), ({"stream": "s" * 201}, "stream"),
    ]:
        response = await get(world, "/api/audit/events", **params)
        assert response.status_code == 422, (params, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        assert [error["field"] for error in response.json()["errors"]] == [field], params


async def test_verify_answers_ok_with_the_ledger_head_of_everything_sealed(world, pool):
    await seal_everything(pool)
    sealed, head = await ledger.ledger_head(pool)
    response = await get(world, "/api/audit/verify")
    assert response.json() == {"ok": True, "events_checked": sealed, "head": head}


async def test_verify_names_the_first_bad_position_of_a_tampered_history(world, pool):
    await seal_everything(pool)
    target = await pool.fetchval(
        "SELECT position FROM events WHERE type = 'site.added' ORDER BY position LIMIT 1")
    await as_attacker(pool, f"""UPDATE events SET data = replace(data::text, 'Treff A',
                                'Treff X')::json WHERE position = {target}""")
    verdict = (await get(world, "/api/audit/verify", ADMIN)).json()
    assert verdict["ok"] is False and verdict["first_bad_position"] == target
    assert "content" in verdict["problem"]


async def test_the_export_streams_json_lines_that_the_command_verifies_offline(
    world, pool, tmp_path
):
    await seal_everything(pool)
    total = await pool.fetchval("SELECT count(*) FROM events")
    response = await get(world, "/api/audit/export")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/x-ndjson")
    lines = response.content.splitlines(keepends=True)
    assert len(lines) == total + 2 and all(line.endswith(b"\n") for line in lines)
    head = (await get(world, "/api/audit/verify")).json()["head"]
    assert json.loads(lines[-1]) == {"kind": "end", "events": total, "sealed": total,
                                     "ledger_head": head}

    path = tmp_path / "history.jsonl"
    path.write_bytes(response.content)
    finished = verify_file(path, "--expected-head", head)
    assert (finished.returncode, finished.stdout.strip()) == (
        0, f"ok: {total} events checked, ledger head {head}"), finished.stderr
    path.write_bytes(b"".join(lines[:-3]))
    assert verify_file(path).returncode == 1


async def test_an_erased_volunteer_leaves_a_history_that_verifies_online_and_offline(
    world, pool, tmp_path
):
    alice = world.targets["volunteer_id"]
    erased = await world.client.post(f"/api/volunteers/{alice}/erasure",
                                     headers=bearer(world.tokens[ADMIN]))
    assert erased.status_code == 200, erased.text
    assert await pool.fetchval("SELECT count(*) FROM subject_keys WHERE subject_id = $1",
                               alice) == 0
    await seal_everything(pool)

    verdict = (await get(world, "/api/audit/verify")).json()
    assert verdict["ok"] is True, verdict
    assert verdict["events_checked"] == await pool.fetchval("SELECT count(*) FROM events")
    history = await all_pages(world, limit=1000, type="volunteer.erased")
    assert [event["data"]["volunteer_id"] for event in history] == [str(alice)]

    export = (await get(world, "/api/audit/export")).content
    for personal in ALICE.values():  # the history only ever held her data as ciphertext
        assert personal.encode() not in export
    path = tmp_path / "after-erasure.jsonl"
    path.write_bytes(export)
    finished = verify_file(path, "--expected-head", verdict["head"])
    assert finished.returncode == 0, finished.stdout + finished.stderr
