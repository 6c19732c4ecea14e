"""What the second wave's routes tell by e-mail, through the real routes, the notifier and the
outbox's delivery to a real SMTP server (aiosmtpd): a coordinator's cancellation and a session's
cancellation cascade tell holders and waitlist; a handover offered tells the colleague (or the
site's volunteers) with a link, its acceptance confirms the taker and tells the giver; an
offer withdrawn tells the colleague it named, and an offer withdrawn, taken, given up or
cancelled before its mails went out sends none of them; a training's enrolment is confirmed and reminded, its cancellation
told."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from uuid import UUID

import pytest

from events.catalog import registry
from events.store import EventStore
from projections.notifier import NOTIFIER, queue_due_reminders
from projections.runner import ensure_projection, start_rebuild
from tests.accounts_world import (
    ADMIN,
    COORDINATOR_A,
    VOLUNTEER_OTHER,
    VOLUNTEER_SELF,
)
from tests.mailbox import (
    calendar_of,
    smtp_port,  # noqa: F401 - a fixture
    smtp_server,
    smtp_settings,
    text_of,
)
from tests.weekly_sessions import (
    a_weekly_session,
    cancel_first_occurrence,
)
from tests.scheduling_world import World, a_shift, iso, world  # noqa: F401 - a fixture
from workers.mail.outbox import deliver_due
from tests.projection_checks import run_until_caught_up

pytestmark = pytest.mark.integration

PUBLIC = "https://treffpunkt.bersenbrueck.example"


async def decided(pool) -> None:
    """Let the notifier follow the history (it queues; nothing is delivered)."""
    await ensure_projection(pool, NOTIFIER)
    await run_until_caught_up(pool, EventStore(pool, registry), NOTIFIER)


async def mailed(pool, port: int, *, all_sent: bool = True) -> list[EmailMessage]:
    """Let the notifier follow the history, then deliver the outbox to a real SMTP server."""
    await decided(pool)
    with smtp_server(port) as inbox:
        await deliver_due(pool, smtp_settings(port))
    if all_sent:
        assert await pool.fetchval("SELECT count(*) FROM outbox WHERE state <> 'sent'") == 0
    return inbox.messages


async def an_offered_shift(world: World, to: UUID | None = None,
                           days: int = 5) -> tuple[str, str]:
    """Alice claims a shift ``days`` from now and offers it to ``to`` (None: site A's
    volunteers): the shift and the offer."""
    shift = await a_shift(world, days=days)
    await world.created(VOLUNTEER_SELF, f"/api/shifts/{shift}/claims", {})
    handover = (await world.created(
        VOLUNTEER_SELF, f"/api/shifts/{shift}/claims/{world.alice}/handover",
        {"to_volunteer_id": str(to)} if to else {}))["id"]
    return shift, handover


async def an_offer(world: World, to: UUID | None = None) -> str:
    return (await an_offered_shift(world, to))[1]


async def a_site_offer(world: World) -> str:
    """An offer to site A's volunteers, Bernd one of them (he holds an earlier shift there)."""
    earlier = await a_shift(world, capacity=2, days=3)
    await world.created(VOLUNTEER_OTHER, f"/api/shifts/{earlier}/claims", {})
    return await an_offer(world)


async def withdraw(world: World, handover: str) -> None:
    withdrawn = await world.call(VOLUNTEER_SELF, "POST", f"/api/handovers/{handover}/withdrawal")
    assert withdrawn.status_code == 200, withdrawn.text


async def offers_in_the_outbox(pool) -> list[tuple[str, str, str | None]]:
    return [tuple(row) for row in await pool.fetch(
        """SELECT params->>'handover_id', state, detail FROM outbox
            WHERE kind = 'handover_offered' ORDER BY queued_at""")]


def to(messages: list[EmailMessage], address: str, subject: str) -> list[EmailMessage]:
    return [m for m in messages
            if address in m["To"] and m["Subject"].startswith(subject)]


