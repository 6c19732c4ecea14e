"""Every API route × every caller, against the allowed set written once below (API.md).

Callers: each role, two coordinators of different sites, the volunteer the request is about
(``volunteer_self``) and another one, and four kinds of bad credentials. A caller outside the
allowed set gets exactly 403; bad credentials get exactly 401 (unless the route is public); an
allowed caller gets past the guards (its answer may still be a 409 or 422 of the rules, e.g. a
second claim of the same shift, but never 401, 403 or a 5xx).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from litestar.routes import HTTPRoute
from litestar.testing import AsyncTestClient

from services.platform.app import create_app
from services.platform.settings import Settings
from events.store import EventStore
from projections.runner import ensure_projection, run_once
from projections.volunteer_sites import VOLUNTEER_SITES, active_at_any
from tests.accounts_world import (
    ADMIN,
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    AUDITOR,
    COORDINATOR_A,
    COORDINATOR_B,
    PASSWORD,
    ROLES,
    SECRET,
    UNAUTHENTICATED,
    VOLUNTEER_OTHER,
    VOLUNTEER_SELF,
    bearer,
    sign_in,
    world as accounts_world,  # noqa: F401 - the fixture this module's world builds on
)

pytestmark = pytest.mark.integration

COORDINATORS = {COORDINATOR_A, COORDINATOR_B}
SIGNED_IN = set(ROLES)
STAFF_A = {ADMIN, COORDINATOR_A}
"""Admins and the coordinator of site A, where every target below lives."""
ALICES_READERS = {*STAFF_A, VOLUNTEER_SELF}
"""Who reads Alice's data: she is known at site A only (enrolled in its training), so the
coordinator of site B may not (issue 17: personal data only of volunteers at its sites)."""
ANYONE = {*ROLES, *UNAUTHENTICATED}

Body = Callable[["Targets"], dict[str, Any]] | None
RANGE = "from=2026-01-01T00:00:00Z&to=2028-01-01T00:00:00Z"


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    """As Litestar formats it; ``{name}`` is filled from the targets."""
    allowed: frozenset[str] | set[str]
    body: Body = None
    query: str = ""
    """Appended to the path, formatted like it."""
    bearer_ignored: bool = False
    """A calendar feed: authenticated by its own ``?token=``, so every bearer caller gets 401."""
    allowed_last: bool = False
    """The callers refused come first: an allowed call ends an account, and its token with it."""
    fresh_token: bool = False
    """The call ends the caller's token (signing out): each caller signs in anew for it."""


@dataclass
class Targets:
    ids: dict[str, UUID]
    slot: int = 0
    extra: dict[str, str] = field(default_factory=dict)

    def next_slot(self) -> tuple[str, str]:
        """A fresh hour next year, so bookings of different callers do not collide."""
        self.slot += 1
        start = datetime(datetime.now(UTC).year + 1, 3, 2, 8, tzinfo=UTC) + timedelta(hours=self.slot)
        return start.isoformat(), (start + timedelta(minutes=30)).isoformat()


def booking(t: Targets) -> dict[str, Any]:
    starts_at, ends_at = t.next_slot()
    return {"title": "Probe", "starts_at": starts_at, "ends_at": ends_at}


def session(t: Targets) -> dict[str, Any]:
    starts_at, ends_at = t.next_slot()
    return {"room_id": str(t.ids["room_id"]), "starts_at": starts_at, "ends_at": ends_at}


def shift(t: Targets) -> dict[str, Any]:
    starts_at, ends_at = t.next_slot()
    return {"site_id": str(t.ids["site_id"]), "title": "Dienst", "starts_at": starts_at,
            "ends_at": ends_at, "capacity": 3}


def shift_series(t: Targets) -> dict[str, Any]:
    return {**shift(t), "recurrence": {"rrule": "FREQ=WEEKLY", "count": 2}}


def training(t: Targets) -> dict[str, Any]:
    starts_at, ends_at = t.next_slot()
    return {"site_id": str(t.ids["site_id"]), "room_id": str(t.ids["room_id"]),
            "title": "Erste Hilfe", "qualification": "first_aid", "valid_for_months": 24,
            "starts_at": starts_at, "ends_at": ends_at, "capacity": 10}


