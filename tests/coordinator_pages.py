"""The coordinator's pages under test: signed in through the form (a coordinator or the admin),
the week of a site in early March next year, a weekday some weeks ahead, booking through the
week's form, and reading a page's text, links and forms."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from html import unescape
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

from services.pages.session import SESSION_COOKIE
from tests.accounts_world import ADMIN_EMAIL, ADMIN_PASSWORD, COORDINATOR_A, PASSWORD
from tests.dates import berlin, first_monday
from tests.scheduling_world import World


MONDAY = first_monday(3)
"""The Monday of a week in early March next year: winter time, two weeks clear of the clock
change at the end of March (tests that cross it start from ``clock_change``)."""


def on(days: int) -> date:
    """The day ``days`` after ``MONDAY``: ``on(1)`` is its Tuesday, ``on(8)`` the next one."""
    return MONDAY + timedelta(days=days)


def in_utc(day: date, clock: str) -> str:
    """A Berlin wall-clock time as the week view's links carry it: UTC, ISO 8601."""
    return datetime.fromisoformat(berlin(day, clock)).astimezone(UTC).isoformat()


def csrf_of(html: str) -> str:
    match = re.search(r'name="_csrf_token" value="([^"]+)"', html)
    assert match, "the page carries no CSRF token"
    return match.group(1)


def text_of(html: str) -> str:
    """The page's visible text, tags dropped and spaces collapsed (for reading assertions)."""
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


async def sign_in_as(world: World, caller: str) -> None:
    """Signs in through the form; the CSRF cookie stays, so a token read earlier stays valid."""
    world.client.cookies.delete(SESSION_COOKIE)
    form = await world.client.get("/sign-in")
    response = await world.client.post("/sign-in", data={
        "email": f"{caller}@example.org", "password": PASSWORD, "next": "/coordinator",
        "_csrf_token": csrf_of(form.text)}, follow_redirects=False)
    assert response.status_code == 303, response.text
    assert world.client.cookies.get(SESSION_COOKIE)


def week_path(world: World) -> str:
    return f"/coordinator/sites/{world.site_a}/week"


async def book(world: World, **fields: str) -> object:
    form = await world.client.get(week_path(world), params={"week": fields.get("date", "")})
    assert form.status_code == 200, form.text
    key = re.search(r'name="request_key" value="([^"]+)"', form.text).group(1)
    return await world.client.post(
        f"/coordinator/sites/{world.site_a}/bookings",
        data={"room_id": str(world.room_a), "request_key": key,
              "_csrf_token": csrf_of(form.text), **fields},
        follow_redirects=False,
    )


def cancel_link_of(html: str, starts_at: str, scope: str) -> str:
    """The week entry's link to the question before cancelling it (``starts_at``: UTC, ISO)."""
    for href in re.findall(r'href="([^"]*/cancellations\?[^"]*)"', html):
        query = parse_qs(urlsplit(unescape(href)).query)
        if query["occurrence"] == [starts_at] and query["scope"] == [scope]:
            return unescape(href)
    raise AssertionError(f"no cancel link for {starts_at}")


async def cancel_form_of(world: World, html: str, starts_at: str, scope: str,
                         reason: str = "Heizung defekt") -> dict[str, str]:
    """The question's form (asked before anything is cancelled), answered with ``reason``."""
    question = (await world.client.get(cancel_link_of(html, starts_at, scope))).text
    assert "Ja, absagen" in question
    fields = dict(re.findall(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)">',
                             question))
    return {**fields, "reason": reason, "_csrf_token": csrf_of(question)}


async def a_session_dates_question(world: World, title: str, category: str, day: date,
                                   start: str, end: str) -> tuple[dict[str, Any], str, str]:
    """An offer of site A held weekly (twice) from ``day``, ``start``-``end`` Berlin time, and
    coordinator A signed in: the session as created, the week view of ``MONDAY`` and the
    question before the first date is cancelled (HTML)."""
    offer = await world.created(COORDINATOR_A, "/api/offers", {
        "site_id": str(world.site_a), "title": title, "category": category})
    session = await world.created(COORDINATOR_A, f"/api/offers/{offer['id']}/sessions", {
        "room_id": str(world.room_a), "starts_at": berlin(day, start),
        "ends_at": berlin(day, end), "recurrence": {"rrule": "FREQ=WEEKLY", "count": 2}})
    await sign_in_as(world, COORDINATOR_A)
    html = (await world.client.get(week_path(world), params={
        "week": MONDAY.isoformat(), "min_position": str(session["position"])})).text
    question = (await world.client.get(cancel_link_of(html, in_utc(day, start), "occurrence"))).text
    return session, html, question


BERLIN_ZONE = ZoneInfo("Europe/Berlin")


def weekday_ahead(weeks: int, weekday: int) -> datetime:
    """The date ``weekday`` (0: Monday) at least ``weeks`` weeks ahead, at midnight in Berlin."""
    today = datetime.now(BERLIN_ZONE).date()
    day = today + timedelta(weeks=weeks, days=(weekday - today.weekday()) % 7)
    return datetime.combine(day, time(), tzinfo=BERLIN_ZONE)


async def sign_in_as_admin(world: World) -> None:
    world.client.cookies.delete(SESSION_COOKIE)
    form = await world.client.get("/sign-in")
    response = await world.client.post("/sign-in", data={
        "email": ADMIN_EMAIL, "password": ADMIN_PASSWORD, "next": "/",
        "_csrf_token": csrf_of(form.text)}, follow_redirects=False)
    assert response.status_code == 303, response.text
