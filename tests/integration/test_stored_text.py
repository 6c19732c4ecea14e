"""Text stored before today's checks (issue 17): a NUL or a line break in a stored event never
stalls a read model and never breaks a calendar feed. The events are appended through the store
directly, past every check, as an instance of an older version holds them."""

from __future__ import annotations

import asyncio
import csv
import io
import re
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit
from uuid import uuid4

import asyncpg
import icalendar
import msgspec
import pytest

from events.base import Event
from events.handovers import HandoverOffered
from events.offers import AttendanceCorrected, AttendanceRecorded, OfferCreated, SessionScheduled
from events.rooms import Occurrence, RoomAdded, RoomBooked
from events.qualifications import QualificationDefined, QualificationName, qualification_id
from events.shifts import (
    ShiftAttendanceConfirmed,
    ShiftClaimed,
    ShiftCreated,
    VolunteerShiftClaimed,
)
from events.sites import SiteAdded
from events.store import EventStore
from events.trainings import TrainingCompleted, TrainingPlanned, VolunteerQualified
from projections import admin
from projections.catalog import PROJECTIONS
from projections.directory import DIRECTORY
from projections.volunteer_sites import VOLUNTEER_SITES
from projections.runner import ensure_projection, record_failure, run_once, run_together
from tests.helpers import read_everything
from tests.accounts_world import ADMIN, AUDITOR, COORDINATOR_A, VOLUNTEER_SELF
from tests.scheduling_world import World, world  # noqa: F401 - a fixture
from tests.projection_checks import differing_rows, read_models, rebuild_from_scratch, workers
from tests.storing import stored

pytestmark = pytest.mark.integration

HELD = datetime(2026, 3, 2, 9, tzinfo=UTC)
"""An occurrence of last March: counted, served, in the funding report."""
COMING = datetime.now(UTC).replace(microsecond=0) + timedelta(days=3)
"""An occurrence a few days ahead: in the calendar feeds."""


async def caught_up(pool: asyncpg.Pool, store: EventStore) -> dict[str, admin.ProjectionStatus]:
    """Every read model caught up as a worker does it (one pass, all together)."""
    for projection in PROJECTIONS:
        await ensure_projection(pool, projection)
    await run_together(pool, store, PROJECTIONS)
    return {status.name: status for status in await admin.status(pool, store, PROJECTIONS)}


async def read(world: World, caller: str, path: str, position: int) -> object:
    separator = "&" if "?" in path else "?"
    response = await world.call(caller, "GET", f"{path}{separator}min_position={position}")
    assert response.status_code == 200, response.text
    return response


def held_programme(world: World) -> tuple[list[Event], dict[str, object]]:
    """A room, an offer with a counted session, a served shift and a completed training, every
    text of them holding a NUL; and the ids."""
    ids = {name: uuid4() for name in ("room", "offer", "session", "booking", "shift",
                                      "training", "training_booking", "site")}
    held = Occurrence(starts_at=HELD, ends_at=HELD + timedelta(hours=2))
    training = Occurrence(starts_at=HELD + timedelta(days=1), ends_at=HELD + timedelta(days=1,
                                                                                      hours=3))
    valid_until = HELD + timedelta(days=730)
    alice = world.alice
    return [
        SiteAdded(site_id=ids["site"], name="Dorftreff\x00Nord", village="Nord\x00dorf"),
        RoomAdded(room_id=ids["room"], site_id=world.site_a, name="Saal\x00", capacity=20),
        OfferCreated(offer_id=ids["offer"], site_id=world.site_a, title="Yoga\x00am Morgen",
                     category="movement", description="Matten\x00mitbringen\nbitte"),
        RoomBooked(room_id=ids["room"], booking_id=ids["booking"], title="Yoga\x00am Morgen",
                   occurrences=[held], session_id=ids["session"]),
        SessionScheduled(session_id=ids["session"], offer_id=ids["offer"],
                         site_id=world.site_a, room_id=ids["room"], booking_id=ids["booking"],
                         occurrences=[held]),
        AttendanceRecorded(session_id=ids["session"], occurrence_starts_at=HELD, visitors=7,
                           breakdown={"Kinder\x00": 3}),
        AttendanceCorrected(session_id=ids["session"], occurrence_starts_at=HELD, visitors=8,
                            breakdown={"Kinder\x00": 4}, reason="nach\x00gezählt",
                            previous_visitors=7),
        ShiftCreated(shift_id=ids["shift"], site_id=world.site_a, title="Tresen\x00dienst",
                     starts_at=HELD, ends_at=HELD + timedelta(hours=2), capacity=2,
                     required_qualifications=["Hygiene\x00"], session_id=ids["session"]),
        ShiftClaimed(shift_id=ids["shift"], volunteer_id=alice),
        VolunteerShiftClaimed(volunteer_id=alice, shift_id=ids["shift"], starts_at=HELD,
                              ends_at=HELD + timedelta(hours=2)),
        ShiftAttendanceConfirmed(shift_id=ids["shift"], present=[alice], starts_at=HELD,
                                 ends_at=HELD + timedelta(hours=2), reason="spät\x00"),
        RoomBooked(room_id=ids["room"], booking_id=ids["training_booking"],
                   title="Erste\x00Hilfe", occurrences=[training], training_id=ids["training"]),
        TrainingPlanned(training_id=ids["training"], site_id=world.site_a, room_id=ids["room"],
                        booking_id=ids["training_booking"], title="Erste\x00Hilfe",
                        qualification="Hygiene\x00", valid_for_months=24,
                        starts_at=training.starts_at, ends_at=training.ends_at, capacity=10),
        TrainingCompleted(training_id=ids["training"], attended=[alice],
                          qualification="Hygiene\x00", valid_until=valid_until),
        VolunteerQualified(volunteer_id=alice, qualification="Hygiene\x00",
                           valid_until=valid_until, training_id=ids["training"]),
        QualificationDefined(qualification_id=qualification_id("Hygiene\x00"),
                             code="Hygiene\x00", default_valid_for_months=24,
                             name=QualificationName(de="Hygi\x00ene", en="Hygiene")),
        HandoverOffered(handover_id=ids["training"], shift_id=ids["shift"], site_id=world.site_a,
                        from_volunteer_id=alice, title="Tresen\x00dienst", starts_at=HELD,
                        ends_at=HELD + timedelta(hours=2)),
    ], ids