def hours_line(t: Targets) -> dict[str, Any]:
    """Two hours of Alice's at site A, on a day of last year no other line of hers takes."""
    t.slot += 1
    start = datetime(datetime.now(UTC).year - 1, 3, 2, 8, tzinfo=UTC) + timedelta(hours=t.slot)
    return {"site_id": str(t.ids["site_id"]), "activity": "Fahrdienst",
            "started_at": start.isoformat(),
            "ended_at": (start + timedelta(minutes=30)).isoformat()}


def for_alice(t: Targets) -> dict[str, Any]:
    return {"volunteer_id": str(t.ids["volunteer_id"])}


ROUTES: list[Route] = [
    # Accounts
    Route("POST", "/api/auth/token", ANYONE,
          body=lambda t: {"email": "auditor@example.org", "password": PASSWORD}),
    Route("POST", "/api/auth/sign-out", SIGNED_IN, fresh_token=True),
    Route("POST", "/api/auth/password-reset", ANYONE,
          body=lambda t: {"email": "nobody-here@example.org"}),
    Route("POST", "/api/auth/password-reset/{token}", ANYONE,
          body=lambda t: {"password": "a-new-password"}),
    Route("POST", "/api/auth/password-choice", ANYONE,
          body=lambda t: {"password": "a-new-password", "token": t.extra["token"]}),
    Route("POST", "/api/accounts", {ADMIN},
          body=lambda t: {"email": f"{uuid4().hex}@example.org", "password": PASSWORD,
                          "role": "auditor"}),
    # Sites and rooms
    Route("POST", "/api/sites", {ADMIN}, body=lambda t: {"name": "Treff", "village": "Bredenbeck"}),
    Route("PUT", "/api/sites/{site_id}/contact", STAFF_A,
          body=lambda t: {"address": "Kirchstraße 3", "contact": "Tel. 05439 1234"}),
    Route("POST", "/api/sites/{site_id}/rooms", STAFF_A,
          body=lambda t: {"name": f"Raum {uuid4().hex[:4]}", "capacity": 12}),
    Route("POST", "/api/rooms/{room_id}/bookings", STAFF_A, body=booking),
    Route("DELETE", "/api/rooms/{room_id}/bookings/{booking_id}", STAFF_A),
    # Offers, sessions and attendance
    Route("POST", "/api/offers", STAFF_A,
          body=lambda t: {"site_id": str(t.ids["site_id"]), "title": "Mittagstisch",
                          "category": "community"}),
    Route("POST", "/api/offers/{offer_id}/sessions", STAFF_A, body=session),
    Route("PUT", "/api/offers/{offer_id}", STAFF_A,
          body=lambda t: {"title": f"Mittagstisch {uuid4().hex[:4]}", "category": "community"}),
    Route("PUT", "/api/offers/{offer_id}/publication", STAFF_A,
          body=lambda t: {"public": True, "public_description": "Für alle."}),
    Route("POST", "/api/offers/{offer_id}/shift-plans", STAFF_A,
          body=lambda t: {"title": "Küche", "starts_at_time": "11:00", "ends_at_time": "14:30",
                          "capacity": 3}),
    Route("POST", "/api/sessions/{session_id}/attendance", STAFF_A,
          body=lambda t: {"occurrence_starts_at": t.extra["session_start"], "visitors": 7,
                          "reason": "gezählt"}),
    # Volunteers and shifts
    Route("POST", "/api/volunteers", {ADMIN, *COORDINATORS},
          body=lambda t: {"name": "Neu", "email": f"{uuid4().hex}@example.org"}),
    Route("GET", "/api/volunteers/{volunteer_id}", ALICES_READERS),
    Route("POST", "/api/volunteers/{volunteer_id}/invitation", STAFF_A),
    Route("POST", "/api/shifts", STAFF_A, body=shift),
    Route("POST", "/api/shifts/{shift_id}/claims", {*STAFF_A, VOLUNTEER_SELF}, body=for_alice),
    Route("DELETE", "/api/shifts/{shift_id}/claims/{volunteer_id}", {*STAFF_A, VOLUNTEER_SELF}),
    Route("POST", "/api/shifts/{shift_id}/claims/{volunteer_id}/handover", {VOLUNTEER_SELF},
          body=lambda t: {}),
    # Offered by Alice to site A's volunteers: she is one (and then told it is her own, 409).
    Route("POST", "/api/handovers/{handover_id}/acceptance", {VOLUNTEER_SELF}),
    Route("POST", "/api/handovers/{handover_id}/withdrawal", {VOLUNTEER_SELF}),
    Route("POST", "/api/shifts/{shift_id}/attendance", STAFF_A,
          body=lambda t: {"present": [str(t.ids["volunteer_id"])]}),
    Route("GET", "/api/shifts/{shift_id}/roster", STAFF_A),
    Route("POST", "/api/shift-series", STAFF_A, body=shift_series),
    Route("POST", "/api/volunteers/{volunteer_id}/hours", STAFF_A, body=hours_line),
    Route("POST", "/api/volunteers/{volunteer_id}/hours/{line_id}/correction", STAFF_A,
          body=lambda t: {**hours_line(t), "reason": "nachgetragen"}),
    # Trainings
    Route("POST", "/api/trainings", STAFF_A, body=training),
    Route("POST", "/api/trainings/{training_id}/enrollments", {*STAFF_A, VOLUNTEER_SELF},
          body=for_alice),
    Route("DELETE", "/api/trainings/{training_id}/enrollments/{volunteer_id}",
          {*STAFF_A, VOLUNTEER_SELF}),
    Route("POST", "/api/trainings/{training_id}/completion", STAFF_A,
          body=lambda t: {"attended": [str(t.ids["volunteer_id"])]}),
    # Reads of the directory, calendars, shifts, schedules and records
    Route("GET", "/api/sites", SIGNED_IN),
    Route("GET", "/api/programme", ANYONE, query="?site_id={site_id}"),
    Route("GET", "/api/programme.ics", ANYONE, query="?site_id={site_id}"),
    Route("GET", "/api/rooms", SIGNED_IN, query="?site_id={site_id}"),
    Route("GET", "/api/offers", SIGNED_IN, query="?site_id={site_id}"),
    Route("GET", "/api/rooms/{room_id}/calendar", SIGNED_IN, query=f"?{RANGE}"),
    Route("GET", "/api/rooms/{room_id}/calendar.ics", SIGNED_IN),
    Route("GET", "/api/shifts", SIGNED_IN, query=f"?site_id={{site_id}}&{RANGE}"),
    Route("GET", "/api/volunteers/{volunteer_id}/shifts", ALICES_READERS, query=f"?{RANGE}"),
    Route("GET", "/api/volunteers/{volunteer_id}/feed-link", ALICES_READERS),
    Route("GET", "/api/volunteers/{volunteer_id}/shifts.ics", set(), bearer_ignored=True),
    Route("GET", "/api/volunteers/{volunteer_id}/training-record", {*ALICES_READERS, AUDITOR}),
    Route("GET", "/api/qualifications/expiring", STAFF_A, query="?site_id={site_id}"),
    # The qualification catalogue
    Route("GET", "/api/qualifications", SIGNED_IN),
    Route("POST", "/api/qualifications", {ADMIN},
          body=lambda t: {"code": f"q_{uuid4().hex[:8]}", "name": {"de": "Q", "en": "Q"},
                          "default_valid_for_months": 12}),
    # Statistics, reports and audit
    Route("GET", "/api/stats/attendance", {*STAFF_A, AUDITOR},
          query="?site_id={site_id}&from=2026-01-01&to=2026-12-31&group_by=month"),
    Route("GET", "/api/reports/funding", {*STAFF_A, AUDITOR}, query="?site_id={site_id}"),
    Route("GET", "/api/reports/funding/timesheet", {*STAFF_A, AUDITOR},
          query="?site_id={site_id}"),
    Route("PUT", "/api/funding/settings", {ADMIN},
          body=lambda t: {"provider": "Samtgemeinde", "programme": "Dorftreffs",
                          "funding_reference": "SG-1", "eur_per_volunteer_hour": 15,
                          "valid_from": "2026-01-01"}),
    Route("GET", "/api/reports/funding/changes", {ADMIN, AUDITOR},
          query="?since=2026-01-01T00:00:00Z"),
    # A job nobody asked for: 404 for whoever passes the role check (the owner check is in
    # tests/integration/test_report_jobs.py).
    Route("GET", "/api/reports/jobs/{job_id}", {ADMIN, *COORDINATORS, AUDITOR}),
    Route("GET", "/api/audit/events", {ADMIN, AUDITOR}),
    Route("GET", "/api/audit/verify", {ADMIN, AUDITOR}),
    Route("GET", "/api/audit/heads/{chain_hash}", {ADMIN, AUDITOR}),
    Route("GET", "/api/audit/export", {ADMIN, AUDITOR}),
    # Cancelling the shift: near the end, the routes above act on it still open.
    Route("POST", "/api/shifts/{shift_id}/cancellation", STAFF_A,
          body=lambda t: {"reason": "Die Küche bleibt zu."}),
    # Erasure: last, it ends Alice's account (and her token: 401 from then on).
    Route("GET", "/api/volunteers/{volunteer_id}/notification-settings", ALICES_READERS),
    Route("PUT", "/api/volunteers/{volunteer_id}/notification-settings", {ADMIN, VOLUNTEER_SELF},
          body=lambda t: {"language": "en", "reminder_hours_before": 24, "off": ["reminder"]}),
    Route("GET", "/api/notifications", {ADMIN, VOLUNTEER_SELF},
          query="?volunteer_id={volunteer_id}"),
    Route("POST", "/api/volunteers/{volunteer_id}/erasure", {ADMIN}, allowed_last=True),
]


