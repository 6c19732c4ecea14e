"""What the periodic passes decide, given the state and "now": a qualification's warning (30
days before, once per grant and expiry, not for the erased nor for who turned it off) and the
coordinators' weekly digest (Monday 07:00 in Berlin, their sites only, nothing when empty);
and both as e-mails in German and English."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4
from zoneinfo import ZoneInfo

import pytest
from dateutil.relativedelta import SU, relativedelta

from projections.coordinator_digest import (
    Coordinator,
    Expiring,
    ShortShift,
    UncountedSession,
    digest_key,
    digest_of,
    digest_params,
    digest_week,
)
from projections.notifier import QUALIFICATION_EXPIRING
from projections.qualification_warnings import (
    Grant,
    warning_key,
    warning_params,
    warnings_due,
)
from tests.mail import on_the_wire
from workers.mail.digest import digest_context
from workers.mail.messages import compose

pytestmark = pytest.mark.unit
BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime.now(UTC).replace(microsecond=0)
VOLUNTEER, GEHRDE, RIESTE = uuid4(), uuid4(), uuid4()


def a_grant(days: float, **more) -> Grant:
    return Grant(volunteer_id=VOLUNTEER, qualification="food_hygiene",
                 valid_until=NOW + timedelta(days=days), **more)


def test_a_qualification_is_warned_of_within_30_days_of_its_end_and_not_before_or_after():
    grants = [a_grant(31), a_grant(30), a_grant(2), a_grant(0), a_grant(-3)]
    assert [g.valid_until for g in warnings_due(grants, NOW)] == [
        NOW + timedelta(days=30), NOW + timedelta(days=2)]


def test_no_warning_for_an_erased_volunteer_nor_for_one_who_turned_it_off():
    assert warnings_due([a_grant(5, erased=True)], NOW) == []
    assert warnings_due([a_grant(5, off=(QUALIFICATION_EXPIRING,))], NOW) == []
    assert warnings_due([a_grant(5, off=("waitlisted",))], NOW) == [a_grant(5, off=("waitlisted",))]


def test_the_warning_is_keyed_by_volunteer_qualification_and_expiry_so_a_renewal_warns_again():
    first, again, renewed = a_grant(5), a_grant(5, erased=False), a_grant(400)
    assert warning_key(first) == warning_key(again)
    assert warning_key(first) != warning_key(renewed)
    assert str(VOLUNTEER) in warning_key(first) and "food_hygiene" in warning_key(first)


def monday_0700_berlin(weeks_ahead: int = 1) -> datetime:
    today = NOW.astimezone(BERLIN).date()
    monday = today + timedelta(days=7 * weeks_ahead - today.weekday())
    return datetime(monday.year, monday.month, monday.day, 7, tzinfo=BERLIN)


def test_the_digest_is_due_from_monday_0700_in_berlin_for_the_rest_of_its_iso_week():
    monday = monday_0700_berlin()
    year, week, _ = monday.isocalendar()
    assert digest_week(monday - timedelta(seconds=1)) is None
    assert digest_week(monday) == f"{year}-W{week:02d}"
    assert digest_week(monday + timedelta(days=6, hours=16, minutes=59)) == f"{year}-W{week:02d}"
    assert digest_week(monday - timedelta(hours=8)) != f"{year}-W{week:02d}"  # the week before


def test_across_the_october_clock_change_the_digest_stays_at_0700_on_the_wall_clock():
    # The Monday after the clocks go back (last Sunday of October): 07:00 CET is 06:00 UTC;
    # the Monday before it, 07:00 CEST was 05:00 UTC.
    year = NOW.year if NOW.month < 10 else NOW.year + 1
    change = datetime(year, 10, 31) + relativedelta(weekday=SU(-1))
    after = datetime(change.year, change.month, change.day, tzinfo=UTC) + timedelta(days=1)
    before = after - timedelta(days=7)
    assert digest_week(before.replace(hour=5)) is not None
    assert digest_week(before.replace(hour=4, minute=59)) is None
    assert digest_week(after.replace(hour=5, minute=59)) is None
    assert digest_week(after.replace(hour=6)) is not None


def test_one_digest_per_coordinator_and_week():
    account = uuid4()
    assert digest_key(account, "2030-W02") != digest_key(account, "2030-W03")
    assert digest_key(account, "2030-W02") != digest_key(uuid4(), "2030-W02")


def shift(site, days: float, capacity: int = 3, claimed: int = 1, title: str = "Küche"):
    start = NOW + timedelta(days=days)
    return ShortShift(shift_id=uuid4(), site_id=site, site="Dorftreff Gehrde", title=title,
                      starts_at=start, ends_at=start + timedelta(hours=4), capacity=capacity,
                      claimed=claimed)


def session(site, days_ago: float, visitors: int | None = None, cancelled: bool = False):
    start = NOW - timedelta(days=days_ago)
    return UncountedSession(session_id=uuid4(), site_id=site, site="Dorftreff Gehrde",
                            title="Erzählcafé", starts_at=start, ends_at=start + timedelta(hours=2),
                            visitors=visitors, cancelled=cancelled)


def expiring(sites, days: float, erased: bool = False):
    return Expiring(volunteer_id=uuid4(), qualification="food_hygiene",
                    names={"de": "Hygieneschulung", "en": "Food hygiene"},
                    valid_until=NOW + timedelta(days=days), serving_at=frozenset(sites),
                    erased=erased)


def test_the_digest_lists_only_its_sites_short_shifts_uncounted_sessions_and_expiring():
    coordinator = Coordinator(account_id=uuid4(), site_ids=(GEHRDE,))
    short, later = shift(GEHRDE, 2), shift(GEHRDE, 1)
    shifts = [short, later, shift(GEHRDE, 3, claimed=3), shift(GEHRDE, 8), shift(RIESTE, 2),
              shift(GEHRDE, -1)]
    uncounted = session(GEHRDE, 3)
    sessions = [uncounted, session(GEHRDE, 2, visitors=12), session(GEHRDE, 4, cancelled=True),
                session(GEHRDE, 40), session(RIESTE, 3), session(GEHRDE, 0.01)]  # still on
    soon = expiring({GEHRDE, RIESTE}, 10)
    qualifications = [soon, expiring({RIESTE}, 10), expiring({GEHRDE}, 45),
                      expiring({GEHRDE}, 10, erased=True), expiring({GEHRDE}, -1)]
    digest = digest_of(coordinator, shifts, sessions, qualifications, NOW)
    assert digest is not None
    assert digest.shifts == [later, short] and later.missing == 2
    assert digest.sessions == [uncounted]
    assert digest.qualifications == [soon]
    params = digest_params(digest, "2030-W02", ["Dorftreff Gehrde"])
    assert params["qualifications"] == [{"volunteer_id": str(soon.volunteer_id),
                                         "names": dict(soon.names),
                                         "valid_until": soon.valid_until.isoformat()}]


def test_nothing_to_tell_is_no_digest():
    coordinator = Coordinator(account_id=uuid4(), site_ids=(GEHRDE,))
    assert digest_of(coordinator, [shift(RIESTE, 2), shift(GEHRDE, 2, claimed=3)],
                     [session(GEHRDE, 2, visitors=3)], [expiring({RIESTE}, 5)], NOW) is None


def row(kind: str, language: str, params: dict) -> dict:
    return {"kind": kind, "language": language, "key": f"{kind}:x", "shift_id": None,
            "params": params}


def text(message) -> str:
    return message.get_body(("plain",)).get_content()


@pytest.mark.parametrize(("language", "subject", "line"), [
    ("de", "Ihre Qualifikation Hygieneschulung läuft am",
     "gilt nur noch bis zum"),
    ("en", "Your qualification Food hygiene runs out on", "is valid only until")])
def test_the_warning_names_the_qualification_and_the_date_in_the_volunteers_language(
        language, subject, line):
    grant = Grant(volunteer_id=VOLUNTEER, qualification="food_hygiene",
                  valid_until=datetime(NOW.year + 1, 3, 1, 12, tzinfo=UTC))
    params = warning_params(grant, {"de": "Hygieneschulung", "en": "Food hygiene"},
                            "Dorftreff Gehrde")
    message = on_the_wire(compose(row(QUALIFICATION_EXPIRING, language, params),
                                  "anna@example.org", "Anna", "Dorftreff <t@example.org>",
                                  "https://treffpunkt.example"))
    day = "1. März" if language == "de" else "1 March"
    assert message["Subject"].startswith(subject) and day in message["Subject"]
    assert line in text(message) and "Dorftreff Gehrde" in text(message)
    assert "https://treffpunkt.example/volunteer/trainings" in text(message)
    assert message["Content-Language"] == language


@pytest.mark.parametrize(("language", "heading", "erased"), [
    ("de", "Schichten der nächsten 7 Tage, für die noch Leute fehlen", "(gelöscht)"),
    ("en", "Shifts of the next 7 days still short of people", "(erased)")])
def test_the_digest_mail_lists_each_section_with_the_dorftreff_and_names_opened_at_sending(
        language, heading, erased):
    coordinator = Coordinator(account_id=uuid4(), site_ids=(GEHRDE,))
    anna, gone = expiring({GEHRDE}, 10), expiring({GEHRDE}, 12)
    digest = digest_of(coordinator, [shift(GEHRDE, 2)], [session(GEHRDE, 3)], [anna, gone], NOW)
    assert digest is not None
    params = digest_params(digest, "2030-W02", ["Dorftreff Gehrde"])
    digest_row = row("coordinator_digest", language, params)
    context = digest_context(digest_row, {str(anna.volunteer_id): "Anna Lehmann"},
                             "https://treffpunkt.example")
    message = on_the_wire(compose(digest_row, "koord@example.org", None,
                                  "Dorftreff <t@example.org>", "https://treffpunkt.example",
                                  context))
    body, html = text(message), message.get_body(("html",)).get_content()
    assert "2" in message["Subject"] and "Dorftreff Gehrde" in message["Subject"]
    assert heading in body and "Küche" in body and "Erzählcafé" in body
    assert "Anna Lehmann" in body and erased in body
    assert "https://treffpunkt.example/coordinator/" in body
    assert "<li" in html and "Anna Lehmann" in html