async def test_a_store_holding_nul_in_its_text_catches_up_every_read_model_made_safe(
    world: World, pool, store: EventStore  # noqa: F811
):
    # An instance of the version before: read models of their own shape, caught up so far ...
    await caught_up(pool, store)
    await pool.execute("DROP TABLE projection_repairs")
    await pool.execute("ALTER TABLE projection_state DROP COLUMN failures, "
                             "DROP COLUMN failure")
    # ... then events it accepted, and the upgrade: workers start and catch up.
    events, ids = held_programme(world)
    await stored(store, *events)
    statuses = await caught_up(pool, store)
    assert {name: s.lag.events for name, s in statuses.items()} == {p.name: 0 for p in PROJECTIONS}
    assert all(s.stalled is None for s in statuses.values())
    without_text = {VOLUNTEER_SITES.name}  # ids and times only
    holding_text = [p.name for p in PROJECTIONS if p.name not in without_text]
    assert all(statuses[name].repaired > 0 for name in holding_text), statuses
    assert all(statuses[name].repaired == 0 for name in without_text)
    repairs = await pool.fetch(
        "SELECT field FROM projection_repairs WHERE name = 'directory' ORDER BY field")
    assert [r["field"] for r in repairs] == ["description", "name", "name", "title", "village"]

    # Later events are applied too: the read models moved on.
    later = await world.created(COORDINATOR_A, "/api/offers", {
        "site_id": str(world.site_a), "title": "Skat", "category": "community"})
    await read_everything(store, await store.count())
    await caught_up(pool, store)
    position = later["position"]

    offers = (await read(world, ADMIN, "/api/offers", position)).json()
    assert {(o["title"], o["description"]) for o in offers} == {
        ("Yoga\ufffdam Morgen", "Matten\ufffdmitbringen\nbitte"), ("Skat", None)}
    rooms = (await read(world, ADMIN, f"/api/rooms?site_id={world.site_a}", position)).json()
    assert "Saal\ufffd" in {room["name"] for room in rooms}
    sites = (await read(world, ADMIN, "/api/sites", position)).json()
    assert ("Dorftreff\ufffdNord", "Nord\ufffddorf") in {(s["name"], s["village"]) for s in sites}
    shifts = (await read(world, ADMIN, f"/api/shifts?site_id={world.site_a}"
                                       "&from=2026-03-01T00:00:00Z", position)).json()
    assert [(s["title"], s["required_qualifications"]) for s in shifts] == [
        ("Tresen\ufffddienst", ["Hygiene\ufffd"])]
    record = (await read(world, ADMIN, f"/api/volunteers/{world.alice}/training-record",
                         position)).json()
    assert [q["qualification"] for q in record["qualifications"]] == ["Hygiene\ufffd"]
    stats = (await read(world, AUDITOR, "/api/stats/attendance?from=2026-03-01T00:00:00Z"
                                        "&to=2026-04-01T00:00:00Z&group_by=offer",
                        position)).json()
    assert "Yoga\ufffdam Morgen" in msgspec.json.encode(stats).decode()

    metrics = (await world.call(ADMIN, "GET", "/metrics")).text
    for projection in PROJECTIONS:
        repaired = "[1-9]" if projection.name in holding_text else "0"
        assert re.search(rf'treffpunkt_projection_repaired_values{{name="{projection.name}"}} '
                         rf"{repaired}", metrics), metrics
        assert f'treffpunkt_projection_stalled{{name="{projection.name}"}} 0' in metrics
    ready = await world.call(ADMIN, "GET", "/ready")
    assert ready.status_code == 200, ready.text

    # The history itself is untouched: it reports, exports and verifies as stored.
    report = await world.call(AUDITOR, "GET", "/api/reports/funding?from=2026-01-01"
                                              "&to=2026-12-31")
    assert report.status_code == 200, report.text
    [site] = [s for s in report.json()["sites"] if s["site_id"] == str(world.site_a)]
    [offer] = [o for o in site["offers"] if o["offer_id"] == str(ids["offer"])]
    assert (offer["title"], offer["visitors"], offer["volunteer_hours"]) == (
        "Yoga\x00am Morgen", 8, 2.0)
    spreadsheet = await world.call(AUDITOR, "GET", "/api/reports/funding?from=2026-01-01"
                                                   "&to=2026-12-31&format=csv")
    assert spreadsheet.status_code == 200, spreadsheet.text
    assert any("Yoga" in "".join(row) for row in csv.reader(io.StringIO(spreadsheet.text),
                                                            delimiter=";"))
    pdf = await world.call(AUDITOR, "GET", "/api/reports/funding?from=2026-01-01&to=2026-12-31"
                                           "&format=pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF"), pdf.text[:500]
    export = await world.call(AUDITOR, "GET", "/api/audit/export")
    assert export.status_code == 200, export.text
    exported = [msgspec.json.decode(line) for line in export.content.splitlines()]
    assert "Yoga\x00am Morgen" in [msgspec.json.decode(line["data"]).get("title")
                                   for line in exported if line["kind"] == "event"]
    verified = await world.call(AUDITOR, "GET", "/api/audit/verify")
    assert verified.status_code == 200 and verified.json()["ok"] is True, verified.text