def served_api_routes() -> set[tuple[str, str]]:
    app = create_app(Settings(database_url="postgresql://unused", redis_url="redis://unused",
                              secret_key=SECRET))
    return {
        (method, route.path_format)
        for route in app.routes if isinstance(route, HTTPRoute)
        and route.path_format.startswith("/api/")
        for handler in route.route_handlers
        for method in handler.http_methods if method not in {"OPTIONS", "HEAD"}
    }


def test_the_table_names_every_api_route_the_app_serves_and_no_other():
    listed = {(route.method, route.path) for route in ROUTES}
    served = served_api_routes()
    assert not served - listed, f"add to ROUTES with who may call them: {sorted(served - listed)}"
    assert not listed - served, f"ROUTES names routes not served: {sorted(listed - served)}"


async def created(client: AsyncTestClient, token: str, path: str, body: dict[str, Any]) -> UUID:
    response = await client.post(path, json=body, headers=bearer(token))
    assert response.status_code == 201, f"{path}: {response.text}"
    return UUID(response.json()["id"])


async def targets_of(world, pool, store: EventStore) -> Targets:
    """A room, a booking, an offer with a held session, a shift and a training, all at site A."""
    client, admin = world.client, world.tokens[ADMIN]
    t = Targets(dict(world.targets))
    site = t.ids["site_id"]
    t.ids["room_id"] = await created(client, admin, f"/api/sites/{site}/rooms",
                                     {"name": "Saal", "capacity": 40})
    t.ids["booking_id"] = await created(client, admin, f"/api/rooms/{t.ids['room_id']}/bookings",
                                        booking(t))
    t.ids["offer_id"] = await created(client, admin, "/api/offers",
                                      {"site_id": str(site), "title": "Zeitungscafé",
                                       "category": "participation"})
    held = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(days=2)
    t.extra["session_start"] = held.isoformat()
    t.ids["session_id"] = await created(
        client, admin, f"/api/offers/{t.ids['offer_id']}/sessions",
        {"room_id": str(t.ids["room_id"]), "starts_at": held.isoformat(),
         "ends_at": (held + timedelta(hours=1)).isoformat()})
    defined = await client.post("/api/qualifications", headers=bearer(admin), json={
        "code": "first_aid", "name": {"de": "Erste Hilfe", "en": "First aid"},
        "default_valid_for_months": 24})
    assert defined.status_code == 201, defined.text
    t.ids["shift_id"] = await created(client, admin, "/api/shifts", shift(t))
    t.ids["training_id"] = await created(client, admin, "/api/trainings", training(t))
    t.ids["job_id"] = uuid4()
    t.ids["line_id"] = await created(client, admin, f"/api/volunteers/{t.ids['volunteer_id']}"
                                     "/hours", hours_line(t))
    t.extra["chain_hash"] = "0" * 64
    t.extra["token"] = "not.a-link"
    await known_at_site_a(world, pool, store, t)
    t.ids["handover_id"] = await offered_by_alice(world, t)
    return t


