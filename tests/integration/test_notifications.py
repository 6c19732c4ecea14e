"""E-mail notifications end to end: commands -> the notifier (a real worker) -> the outbox ->
a real SMTP server (aiosmtpd), read back with the standard ``email`` package."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from events.base import EventMetadata
from events.interface import PendingEvent, StreamWrite
from events.shifts import ShiftCancelled
from projections.notifier import NOTIFIER, queue_due_reminders
from projections.runner import ensure_projection, start_rebuild
from services.notifications.decider import NOTIFICATION_SETTINGS, ChangeNotificationSettings
from services.volunteers import service as volunteers
from tests.mailbox import (
    Inbox,
    calendar_of,
    mail_env,
    smtp_port,
    smtp_server,
    smtp_settings,
    text_of,
)
from tests.notifications_world import eventually, states, world
from tests.projection_checks import kill, run_until_caught_up, start_worker, workers
from tests.scenarios import COORDINATOR, a_shift
from workers.mail.outbox import CONNECTIONS, deliver_due

pytestmark = pytest.mark.integration


async def test_claims_waitlist_and_moving_up_are_mailed_once_each_in_german_with_the_shift(
    servers, database_url, pool, world, broker_namespace, smtp_port
):
    site = await world.site("Dorftreff Gehrde")
    shift = await world.shift(site, capacity=1)
    anna = await world.volunteer("Anna Lehmann", "anna@example.org")
    jurgen = await world.volunteer("Jürgen Brandes", "juergen@example.org")
    await world.claim(shift, anna)
    await world.claim(shift, jurgen)  # full: the waitlist, place 1
    await world.release(shift, anna)  # Jürgen moves up

    with smtp_server(smtp_port) as inbox, workers(
        database_url, servers.redis_url, broker_namespace, 1, env=mail_env(smtp_port)
    ) as (worker,):
        async def three_sent():
            return list((await states(pool)).values()) == ["sent"] * 3
        await eventually(three_sent, what="three messages sent", worker=worker)

        confirmed, = inbox.to("anna@example.org")
        assert confirmed["Subject"].startswith("Eingetragen: Küche")
        assert "Anna Lehmann" in confirmed["To"]
        assert confirmed["From"] == "Dorftreff <treffpunkt@bersenbrueck.example>"
        body = text_of(confirmed)
        assert "Hallo Anna Lehmann," in body and "Dorftreff Gehrde" in body
        assert "https://treffpunkt.bersenbrueck.example/volunteer/my-shifts" in body
        assert "Dorftreff Gehrde" in confirmed.get_body(("html",)).get_content()
        event, = calendar_of(confirmed).walk("VEVENT")
        assert event.decoded("dtstart") == world.now.replace(microsecond=0) + timedelta(days=5)
        assert str(event["summary"]) == "Küche (Dorftreff Gehrde)"

        waitlisted, moved_up = sorted(inbox.to("juergen@example.org"),
                                      key=lambda m: not m["Subject"].startswith("Warteliste"))
        assert waitlisted["Subject"].startswith("Warteliste: Küche")
        assert "Platz 1 der Warteliste" in text_of(waitlisted)
        assert moved_up["Subject"].startswith("Nachgerückt: Küche")
        calendar_of(moved_up)
        ids = {m["Message-ID"] for m in inbox.messages}
        assert len(ids) == 3

        # A rebuild of the notifier replays every event but queues and sends nothing again.
        await start_rebuild(pool, NOTIFIER)
        await run_until_caught_up(pool, world.store, NOTIFIER)
        await asyncio.sleep(3)  # more than a tick of the worker's delivery
        assert len(inbox.messages) == 3
        assert await pool.fetchval("SELECT count(*) FROM outbox") == 3


async def test_without_an_smtp_server_nothing_is_sent_and_each_message_is_suppressed(
    servers, database_url, pool, world, broker_namespace
):
    site = await world.site()
    shift = await world.shift(site, capacity=2)
    anna = await world.volunteer("Anna Lehmann", "anna@example.org")
    await world.claim(shift, anna)
    with workers(database_url, servers.redis_url, broker_namespace, 1,
                 env={"TREFFPUNKT_SMTP_URL": ""}) as (worker,):
        async def suppressed():
            return list((await states(pool)).values()) == ["suppressed"]
        await eventually(suppressed, what="the message suppressed", worker=worker)
    assert await pool.fetchval("SELECT detail FROM outbox") == "no SMTP server configured"


async def test_smtp_down_for_a_while_then_back_delivers_everything_exactly_once(
    servers, database_url, pool, world, broker_namespace, smtp_port
):
    addresses = await world.helpers_claiming_one_shift(5)
    env = mail_env(smtp_port, TREFFPUNKT_MAIL_RETRY_SECONDS="0.5")
    with workers(database_url, servers.redis_url, broker_namespace, 1, env=env) as (worker,):
        async def tried():
            return await pool.fetchval(
                "SELECT count(*) = 5 AND bool_and(attempts >= 2 AND state = 'queued') FROM outbox")
        await eventually(tried, what="every message tried twice while SMTP is down",
                         worker=worker)
        with smtp_server(smtp_port) as inbox:
            async def all_sent():
                return list((await states(pool)).values()) == ["sent"] * 5
            await eventually(all_sent, what="all sent once SMTP is back", worker=worker)
            await asyncio.sleep(2.5)  # a tick more: nothing is sent again
    assert sorted(addr for m in inbox.messages for addr in [m["To"].addresses[0].addr_spec]) \
        == sorted(addresses)
    assert len({m["Message-ID"] for m in inbox.messages}) == 5


async def test_a_refused_address_fails_with_the_servers_answer_and_blocks_nothing_else(
    servers, database_url, pool, world, broker_namespace, smtp_port
):
    site = await world.site()
    shift = await world.shift(site, capacity=3)
    for address in ("first@example.org", "nobody@example.org", "last@example.org"):
        await world.claim(shift, await world.volunteer("Someone", address))
    inbox = Inbox()
    inbox.refuse.add("nobody@example.org")
    with smtp_server(smtp_port, inbox), workers(
        database_url, servers.redis_url, broker_namespace, 1, env=mail_env(smtp_port)
    ) as (worker,):
        async def finished():
            return sorted((await states(pool)).values()) == ["failed", "sent", "sent"]
        await eventually(finished, what="two sent, one failed", worker=worker)
    assert sorted(m["To"].addresses[0].addr_spec for m in inbox.messages) == [
        "first@example.org", "last@example.org"]
    detail = await pool.fetchval("SELECT detail FROM outbox WHERE state = 'failed'")
    assert detail.startswith("550") and "mailbox unavailable" in detail
    assert "nobody" not in detail


async def test_erasure_suppresses_what_is_pending_and_a_cancelled_shift_tells_its_holders(
    servers, database_url, pool, world, broker_namespace, smtp_port
):
    site = await world.site()
    shift = await world.shift(site, capacity=1)
    anna = await world.volunteer("Anna Lehmann", "anna@example.org")
    erika = await world.volunteer("Erika Muster", "erika@example.org")
    await world.claim(shift, anna)
    await world.claim(shift, erika)
    await volunteers.erase(world.commands, pool, erika, "account-coordinator")
    cancelled = PendingEvent(event=ShiftCancelled(shift_id=shift, reason="Wasserschaden im Saal"),
                             occurred_at=datetime.now(UTC))
    version = len(await world.store.read_stream(f"shift-{shift}"))
    await world.store.append(StreamWrite(f"shift-{shift}", version, [cancelled]),
                             metadata=EventMetadata(actor="account-coordinator"))
    with smtp_server(smtp_port) as inbox, workers(
        database_url, servers.redis_url, broker_namespace, 1, env=mail_env(smtp_port)
    ) as (worker,):
        async def done():
            return await pool.fetchval(
                "SELECT count(*) = 3 AND bool_and(state <> 'queued') FROM outbox")
        await eventually(done, what="nothing left queued", worker=worker)
        await asyncio.sleep(0.5)
    assert inbox.to("erika@example.org") == []
    rows = await pool.fetch("SELECT kind, volunteer_id, state, detail FROM outbox ORDER BY kind")
    assert {(r["kind"], r["volunteer_id"], r["state"]) for r in rows} == {
        ("claim_confirmed", anna, "sent"), ("shift_cancelled", anna, "sent"),
        ("waitlisted", erika, "suppressed")}
    cancellation, = [m for m in inbox.to("anna@example.org")
                     if m["Subject"].startswith("Abgesagt")]
    assert "Grund: Wasserschaden im Saal" in text_of(cancellation)
    assert str(calendar_of(cancellation)["method"]) == "CANCEL"


async def test_the_reminder_comes_48_hours_before_on_the_wall_clock_across_the_clock_change(
    pool, world, smtp_port
):
    site = await world.site()
    anna = await world.volunteer("Anna Lehmann", "anna@example.org")
    # Monday 1 Nov 2027, 09:00 in Gehrde (CET); the clocks go back on Sunday 31 October.
    starts_at = datetime(2027, 11, 1, 8, 0, tzinfo=UTC)
    shift = await a_shift(world.commands, site, 2, start=starts_at)
    await world.claim(shift, anna)
    await ensure_projection(pool, NOTIFIER)
    await run_until_caught_up(pool, world.store, NOTIFIER)
    # 48 h before on the wall clock: Saturday 09:00 CEST = 07:00 UTC (not 08:00 UTC).
    assert await queue_due_reminders(pool, datetime(2027, 10, 30, 6, 59, tzinfo=UTC)) == 0
    assert await queue_due_reminders(pool, datetime(2027, 10, 30, 7, 0, tzinfo=UTC)) == 1
    assert await queue_due_reminders(pool, datetime(2027, 10, 31, 7, 0, tzinfo=UTC)) == 0  # once

    with smtp_server(smtp_port) as inbox:
        await deliver_due(pool, smtp_settings(smtp_port))
    reminder, = [m for m in inbox.to("anna@example.org") if m["Subject"].startswith("Erinnerung")]
    assert "Montag, 1. November 2027, 09:00–13:00 Uhr" in text_of(reminder)


async def test_a_reminder_of_a_place_released_before_it_was_sent_is_suppressed(
    pool, world, smtp_port
):
    site = await world.site()
    anna = await world.volunteer("Anna Lehmann", "anna@example.org")
    shift = await world.shift(site, capacity=2, in_days=1)  # inside the 48 hours
    await world.claim(shift, anna)
    await ensure_projection(pool, NOTIFIER)
    await run_until_caught_up(pool, world.store, NOTIFIER)
    # Claimed inside the window: the confirmation says it all, no reminder on top.
    assert await queue_due_reminders(pool, datetime.now(UTC)) == 0
    await pool.execute("UPDATE outbox SET queued_at = now() - interval '2 days'")
    assert await queue_due_reminders(pool, datetime.now(UTC)) == 1
    await world.release(shift, anna)
    await run_until_caught_up(pool, world.store, NOTIFIER)
    with smtp_server(smtp_port) as inbox:
        await deliver_due(pool, smtp_settings(smtp_port))
    assert [m["Subject"].split(":")[0] for m in inbox.messages] == ["Eingetragen"]
    assert await pool.fetchval(
        "SELECT state || ' ' || detail FROM outbox WHERE kind = 'reminder'"
    ) == "suppressed released"


async def test_a_volunteer_who_chose_english_and_turned_off_the_waitlist_is_told_accordingly(
    pool, world, smtp_port
):
    site = await world.site("Dorftreff Rieste")
    shift = await world.shift(site, capacity=1)
    fatma = await world.volunteer("Fatma Yilmaz", "fatma@example.org")
    other = await world.volunteer("Anna Lehmann", "anna@example.org")
    await world.commands.handle(NOTIFICATION_SETTINGS, ChangeNotificationSettings(
        volunteer_id=fatma, language="en", reminder_hours_before=24, off=["waitlisted"],
        now=datetime.now(UTC)), COORDINATOR)
    other_shift = await world.shift(site, capacity=1, in_days=6)
    await world.claim(shift, fatma)
    await world.claim(other_shift, other)
    await world.claim(other_shift, fatma)  # full: the waitlist, which she turned off
    await ensure_projection(pool, NOTIFIER)
    await run_until_caught_up(pool, world.store, NOTIFIER)
    with smtp_server(smtp_port) as inbox:
        await deliver_due(pool, smtp_settings(smtp_port))
    told, = inbox.to("fatma@example.org")
    assert told["Subject"].startswith("You are in: Küche")
    assert told["Content-Language"] == "en"
    assert "Hello Fatma Yilmaz," in text_of(told) and "Dorftreff Rieste" in text_of(told)
    assert await pool.fetchval("SELECT count(*) FROM outbox WHERE kind = 'waitlisted'") == 0


class SlowInbox(Inbox):
    """Takes a while to accept each message, so a worker can be killed in the middle."""

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        await asyncio.sleep(0.4)
        return await super().handle_DATA(server, session, envelope)


async def test_a_worker_killed_mid_delivery_loses_nothing_and_sends_at_most_one_copy_again(
    servers, database_url, pool, world, broker_namespace, smtp_port
):
    addresses = await world.helpers_claiming_one_shift(8)
    env = mail_env(smtp_port, TREFFPUNKT_MAIL_LEASE_SECONDS="2")
    with smtp_server(smtp_port, SlowInbox()) as inbox:
        first = start_worker(database_url, servers.redis_url, broker_namespace, env)
        try:
            async def some_arrived():
                return len(inbox.messages) >= 2
            await eventually(some_arrived, what="the first messages", worker=first)
        finally:
            kill(first)
        assert first.returncode == -9
        assert len(inbox.messages) < len(addresses), "the worker had finished already"
        with workers(database_url, servers.redis_url, broker_namespace, 1, env=env) as (second,):
            async def all_sent():
                return list((await states(pool)).values()) == ["sent"] * len(addresses)
            await eventually(all_sent, what="every message sent", worker=second)
    arrived = sorted(m["To"].addresses[0].addr_spec for m in inbox.messages)
    assert sorted(set(arrived)) == sorted(addresses)
    # Again at most what was in flight when it was killed: one message per SMTP connection.
    assert len(arrived) <= len(addresses) + CONNECTIONS
    assert len({m["Message-ID"] for m in inbox.messages}) == len(addresses)
