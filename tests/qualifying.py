"""A volunteer qualified in tests: Alice of the scheduling world attended a training some days ago
that grants a qualification for some months."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

from events.base import EventMetadata
from events.catalog import registry
from events.store import EventStore
from services.commands.handler import CommandHandler
from services.trainings.decider import TRAININGS, CompleteTraining, EnrollInTraining, PlanTraining
from tests.scheduling_world import World


async def qualified(world: World, pool, qualification: str, *, months: int,
                    days_ago: int) -> int:
    """Alice attended a training ``days_ago`` granting ``qualification`` for ``months``: told
    on a simulated clock, as the demo tells its year."""
    commands = CommandHandler(EventStore(pool, registry))
    metadata = EventMetadata(actor="test")
    training_id = uuid4()
    starts = datetime.now(UTC) - timedelta(days=days_ago)
    before = starts - timedelta(days=7)
    await commands.handle(TRAININGS, PlanTraining(
        training_id=training_id, booking_id=uuid4(), site_id=world.site_a, room_id=world.room_a,
        title=f"Kurs {qualification}", qualification=qualification, valid_for_months=months,
        starts_at=starts, ends_at=starts + timedelta(hours=2), capacity=5, now=before), metadata)
    await commands.handle(TRAININGS, EnrollInTraining(
        training_id=training_id, volunteer_id=world.alice, now=before), metadata)
    done = await commands.handle(TRAININGS, CompleteTraining(
        training_id=training_id, attended=[world.alice], now=starts + timedelta(hours=3)),
        metadata)
    return done.position
