"""The two kinds the schedule makes due, end to end against real PostgreSQL, Redis and an SMTP
server (aiosmtpd): a qualification running out within 30 days (to its volunteer, in their
language, once per grant and expiry) and the coordinators' weekly digest (Monday 07:00 in
Berlin, one per coordinator and week, nothing when there is nothing to tell)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_date
from dateutil.relativedelta import SU, relativedelta

from events.base import EventMetadata
from events.offers import OfferCreated, SessionScheduled
from events.qualifications import QualificationDefined, QualificationName, qualification_id
from events.rooms import Occurrence
from events.trainings import TrainingPlanned, VolunteerQualified
from projections.attendance_stats import ATTENDANCE_STATS
from projections.coordinator_digest import queue_due_digests
from projections.notifier import NOTIFIER
from projections.qualification_catalogue import QUALIFICATION_CATALOGUE
from projections.qualification_warnings import queue_due_warnings
from projections.runner import ensure_projection, start_rebuild
from projections.shift_board import SHIFT_BOARD
from projections.training_records import TRAINING_RECORDS
from projections.volunteer_sites import VOLUNTEER_SITES
from services.accounts.decider import ACCOUNTS, CLOSING, CloseAccount, RegisterAccount
from services.accounts.service import (
    credential_key,
    hash_password,
    register_account,
    sealed_hash,
    sign_in,
)
from services.auth.roles import COORDINATOR as COORDINATOR_ROLE
from services.notifications.decider import NOTIFICATION_SETTINGS, ChangeNotificationSettings
from services.platform.keys import derive_keys
from services.volunteers import service as volunteers
from tests.accounts_world import SECRET
from tests.notifications_world import World, eventually, states, world  # noqa: F401 - fixtures
from tests.mailbox import mail_env, smtp_port, smtp_server, smtp_settings, text_of
from tests.storing import stored
from tests.projection_checks import run_until_caught_up, workers
from tests.scenarios import COORDINATOR
from workers.mail.outbox import deliver_due

pytestmark = pytest.mark.integration
BERLIN = ZoneInfo("Europe/Berlin")
HYGIENE = QualificationDefined(
    qualification_id=qualification_id("food_hygiene"), code="food_hygiene",
    default_valid_for_months=24, name=QualificationName(de="Hygieneschulung", en="Food hygiene"))
READ_MODELS = (NOTIFIER, TRAINING_RECORDS, QUALIFICATION_CATALOGUE, SHIFT_BOARD,
               ATTENDANCE_STATS, VOLUNTEER_SITES)


async def caught_up(world: World) -> None:
    for projection in READ_MODELS:
        await ensure_projection(world.pool, projection)
        await run_until_caught_up(world.pool, world.store, projection)


async def qualified(world: World, site: UUID, volunteer: UUID, valid_until: datetime) -> None:
    """A first-aid course held at ``site`` that granted ``volunteer`` food hygiene."""
    training = uuid4()
    start = world.now - timedelta(days=700)
    await stored(world.store, TrainingPlanned(
        training_id=training, site_id=site, room_id=uuid4(), booking_id=uuid4(),
        title="Hygieneschulung", qualification="food_hygiene", valid_for_months=24,
        starts_at=start, ends_at=start + timedelta(hours=3), capacity=10),
        VolunteerQualified(volunteer_id=volunteer, qualification="food_hygiene",
                           valid_until=valid_until, training_id=training))


async def test_a_qualification_running_out_is_told_once_in_the_volunteers_language(
    servers, database_url, pool, world, broker_namespace, smtp_port  # noqa: F811
):
    site = await world.site("Dorftreff Gehrde")
    anna = await world.volunteer("Anna Lehmann", "anna@example.org")
    fatma = await world.volunteer("Fatma Yilmaz", "fatma@example.org")
    otto = await world.volunteer("Otto Quiet", "otto@example.org")
    later = await world.volunteer("Lena Later", "lena@example.org")
    for volunteer, language, off in ((fatma, "en", []), (otto, "de", ["qualification_expiring"])):
        await world.commands.handle(NOTIFICATION_SETTINGS, ChangeNotificationSettings(
            volunteer_id=volunteer, language=language, reminder_hours_before=48, off=off,
            now=datetime.now(UTC)), COORDINATOR)
    until = (world.now + timedelta(days=12)).replace(microsecond=0)
    await stored(world.store, HYGIENE)
    for volunteer in (anna, fatma, otto):
        await qualified(world, site, volunteer, until)
    await qualified(world, site, later, world.now + timedelta(days=45))

    # The worker's own pass queues the warnings and delivers them.
    with smtp_server(smtp_port) as inbox, workers(
        database_url, servers.redis_url, broker_namespace, 1, env=mail_env(smtp_port)
    ) as (worker,):
        async def two_sent():
            return sorted((await states(pool)).values()) == ["sent", "sent"]
        await eventually(two_sent, what="two warnings sent", worker=worker)
    german, = inbox.to("anna@example.org")
    assert german["Subject"] == (
        f"Ihre Qualifikation Hygieneschulung läuft am "
        f"{format_date(until.astimezone(BERLIN).date(), 'long', locale='de')} ab")
    assert "Hallo Anna Lehmann," in text_of(german) and "Ihr Team vom Dorftreff Gehrde" \
        in text_of(german)
    assert "https://treffpunkt.bersenbrueck.example/volunteer/trainings" in text_of(german)
    english, = inbox.to("fatma@example.org")
    assert english["Subject"].startswith("Your qualification Food hygiene runs out on")
    assert english["Content-Language"] == "en"
    assert inbox.to("otto@example.org") == [] and inbox.to("lena@example.org") == []

    # Again, and after a rebuild of the notifier: nothing new. A renewal with a new expiry
    # warns again; erasure suppresses a warning still pending.
    await start_rebuild(pool, NOTIFIER)
    await caught_up(world)
    assert await queue_due_warnings(pool, datetime.now(UTC)) == 0
    await qualified(world, site, anna, until + timedelta(days=7))
    await qualified(world, site, later, world.now + timedelta(days=20))
    await caught_up(world)
    assert await queue_due_warnings(pool, datetime.now(UTC)) == 2
    await volunteers.erase(world.commands, pool, later, "account-coordinator")
    await caught_up(world)
    with smtp_server(smtp_port) as inbox:
        await deliver_due(pool, smtp_settings(smtp_port))
    assert [m["To"].addresses[0].addr_spec for m in inbox.messages] == ["anna@example.org"]
    assert await pool.fetchval(
        "SELECT state || ' ' || detail FROM outbox WHERE volunteer_id = $1", later
    ) == "suppressed erased"
    assert await pool.fetchval(
        "SELECT count(*) FROM outbox WHERE params::text ILIKE '%example.org%'") == 0


async def a_coordinator(world: World, site: UUID, address: str) -> UUID:
    _, account = await register_account(
        world.commands, world.pool, derive_keys(SECRET), email=address, password="geheim-123",
        role=COORDINATOR_ROLE, site_ids=[site], volunteer_id=None, actor="account-admin")
    return account


async def an_uncounted_session(world: World, site: UUID, days_ago: float) -> None:
    offer, start = uuid4(), (world.now - timedelta(days=days_ago)).replace(microsecond=0)
    await stored(world.store, OfferCreated(offer_id=offer, site_id=site, title="Erzählcafé",
                                           category="Begegnung"),
                 SessionScheduled(session_id=uuid4(), offer_id=offer, site_id=site,
                                  room_id=uuid4(), booking_id=uuid4(),
                                  occurrences=[Occurrence(starts_at=start,
                                                          ends_at=start + timedelta(hours=2))]))


def digest_due_now() -> datetime:
    """Now, or this Monday's 07:00 in Berlin if it is early on a Monday."""
    now = datetime.now(UTC)
    local = now.astimezone(BERLIN)
    if local.weekday() == 0 and local.hour < 7:
        return local.replace(hour=7, minute=0, second=0, microsecond=0).astimezone(UTC)
    return now