async def test_a_rebuild_repairs_the_same_values_again_and_counts_each_once(
    world: World, pool, store: EventStore  # noqa: F811
):
    events, _ = held_programme(world)
    await stored(store, *events)
    before = await caught_up(pool, store)
    live = await read_models(pool, PROJECTIONS)

    await rebuild_from_scratch(pool, store, PROJECTIONS)

    assert differing_rows(live, await read_models(pool, PROJECTIONS)) == []
    after = {s.name: s for s in await admin.status(pool, store, PROJECTIONS)}
    assert {name: s.repaired for name, s in after.items()} == {
        name: s.repaired for name, s in before.items()}


# Calendar feeds -----------------------------------------------------------------------------

BROKEN = "Saal\nGroß\r\nKüche\x1b[31m\u2028Flur\x7f\x85;,\\"
"""Every kind of line break and control a name could hold, and the characters TEXT escapes."""
ONE_LINE = "Saal Groß Küche\ufffd[31m Flur\ufffd ;,\\"


def content_lines(feed: bytes) -> list[str]:
    """The feed's content lines, unfolded (RFC 5545, 3.1)."""
    text = feed.decode("utf-8")
    assert text.endswith("\r\n")
    return text[:-2].replace("\r\n ", "").replace("\r\n\t", "").split("\r\n")


def assert_valid_rfc5545(feed: bytes) -> icalendar.Calendar:
    """Every content line holds no control character but tab, and icalendar reads it back."""
    for line in content_lines(feed):
        assert not re.search(r"[\x00-\x08\x0a-\x1f\x7f]", line), repr(line)
        assert re.match(r"[A-Za-z0-9-]+[;:]", line), repr(line)
    return icalendar.Calendar.from_ical(feed)


