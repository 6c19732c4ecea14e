"""The qualification catalogue over HTTP (API.md, "Second wave"), against real PostgreSQL:
the admin defines codes, everyone reads them, shifts and trainings name only defined codes,
and codes of a store from before the catalogue are defined from its history."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from events.base import EventMetadata
from events.catalog import registry
from events.interface import PendingEvent, StreamWrite
from events.shifts import ShiftCreated
from events.store import EventStore
from events.trainings import TrainingPlanned
from projections.qualification_catalogue import QUALIFICATION_CATALOGUE
from services.commands.handler import CommandHandler
from services.qualifications.seed import seed_catalogue
from tests.accounts_world import ADMIN, COORDINATOR_A
from tests.scheduling_world import (  # noqa: F401 - world is a fixture
    World,
    event_count,
    iso,
    world,
)
from tests.reading import read_ok
from tests.projecting import projecting
from tests.projection_checks import every_event_readable

pytestmark = pytest.mark.integration


async def test_the_admin_defines_a_code_and_everyone_reads_it_with_both_names(
    world: World, database_url
):
    defined = await world.created(ADMIN, "/api/qualifications", {
        "code": "dementia_care", "name": {"de": "Demenzbegleitung", "en": "Dementia care"},
        "default_valid_for_months": 36})
    assert defined["code"] == "dementia_care" and defined["position"] > 0
    renamed = await world.created(ADMIN, "/api/qualifications", {
        "code": "dementia_care", "name": {"de": "Demenz verstehen", "en": "Dementia care"},
        "default_valid_for_months": 24})
    assert renamed["id"] == defined["id"]
    with projecting(database_url, [QUALIFICATION_CATALOGUE]):
        catalogue = await read_ok(world, COORDINATOR_A, "/api/qualifications",
                                  renamed["position"])
    entry = next(q for q in catalogue if q["code"] == "dementia_care")
    assert entry == {"id": defined["id"], "code": "dementia_care",
                     "name": {"de": "Demenz verstehen", "en": "Dementia care"},
                     "default_valid_for_months": 24}
    assert {"code": "food_hygiene", "name": {"de": "Lebensmittelhygiene", "en": "Food hygiene"}
            }.items() <= next(q for q in catalogue if q["code"] == "food_hygiene").items()


async def test_the_same_definition_again_is_a_conflict(world: World):
    body = {"code": "food_hygiene", "name": {"de": "Lebensmittelhygiene", "en": "Food hygiene"},
            "default_valid_for_months": 24}
    again = await world.call(ADMIN, "POST", "/api/qualifications", body)
    assert again.status_code == 409, again.text


@pytest.mark.parametrize(("body", "field"), [
    ({"code": "", "name": {"de": "A", "en": "A"}, "default_valid_for_months": 1}, "code"),
    ({"code": "x", "name": {"de": "A"}, "default_valid_for_months": 1}, "name.en"),
    ({"code": "x", "name": {"de": "A", "en": "A"}, "default_valid_for_months": 0},
     "default_valid_for_months"),
])
async def test_a_bad_definition_is_refused_naming_the_field(world: World, pool, body, field):
    before = await event_count(pool)
    refused = await world.call(ADMIN, "POST", "/api/qualifications", body)
    assert refused.status_code in (400, 422), refused.text
    assert any(error["field"].endswith(field) for error in refused.json()["errors"]), refused.text
    assert await event_count(pool) == before


async def test_a_shift_naming_a_code_outside_the_catalogue_is_refused_and_nothing_stored(
    world: World, pool
):
    starts = datetime(datetime.now(UTC).year + 1, 5, 4, 9, tzinfo=UTC)
    before = await event_count(pool)
    refused = await world.call(COORDINATOR_A, "POST", "/api/shifts", {
        "site_id": str(world.site_a), "title": "Küche", "starts_at": iso(starts),
        "ends_at": iso(starts + timedelta(hours=3)), "capacity": 3,
        "required_qualifications": ["food_hygiene", "Kochkurs"]})
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"][0]["field"] == "required_qualifications[1]"
    assert await event_count(pool) == before


async def test_a_training_granting_a_code_outside_the_catalogue_is_refused(world: World, pool):
    starts = datetime(datetime.now(UTC).year + 1, 5, 4, 9, tzinfo=UTC)
    before = await event_count(pool)
    refused = await world.call(COORDINATOR_A, "POST", "/api/trainings", {
        "site_id": str(world.site_a), "room_id": str(world.room_a), "title": "Kochkurs",
        "qualification": "Kochkurs", "valid_for_months": 12, "starts_at": iso(starts),
        "ends_at": iso(starts + timedelta(hours=3)), "capacity": 8})
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"][0]["field"] == "qualification"
    assert await event_count(pool) == before


async def test_codes_stored_before_the_catalogue_are_defined_once_from_the_history(pool):
    store = EventStore(pool, registry)
    starts = datetime(2026, 3, 2, 9, tzinfo=UTC)
    shift = ShiftCreated(shift_id=uuid4(), site_id=uuid4(), title="Küche", starts_at=starts,
                         ends_at=starts + timedelta(hours=2), capacity=2,
                         required_qualifications=["Hygiene", "first_aid"])
    training = TrainingPlanned(
        training_id=uuid4(), site_id=uuid4(), room_id=uuid4(), booking_id=uuid4(),
        title="Erste Hilfe", qualification="first_aid", valid_for_months=36, starts_at=starts,
        ends_at=starts + timedelta(hours=4), capacity=10)
    for stream, event in ((f"shift-{shift.shift_id}", shift),
                          (f"training-{training.training_id}", training)):
        await store.append(StreamWrite(stream, 0, [PendingEvent(event=event, occurred_at=starts)]),
                           metadata=EventMetadata(actor="before-the-catalogue"))
    commands = CommandHandler(store)
    await every_event_readable(pool)  # the seeding reads the history behind the read barrier

    assert sorted(await seed_catalogue(commands, store, "system")) == ["Hygiene", "first_aid"]
    assert await seed_catalogue(commands, store, "system") == []
    await every_event_readable(pool)  # the definitions just stored, too
    defined = [r.event for r in await store.read_all() if r.type == "qualification.defined"]
    assert {(e.code, e.name.de, e.default_valid_for_months) for e in defined} == {
        ("Hygiene", "Hygiene", 24), ("first_aid", "first_aid", 36)}
    # The stored events are as they were.
    assert [r.type for r in await store.read_all()][:2] == ["shift.created", "training.planned"]
