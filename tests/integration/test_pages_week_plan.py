"""The coordinator's week plan ("Wochenplan"): each day's rooms and shifts side by side, time
running down in half-hour rows from 07:00, blocks placed on the Berlin wall clock (also on the
day of a clock change), each block a link; the week's days to jump to, today marked."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.coordinator_pages import sign_in_as, text_of, week_path, weekday_ahead
from tests.calendar_projector import projector  # noqa: F401 - a fixture
from tests.accounts_world import COORDINATOR_A
from tests.scheduling_world import iso, world  # noqa: F401 - world is a fixture

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]
BERLIN = ZoneInfo("Europe/Berlin")


def day_section(html: str, day: date) -> str:
    """The HTML of ``day``'s section of the plan."""
    start = html.index(f'id="tag-{day.isoformat()}"')
    return html[start:html.index("</section>", start)]


def block(section: str, title: str) -> str:
    """The opening tag and text of the block named ``title``."""
    match = re.search(rf'<a class="block [^"]*"[^>]*>(?:(?!</a>).)*{re.escape(title)}.*?</a>',
                      section, re.S)
    assert match, f"no block {title!r} in {text_of(section)!r}"
    return match.group(0)


def next_clock_change() -> date:
    """The next Sunday the clocks change in Berlin, at least a week ahead."""
    day = datetime.now(BERLIN).date() + timedelta(days=7)
    while True:
        before = datetime.combine(day, time(1), tzinfo=BERLIN).utcoffset()
        if day.weekday() == 6 and before != datetime.combine(day, time(4), tzinfo=BERLIN
                                                             ).utcoffset():
            return day
        day += timedelta(days=1)


async def test_the_week_plan_places_bookings_and_shifts_on_their_half_hour_rows(world, projector):
    await world.created(COORDINATOR_A, f"/api/sites/{world.site_a}/rooms",
                        {"name": "Küche", "capacity": 8})
    tuesday = weekday_ahead(2, 1)
    choir = tuesday + timedelta(hours=16, minutes=30)
    booked = await world.created(COORDINATOR_A, f"/api/rooms/{world.room_a}/bookings", {
        "title": "Chorprobe", "starts_at": iso(choir),
        "ends_at": iso(choir + timedelta(minutes=90))})
    kitchen = tuesday + timedelta(hours=11)
    shift = await world.created(COORDINATOR_A, "/api/shifts", {
        "site_id": str(world.site_a), "title": "Küchenhilfe", "starts_at": iso(kitchen),
        "ends_at": iso(kitchen + timedelta(hours=3, minutes=30)), "capacity": 3})
    late = await world.created(COORDINATOR_A, "/api/shifts", {
        "site_id": str(world.site_a), "title": "Abwasch", "starts_at": iso(kitchen + timedelta(hours=3)),
        "ends_at": iso(kitchen + timedelta(hours=4)), "capacity": 1})
    await sign_in_as(world, COORDINATOR_A)
    response = await world.client.get(week_path(world), params={
        "week": tuesday.date().isoformat(),
        "min_position": str(max(booked["position"], late["position"]))})
    assert response.status_code == 200, response.text
    section = day_section(response.text, tuesday.date())
    assert "<h3" in section and f"Di {tuesday:%d.%m.%Y}" in text_of(section)
    # A room with nothing that day gets no column, it is named free all day.
    assert "Den ganzen Tag frei: Küche" in text_of(section) and ">Küche<" not in section
    # Row 1 holds the columns' names; 07:00 is row 2, each half hour one row further.
    assert re.search(r'class="plan-head cs-2 ce-3">Saal<', section)
    assert re.search(r'class="plan-head shifts cs-3 ce-5">Schichten<', section)  # 2 lanes
    assert re.search(r'class="plan-time rs-2 re-4">07:00<', section)
    assert re.search(r'class="plan-time rs-30 re-32">21:00<', section)
    choir_block = block(section, "Chorprobe")
    assert 'rs-21 re-24 cs-2"' in choir_block  # 16:30 to 18:00
    assert f'href="#b-{booked["id"]}-{int(choir.timestamp())}"' in choir_block
    assert "16:30–18:00 Chorprobe" in text_of(choir_block)
    assert f'id="b-{booked["id"]}-{int(choir.timestamp())}"' in response.text  # its target
    kitchen_block = block(section, "Küchenhilfe")
    assert "unfilled" in kitchen_block and 'rs-10 re-17 cs-3"' in kitchen_block  # 11:00–14:30
    assert f'href="/coordinator/shifts/{shift["id"]}"' in kitchen_block
    assert "11:00–14:30 Küchenhilfe , Schichten 0 von 3 besetzt" in text_of(kitchen_block)
    # The washing-up from 14:00 overlaps the kitchen shift: it gets a lane of its own.
    assert 'rs-16 re-18 cs-4"' in block(section, "Abwasch")
    # Days without anything say so instead of an empty grid.
    monday = tuesday.date() - timedelta(days=1)
    assert "Nichts gebucht, keine Schichten." in text_of(day_section(response.text, monday))


async def test_a_booking_on_the_day_of_a_clock_change_keeps_its_wall_clock_row(world,
                                                                              projector):
    sunday = next_clock_change()
    evening = datetime.combine(sunday, time(18), tzinfo=BERLIN)
    booked = await world.created(COORDINATOR_A, f"/api/rooms/{world.room_a}/bookings", {
        "title": "Skat", "starts_at": iso(evening),
        "ends_at": iso(evening + timedelta(hours=1))})
    early = datetime.combine(sunday, time(6, 30), tzinfo=BERLIN)
    await world.created(COORDINATOR_A, f"/api/rooms/{world.room_a}/bookings", {
        "title": "Frühstück", "starts_at": iso(early),
        "ends_at": iso(early + timedelta(minutes=60))})
    await sign_in_as(world, COORDINATOR_A)
    html = (await world.client.get(week_path(world), params={
        "week": sunday.isoformat(), "min_position": str(booked["position"] + 1)})).text
    section = day_section(html, sunday)
    # An entry before 07:00 widens the week's plan to 06:00: 18:00 is row 26.
    assert re.search(r'class="plan-time rs-2 re-4">06:00<', section)
    assert 'rs-26 re-28 cs-2"' in block(section, "Skat")
    assert "18:00–19:00 Skat" in text_of(block(section, "Skat"))
    assert 'rs-3 re-5 cs-2"' in block(section, "Frühstück")


async def test_the_plan_marks_today_and_leads_to_the_weeks_before_and_after(world, projector):
    await sign_in_as(world, COORDINATOR_A)
    html = (await world.client.get(week_path(world))).text
    today = datetime.now(BERLIN).date()
    monday = today - timedelta(days=today.weekday())
    assert re.search(rf'<a href="#tag-{today.isoformat()}" aria-current="date">', html)
    assert html.count('aria-current="date"') == 1
    assert f'class="card day-plan today" id="tag-{today.isoformat()}"' in html
    assert "heute" in text_of(day_section(html, today))
    assert f'href="?week={(monday - timedelta(days=7)).isoformat()}" rel="prev"' in html
    assert f'href="?week={(monday + timedelta(days=7)).isoformat()}" rel="next"' in html
    # Another week marks no day.
    other = (await world.client.get(week_path(world), params={
        "week": (monday + timedelta(days=7)).isoformat()})).text
    assert 'aria-current="date"' not in other and "day-plan today" not in other