async def test_each_coordinator_gets_one_digest_a_week_for_their_sites_and_none_when_empty(
    pool, world, smtp_port  # noqa: F811
):
    gehrde, rieste = await world.site("Dorftreff Gehrde"), await world.site("Dorftreff Rieste")
    coordinator = await a_coordinator(world, gehrde, "Koordination@Example.org")
    quiet = await a_coordinator(world, rieste, "rieste@example.org")
    anna = await world.volunteer("Anna Lehmann", "anna@example.org")
    short = await world.shift(gehrde, capacity=3, in_days=2)
    await world.claim(short, anna)  # Anna serves at Gehrde: her qualification is listed
    full = await world.shift(rieste, capacity=1, in_days=2)
    await world.claim(full, await world.volunteer("Bernd", "bernd@example.org"))
    await an_uncounted_session(world, gehrde, days_ago=3)
    await stored(world.store, HYGIENE)
    await qualified(world, rieste, anna, world.now + timedelta(days=10))
    await caught_up(world)
    assert await pool.fetchval(
        "SELECT count(*) FROM events WHERE data::text ILIKE '%example.org%'") == 0

    now = digest_due_now()
    assert await queue_due_digests(pool, now) == 1
    assert await queue_due_digests(pool, now + timedelta(hours=1)) == 0  # once a week
    await start_rebuild(pool, NOTIFIER)
    await caught_up(world)
    assert await queue_due_digests(pool, now) == 0
    assert await pool.fetchval(
        "SELECT state || ' ' || detail FROM outbox WHERE volunteer_id = $1", quiet
    ) == "suppressed nothing to tell"
    assert await pool.fetchval(
        """SELECT count(*) FROM outbox WHERE params::text ILIKE '%example.org%'
              OR params::text ILIKE '%Anna%'""") == 0

    with smtp_server(smtp_port) as inbox:
        await deliver_due(pool, smtp_settings(smtp_port))
    digest, = [m for m in inbox.messages if m["Subject"].startswith("Wochenübersicht")]
    assert digest["To"].addresses[0].addr_spec == "koordination@example.org"
    week = now.astimezone(BERLIN).isocalendar()[1]
    assert digest["Subject"] == f"Wochenübersicht KW {week}: Dorftreff Gehrde"
    body = text_of(digest)
    assert "Küche im Dorftreff Gehrde" in body and "offene Plätze: 2" in body
    assert "Erzählcafé im Dorftreff Gehrde" in body
    assert "Anna Lehmann: Hygieneschulung, gültig bis" in body
    assert "https://treffpunkt.bersenbrueck.example/coordinator/" in body
    assert "Bernd" not in body and "Rieste" not in body
    assert await pool.fetchval("SELECT state FROM outbox WHERE volunteer_id = $1",
                               coordinator) == "sent"