async def offered_by_alice(world, t: Targets) -> UUID:
    """A shift of site A Alice holds and offers to the site's volunteers."""
    held = await created(world.client, world.tokens[ADMIN], "/api/shifts", shift(t))
    claimed = await world.client.post(f"/api/shifts/{held}/claims", json=for_alice(t),
                                      headers=bearer(world.tokens[ADMIN]))
    assert claimed.status_code == 201, claimed.text
    return await created(world.client, world.tokens[VOLUNTEER_SELF],
                         f"/api/shifts/{held}/claims/{t.ids['volunteer_id']}/handover", {})


async def known_at_site_a(world, pool, store: EventStore, t: Targets) -> None:
    """Alice enrolled in site A's training, and the read model that says so caught up."""
    enrolled = await world.client.post(f"/api/trainings/{t.ids['training_id']}/enrollments",
                                       json=for_alice(t), headers=bearer(world.tokens[ADMIN]))
    assert enrolled.status_code == 201, enrolled.text
    await ensure_projection(pool, VOLUNTEER_SITES)
    deadline = time.monotonic() + 20
    while not await active_at_any(pool, t.ids["volunteer_id"], [t.ids["site_id"]]):
        assert time.monotonic() < deadline, "volunteer_sites did not catch up"
        await run_once(pool, store, VOLUNTEER_SITES)
        await asyncio.sleep(0.02)