async def test_a_coordinators_cancellation_tells_holder_and_waitlist_the_reason(
    world, pool, smtp_port  # noqa: F811
):
    shift = await a_shift(world, capacity=1)
    await world.created(VOLUNTEER_SELF, f"/api/shifts/{shift}/claims", {})
    await world.created(VOLUNTEER_OTHER, f"/api/shifts/{shift}/claims", {})  # the waitlist
    cancelled = await world.call(COORDINATOR_A, "POST", f"/api/shifts/{shift}/cancellation",
                                 {"reason": "Wasserschaden im Saal"})
    assert cancelled.status_code == 200, cancelled.text

    messages = await mailed(pool, smtp_port)
    for address in ("alice@example.org", "bernd@example.org"):
        told, = to(messages, address, "Abgesagt: Mittagstisch")
        assert "Grund: Wasserschaden im Saal" in text_of(told)
        assert "Dorftreff Linden" in text_of(told)
        assert str(calendar_of(told)["method"]) == "CANCEL"


async def test_a_cancelled_session_tells_the_holders_of_its_shifts(
    world, pool, smtp_port  # noqa: F811
):
    store = EventStore(pool, registry)
    offer = (await world.created(COORDINATOR_A, "/api/offers", {
        "site_id": str(world.site_a), "title": "Mittagstisch", "category": "community"}))["id"]
    first = (datetime.now(UTC) + timedelta(days=7)).replace(hour=11, minute=0, second=0,
                                                            microsecond=0)
    session = await a_weekly_session(world, offer, first, count=1)
    kitchen, = (await world.created(COORDINATOR_A, f"/api/offers/{offer}/shift-plans", {
        "title": "Küche", "starts_at_time": "11:00", "ends_at_time": "14:30",
        "capacity": 1}))["shift_ids"]
    await world.created(VOLUNTEER_SELF, f"/api/shifts/{kitchen}/claims", {})
    await cancel_first_occurrence(world, store, session, "Die Küche ist gesperrt.")

    messages = await mailed(pool, smtp_port)
    told, = to(messages, "alice@example.org", "Abgesagt: Küche")
    assert "Grund: Die Küche ist gesperrt." in text_of(told)


async def test_a_handover_tells_the_colleague_with_a_link_and_its_acceptance_both_sides(
    world, pool, smtp_port  # noqa: F811
):
    handover = await an_offer(world, world.bernd)
    offered, = to(await mailed(pool, smtp_port), "bernd@example.org", "Können Sie übernehmen?")
    assert "Mittagstisch" in offered["Subject"]
    assert f"{PUBLIC}/volunteer/handovers" in text_of(offered)
    assert f"{PUBLIC}/volunteer/handovers" in offered.get_body(("html",)).get_content()

    accepted = await world.call(VOLUNTEER_OTHER, "POST", f"/api/handovers/{handover}/acceptance")
    assert accepted.status_code == 200, accepted.text
    messages = await mailed(pool, smtp_port)
    confirmed, = to(messages, "bernd@example.org", "Eingetragen: Mittagstisch")
    assert str(calendar_of(confirmed)["method"]) == "PUBLISH"
    handed, = to(messages, "alice@example.org", "Übergeben: Mittagstisch")
    assert str(calendar_of(handed)["method"]) == "CANCEL"
    assert len(messages) == 2


async def test_a_handover_to_the_site_tells_its_other_volunteers_not_the_giver(
    world, pool, smtp_port  # noqa: F811
):
    await a_site_offer(world)
    messages = await mailed(pool, smtp_port)
    assert len(to(messages, "bernd@example.org", "Können Sie übernehmen?")) == 1
    assert to(messages, "alice@example.org", "Können Sie übernehmen?") == []


async def test_a_named_offer_withdrawn_tells_the_colleague_it_is_off_once(
    world, pool, smtp_port  # noqa: F811
):
    handover = await an_offer(world, world.bernd)
    assert len(to(await mailed(pool, smtp_port), "bernd@example.org", "Können Sie")) == 1

    await withdraw(world, handover)
    messages = await mailed(pool, smtp_port)
    told, = to(messages, "bernd@example.org", "Angebot zurückgezogen: Mittagstisch")
    assert "ist zurückgezogen" in text_of(told) and "Dorftreff Linden" in text_of(told)
    assert f"{PUBLIC}/volunteer/handovers" in text_of(told)
    assert told["X-Treffpunkt-Kind"] == "handover_withdrawn"
    assert len(messages) == 1  # the holder, who withdrew it, is told nothing

    # A rebuild of the notifier replays the offer and its withdrawal but queues nothing again.
    queued = await pool.fetchval("SELECT count(*) FROM outbox")
    await start_rebuild(pool, NOTIFIER)
    assert await mailed(pool, smtp_port) == []
    assert await pool.fetchval("SELECT count(*) FROM outbox") == queued