async def test_the_digest_is_queued_at_0700_berlin_on_the_monday_after_the_clocks_go_back(
    pool, world  # noqa: F811
):
    site = await world.site()
    await a_coordinator(world, site, "koordination@example.org")
    await caught_up(world)
    year = world.now.year if world.now.month < 10 else world.now.year + 1
    sunday = datetime(year, 10, 31) + relativedelta(weekday=SU(-1))
    monday = datetime(sunday.year, sunday.month, sunday.day, tzinfo=UTC) + timedelta(days=1)
    # 07:00 CET is 06:00 UTC (it was 05:00 UTC the Monday before, in summer time).
    await queue_due_digests(pool, monday.replace(hour=5, minute=59))
    assert await pool.fetchval("SELECT count(*) FROM outbox") == 0
    await queue_due_digests(pool, monday.replace(hour=6))
    assert await pool.fetchval("SELECT count(*) FROM outbox") == 1


async def test_a_coordinator_registered_before_addresses_were_kept_gets_its_digest_after_signing_in(
    pool, world, smtp_port  # noqa: F811
):
    site = await world.site("Dorftreff Gehrde")
    keys, account = derive_keys(SECRET), uuid4()
    password_hash = sealed_hash(await credential_key(pool, account), account,
                                hash_password("geheim-123"))
    await world.commands.handle(ACCOUNTS, RegisterAccount(  # as the version before did
        account_id=account, email_digest=keys.email_digest("alt@example.org"),
        password_hash=password_hash, role=COORDINATOR_ROLE, site_ids=[site], volunteer_id=None,
        now=datetime.now(UTC)), EventMetadata(actor="account-admin"))
    await world.shift(site, capacity=2, in_days=1)
    await caught_up(world)
    assert await queue_due_digests(pool, digest_due_now()) == 0  # no address to mail

    for _ in range(2):
        assert await sign_in(world.commands, pool, keys, "Alt@Example.org", "geheim-123")
    assert await pool.fetchval(
        "SELECT count(*) FROM events WHERE type = 'account.email_sealed'") == 1
    await caught_up(world)
    assert await queue_due_digests(pool, digest_due_now()) == 1
    with smtp_server(smtp_port) as inbox:
        await deliver_due(pool, smtp_settings(smtp_port))
    digest, = inbox.messages
    assert digest["To"].addresses[0].addr_spec == "alt@example.org"


async def test_a_digest_still_pending_when_the_coordinators_account_is_closed_is_not_sent(
    pool, world, smtp_port  # noqa: F811
):
    site = await world.site("Dorftreff Gehrde")
    account = await a_coordinator(world, site, "koordination@example.org")
    await world.shift(site, capacity=2, in_days=1)
    await caught_up(world)
    assert await queue_due_digests(pool, digest_due_now()) == 1
    await world.commands.handle(CLOSING, CloseAccount(account_id=account, reason="ausgeschieden",
                                                      now=datetime.now(UTC)),
                                EventMetadata(actor="account-admin"))
    await caught_up(world)
    with smtp_server(smtp_port) as inbox:
        await deliver_due(pool, smtp_settings(smtp_port))
    assert inbox.to("koordination@example.org") == []
    assert await pool.fetchval(
        "SELECT state || ' ' || detail FROM outbox WHERE volunteer_id = $1", account
    ) == "suppressed closed"