async def test_a_room_feed_holds_a_stored_line_break_or_control_in_its_name_and_titles(
    world: World, pool, store: EventStore  # noqa: F811
):
    room_id, booking_id = uuid4(), uuid4()
    position = await stored(
        store,
        RoomAdded(room_id=room_id, site_id=world.site_a, name=BROKEN, capacity=12),
        RoomBooked(room_id=room_id, booking_id=booking_id, title=f"Chor {BROKEN}",
                   occurrences=[Occurrence(starts_at=COMING, ends_at=COMING + timedelta(hours=1))]),
    )
    await caught_up(pool, store)

    for caller in (ADMIN, COORDINATOR_A, VOLUNTEER_SELF):
        feed = await read(world, caller, f"/api/rooms/{room_id}/calendar.ics", position)
        parsed = assert_valid_rfc5545(feed.content)
        assert str(parsed["X-WR-CALNAME"]) == ONE_LINE
        [event] = parsed.walk("VEVENT")
        assert str(event["SUMMARY"]) == f"Chor {ONE_LINE}"
    # The room's JSON calendar gives the stored title as it is.
    occurrences = (await read(world, ADMIN, f"/api/rooms/{room_id}/calendar", position)).json()
    assert [o["title"] for o in occurrences] == [f"Chor {BROKEN}"]


async def test_a_volunteers_feed_holds_a_stored_line_break_in_a_shift_title(
    world: World, pool, store: EventStore  # noqa: F811
):
    shift_id = uuid4()
    ends = COMING + timedelta(hours=2)
    position = await stored(
        store,
        ShiftCreated(shift_id=shift_id, site_id=world.site_a, title=f"Tresen\n{BROKEN}",
                     starts_at=COMING, ends_at=ends, capacity=1),
        ShiftClaimed(shift_id=shift_id, volunteer_id=world.alice),
        VolunteerShiftClaimed(volunteer_id=world.alice, shift_id=shift_id, starts_at=COMING,
                              ends_at=ends),
    )
    await caught_up(pool, store)

    link = (await read(world, VOLUNTEER_SELF, f"/api/volunteers/{world.alice}/feed-link",
                       position)).json()["url"]
    feed = await world.client.get(f"{urlsplit(link).path}?{urlsplit(link).query}")
    assert feed.status_code == 200, feed.text
    [event] = assert_valid_rfc5545(feed.content).walk("VEVENT")
    assert str(event["SUMMARY"]) == f"Tresen {ONE_LINE}"


# A read model that cannot move ----------------------------------------------------------------


async def test_ready_names_a_read_model_whose_catch_up_fails_again_and_again(
    world: World, pool, store: EventStore, database_url, servers, broker_namespace  # noqa: F811
):
    await caught_up(pool, store)
    # Something no repair can help (here a constraint the read model's rows break).
    await pool.execute("ALTER TABLE directory_offers__g1 ADD CONSTRAINT no_skat "
                             "CHECK (title <> 'Skat')")
    blocked = await world.created(COORDINATOR_A, "/api/offers", {
        "site_id": str(world.site_a), "title": "Skat", "category": "community"})
    with workers(database_url, servers.redis_url, broker_namespace, 1, wait_on_exit=False):
        async def until_ready_is(status: int) -> dict:
            while (ready := await world.call(ADMIN, "GET", "/ready")).status_code != status:
                await asyncio.sleep(0.2)
            return ready.json()

        stalled = await asyncio.wait_for(until_ready_is(503), 30)
        assert stalled["status"] == "stalled"
        assert list(stalled["read_models_stalled"]) == ["directory"]
        assert stalled["read_models_stalled"]["directory"].startswith(
            "failing: CheckViolationError")
        metrics = (await world.call(ADMIN, "GET", "/metrics")).text
        assert 'treffpunkt_projection_stalled{name="directory"} 1' in metrics
        # The others are not held back by it.
        behind = {s.name: s.lag.events for s in await admin.status(pool, store, PROJECTIONS)}
        assert behind.pop("directory") > 0 and set(behind.values()) == {0}, behind

        await pool.execute("ALTER TABLE directory_offers__g1 DROP CONSTRAINT no_skat")
        recovered = await asyncio.wait_for(until_ready_is(200), 30)
        assert "read_models_stalled" not in recovered
        await read(world, ADMIN, "/api/offers", blocked["position"])


async def test_a_catch_up_that_goes_through_ends_a_stall_even_with_nothing_to_apply(pool, store):
    """Failures without events waiting (the database restarting, say) are over with the next
    catch-up that goes through, not with the next event."""
    await caught_up(pool, store)
    for _ in range(admin.STALL_FAILURES):
        await record_failure(pool, "directory", ConnectionResetError())
    [failing] = [s for s in await admin.status(pool, store, PROJECTIONS) if s.name == "directory"]
    assert failing.stalled == (
        f"failing: ConnectionResetError ({admin.STALL_FAILURES} times in a row)")

    await run_once(pool, store, DIRECTORY)

    [fine] = [s for s in await admin.status(pool, store, PROJECTIONS) if s.name == "directory"]
    assert (fine.stalled, fine.failures, fine.failure) == (None, 0, None)