async def test_a_named_offer_withdrawn_before_its_mail_went_out_tells_the_colleague_nothing(
    world, pool, smtp_port  # noqa: F811
):
    handover = await an_offer(world, world.bernd)
    await decided(pool)  # the offer is queued, not yet sent
    await withdraw(world, handover)
    messages = await mailed(pool, smtp_port, all_sent=False)
    assert to(messages, "bernd@example.org", "") == []  # neither the offer nor its withdrawal
    assert await offers_in_the_outbox(pool) == [(handover, "suppressed", "withdrawn")]


async def test_a_site_offer_withdrawn_before_its_mails_went_out_sends_none(
    world, pool, smtp_port  # noqa: F811
):
    handover = await a_site_offer(world)
    await decided(pool)
    assert await offers_in_the_outbox(pool) == [(handover, "queued", None)]

    await withdraw(world, handover)
    messages = await mailed(pool, smtp_port, all_sent=False)
    assert to(messages, "bernd@example.org", "Können Sie") == []
    assert to(messages, "bernd@example.org", "Angebot zurückgezogen") == []  # no noise
    assert await offers_in_the_outbox(pool) == [(handover, "suppressed", "withdrawn")]


async def test_a_site_offer_withdrawn_after_its_mails_went_out_tells_no_one(
    world, pool, smtp_port  # noqa: F811
):
    handover = await a_site_offer(world)
    assert len(to(await mailed(pool, smtp_port), "bernd@example.org", "Können Sie")) == 1

    await withdraw(world, handover)
    assert await mailed(pool, smtp_port) == []  # everyone at the site: withdrawn silently


async def test_an_offer_whose_place_is_given_up_or_cancelled_before_its_mail_went_out_sends_none(
    world, pool, smtp_port  # noqa: F811
):
    # two shifts on two days (the holder holds both), each offered to Bernd
    given_up, released = await an_offered_shift(world, world.bernd, days=2)
    called_off, cancelled = await an_offered_shift(world, world.bernd, days=3)
    await decided(pool)  # both offers queued, not yet sent
    left = await world.call(VOLUNTEER_SELF, "DELETE",
                            f"/api/shifts/{given_up}/claims/{world.alice}")
    assert left.status_code < 300, left.text
    off = await world.call(COORDINATOR_A, "POST", f"/api/shifts/{called_off}/cancellation",
                           {"reason": "Wasserschaden"})
    assert off.status_code == 200, off.text

    messages = await mailed(pool, smtp_port, all_sent=False)
    assert to(messages, "bernd@example.org", "Können Sie") == []
    assert sorted(await offers_in_the_outbox(pool)) == sorted([
        (released, "suppressed", "released"), (cancelled, "suppressed", "cancelled")])


async def test_a_rebuild_replaying_an_old_release_ends_nothing_queued_after_it(
    world, pool, smtp_port  # noqa: F811
):
    """Alice gives a place up, claims it again, offers it to Bernd and is due a reminder: a
    rebuild of the notifier replays the old release, which must not suppress either."""
    shift = await a_shift(world, days=5)
    await world.created(VOLUNTEER_SELF, f"/api/shifts/{shift}/claims", {})
    left = await world.call(VOLUNTEER_SELF, "DELETE", f"/api/shifts/{shift}/claims/{world.alice}")
    assert left.status_code < 300, left.text
    await world.created(VOLUNTEER_SELF, f"/api/shifts/{shift}/claims", {})
    await world.created(VOLUNTEER_SELF, f"/api/shifts/{shift}/claims/{world.alice}/handover",
                        {"to_volunteer_id": str(world.bernd)})
    await decided(pool)
    async with pool.acquire() as connection:  # an hour before the shift: the reminder is due
        assert await queue_due_reminders(
            connection, datetime.now(UTC) + timedelta(days=5, hours=-1)) == 1

    def waiting():
        return pool.fetch("""SELECT kind, state FROM outbox
                              WHERE kind IN ('reminder', 'handover_offered') ORDER BY kind""")

    assert [tuple(row) for row in await waiting()] == [("handover_offered", "queued"),
                                                        ("reminder", "queued")]
    await start_rebuild(pool, NOTIFIER)
    await decided(pool)
    assert [tuple(row) for row in await waiting()] == [("handover_offered", "queued"),
                                                        ("reminder", "queued")]