async def fresh_token(world, caller: str) -> str:
    if caller == ADMIN:
        return await sign_in(world.client, ADMIN_EMAIL, ADMIN_PASSWORD)
    return await sign_in(world.client, f"{caller}@example.org", PASSWORD)


async def test_every_route_answers_each_caller_as_the_contract_says(accounts_world, pool, store):  # noqa: F811
    world = accounts_world
    t = await targets_of(world, pool, store)
    mismatches = []
    for route in ROUTES:
        public = UNAUTHENTICATED[0] in route.allowed
        callers = [*ROLES, *UNAUTHENTICATED]
        if route.allowed_last:
            callers.sort(key=lambda caller: caller in route.allowed)
        for caller in callers:
            token = world.tokens[caller]
            if route.fresh_token and caller in ROLES:
                token = await fresh_token(world, caller)
            response = await world.client.request(
                route.method, (route.path + route.query).format(**t.ids, **t.extra),
                json=route.body(t) if route.body else None,
                headers=bearer(token),
            )
            status = response.status_code
            if route.bearer_ignored:
                ok, wanted = status == 401, "401 (the feed wants its own token)"
            elif caller in route.allowed:
                ok = status not in (401, 403) and status < 500
                wanted = "past the guards"
            elif caller in UNAUTHENTICATED and not public:
                ok, wanted = status == 401, "401"
            else:
                ok, wanted = status == 403, "403"
            if ok and status >= 400:
                ok = response.headers["content-type"].startswith("application/problem+json")
                wanted += " as problem+json"
            if not ok:
                mismatches.append(f"{route.method} {route.path} by {caller}: {status}, "
                                  f"expected {wanted}: {response.text[:200]}")
    assert not mismatches, "\n".join(mismatches)


assert {VOLUNTEER_OTHER, AUDITOR} <= set(ROLES)
