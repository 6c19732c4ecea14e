"""A volunteer who chose Ukrainian is written to in Ukrainian: through the notifier (a real
read model) and the outbox to a real SMTP server (aiosmtpd), read back with ``email``."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from babel.dates import format_date

from projections.notifier import NOTIFIER
from projections.runner import ensure_projection
from services.notifications.decider import NOTIFICATION_SETTINGS, ChangeNotificationSettings
from tests.notifications_world import World, world  # noqa: F401 - fixtures
from tests.mailbox import smtp_port, smtp_server, smtp_settings, text_of
from tests.scenarios import COORDINATOR
from workers.mail.messages import BERLIN
from workers.mail.outbox import deliver_due
from tests.projection_checks import run_until_caught_up

pytestmark = pytest.mark.integration
UKRAINIAN_MONTHS = ("січня", "лютого", "березня", "квітня", "травня", "червня", "липня",
                    "серпня", "вересня", "жовтня", "листопада", "грудня")


async def test_a_volunteer_who_chose_ukrainian_gets_the_confirmation_in_ukrainian(
    pool, world: World, smtp_port
):
    site = await world.site("Dorftreff Rieste")
    shift = await world.shift(site, capacity=1)
    olena = await world.volunteer("Olena Kovalenko", "olena@example.org")
    await world.commands.handle(NOTIFICATION_SETTINGS, ChangeNotificationSettings(
        volunteer_id=olena, language="uk", reminder_hours_before=24, off=[],
        now=datetime.now(UTC)), COORDINATOR)
    await world.claim(shift, olena)
    await ensure_projection(pool, NOTIFIER)
    await run_until_caught_up(pool, world.store, NOTIFIER)
    with smtp_server(smtp_port) as inbox:
        await deliver_due(pool, smtp_settings(smtp_port))

    told, = inbox.to("olena@example.org")
    text = text_of(told)
    starts = await pool.fetchval("SELECT params->>'starts_at' FROM outbox WHERE kind = $1",
                                 "claim_confirmed")
    day = datetime.fromisoformat(starts).astimezone(BERLIN).date()
    month = UKRAINIAN_MONTHS[day.month - 1]
    assert told["Content-Language"] == "uk"
    assert told["Subject"].startswith("Ви записані: Küche, ")
    assert "Доброго дня, Olena Kovalenko!" in text
    assert "Ви записані на зміну: Küche у Dorftreff Rieste" in text
    assert f" {month} " in told["Subject"] and "р.," in told["Subject"]
    assert "З повагою, команда Dorftreff Rieste" in text
    assert format_date(day, "full", locale="uk_UA") in text