async def test_an_offer_taken_before_its_mail_went_out_sends_no_offer(
    world, pool, smtp_port  # noqa: F811
):
    handover = await an_offer(world, world.bernd)
    await decided(pool)
    accepted = await world.call(VOLUNTEER_OTHER, "POST", f"/api/handovers/{handover}/acceptance")
    assert accepted.status_code == 200, accepted.text
    messages = await mailed(pool, smtp_port, all_sent=False)
    assert to(messages, "bernd@example.org", "Können Sie") == []
    assert len(to(messages, "bernd@example.org", "Eingetragen: Mittagstisch")) == 1
    assert len(to(messages, "alice@example.org", "Übergeben: Mittagstisch")) == 1
    assert await offers_in_the_outbox(pool) == [(handover, "suppressed", "accepted")]


async def test_an_enrolment_is_confirmed_reminded_before_and_a_cancelled_training_told(
    world, pool, smtp_port  # noqa: F811
):
    starts = (datetime.now(UTC) + timedelta(days=10)).replace(microsecond=0)
    training = (await world.created(COORDINATOR_A, "/api/trainings", {
        "site_id": str(world.site_a), "room_id": str(world.room_a), "title": "Erste Hilfe",
        "qualification": "first_aid", "valid_for_months": 24, "starts_at": iso(starts),
        "ends_at": iso(starts + timedelta(hours=3)), "capacity": 10}))["id"]
    await world.created(VOLUNTEER_SELF, f"/api/trainings/{training}/enrollments", {})
    await world.created(VOLUNTEER_OTHER, f"/api/trainings/{training}/enrollments", {})
    left = await world.call(VOLUNTEER_OTHER, "DELETE",
                            f"/api/trainings/{training}/enrollments/{world.bernd}")
    assert left.status_code < 300, left.text

    confirmed = to(await mailed(pool, smtp_port), "alice@example.org",
                   "Angemeldet zur Schulung: Erste Hilfe")
    assert len(confirmed) == 1 and "Dorftreff Linden" in text_of(confirmed[0])
    event, = calendar_of(confirmed[0]).walk("VEVENT")
    assert str(event["uid"]) == f"training-{training}@treffpunkt"

    # 48 hours before (the default) the one still enrolled is reminded, once.
    async with pool.acquire() as connection:
        assert await queue_due_reminders(connection, starts - timedelta(hours=49)) == 0
        assert await queue_due_reminders(connection, starts - timedelta(hours=47)) == 1
        assert await queue_due_reminders(connection, starts - timedelta(hours=46)) == 0
    reminded, = await mailed(pool, smtp_port)
    assert reminded["Subject"].startswith("Erinnerung an die Schulung: Erste Hilfe")
    assert "alice@example.org" in reminded["To"]

    # The training's booking cancelled: the one enrolled is told, with the calendar's CANCEL.
    store = EventStore(pool, registry)
    planned, = [r.event for r in await store.read_stream(f"training-{training}")
                if r.type == "training.planned"]
    cancelled = await world.call(
        COORDINATOR_A, "DELETE", f"/api/rooms/{world.room_a}/bookings/{planned.booking_id}"
        "?reason=Referentin%20krank")
    assert cancelled.status_code == 200, cancelled.text
    told, = await mailed(pool, smtp_port)
    assert told["Subject"].startswith("Schulung abgesagt: Erste Hilfe")
    assert "alice@example.org" in told["To"]
    assert str(calendar_of(told)["method"]) == "CANCEL"
