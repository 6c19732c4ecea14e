"""Placing the week plan's blocks (services/pages/week_plan.py): rows on the Berlin wall clock,
the week's hours widened for entries outside 07:00-22:00, overlapping shifts side by side,
rooms with nothing that day named instead of given a column."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from uuid import uuid4
from zoneinfo import ZoneInfo

import pytest

from services.pages.week_plan import day_plans

pytestmark = pytest.mark.unit
BERLIN = ZoneInfo("Europe/Berlin")
MONDAY = date(2026, 10, 19)  # the week of the clock change on Sunday 25 October


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=BERLIN)


def room(name: str, *entries: tuple[datetime, datetime, str]) -> dict:
    days = [(MONDAY + timedelta(days=n), []) for n in range(7)]
    for starts_at, ends_at, title in entries:
        days[(starts_at.date() - MONDAY).days][1].append({
            "kind": "booking", "title": title, "starts_at": starts_at, "ends_at": ends_at,
            "cancelled": False, "anchor": title})
    return {"name": name, "days": days}


def shift(starts_at: datetime, ends_at: datetime, title: str, claimed: int = 0) -> dict:
    return {"id": uuid4(), "title": title, "starts_at": starts_at, "ends_at": ends_at,
            "capacity": 2, "claimed": claimed}


def plans(rooms: list[dict], shifts: list[dict] = ()) -> list:
    return day_plans(MONDAY, MONDAY, rooms, list(shifts), "Schichten",
                     booking_href=lambda r, e: f"#{e['anchor']}",
                     shift_href=lambda s: f"/coordinator/shifts/{s['id']}")


def placed(plan, title: str) -> tuple[int, int, int]:
    found = next(b for b in plan.blocks if b.title == title)
    return found.row_start, found.row_end, found.column


def test_a_block_spans_its_half_hours_from_seven_oclock():
    tuesday = MONDAY + timedelta(days=1)
    [_, day, *_] = plans([room("Saal", (at(tuesday, 16, 30), at(tuesday, 18), "Chor"))])
    assert placed(day, "Chor") == (21, 24, 2)
    assert day.hours[0] == (2, "07:00") and day.hours[-1] == (30, "21:00")
    assert day.last_row_line == 32


def test_the_day_of_the_clock_change_keeps_the_wall_clock_rows():
    sunday = MONDAY + timedelta(days=6)
    evening = at(sunday, 18)
    assert evening.utcoffset() == timedelta(hours=1)  # already winter time
    day = plans([room("Saal", (evening, at(sunday, 19), "Skat"))])[6]
    assert placed(day, "Skat") == (24, 26, 2)


def test_an_entry_before_seven_widens_every_day_of_the_week_to_the_whole_hour():
    wednesday = MONDAY + timedelta(days=2)
    week = plans([room("Saal", (at(wednesday, 6, 30), at(wednesday, 7, 30), "Frühstück"),
                       (at(MONDAY, 22), at(MONDAY, 23, 15), "Spät"))])
    assert week[0].hours[0] == (2, "06:00") and week[4].hours[-1] == (36, "23:00")
    assert placed(week[2], "Frühstück") == (3, 5, 2)
    assert placed(week[0], "Spät") == (34, 37, 2)


def test_overlapping_shifts_get_lanes_and_empty_rooms_no_column():
    tuesday = MONDAY + timedelta(days=1)
    day = plans([room("Küche"), room("Saal", (at(tuesday, 12), at(tuesday, 14), "Mittag"))],
                [shift(at(tuesday, 11), at(tuesday, 14, 30), "Küchendienst", claimed=2),
                 shift(at(tuesday, 14), at(tuesday, 15), "Abwasch"),
                 shift(at(tuesday, 15), at(tuesday, 16), "Kaffee")])[1]
    assert day.free_rooms == ["Küche"]
    assert [(c.name, c.first, c.lanes, c.shifts) for c in day.columns] == [
        ("Saal", 2, 1, False), ("Schichten", 3, 2, True)]
    assert placed(day, "Küchendienst")[2] == 3 and placed(day, "Abwasch")[2] == 4
    assert placed(day, "Kaffee")[2] == 3  # the first lane is free again
    assert [b.unfilled for b in day.blocks if b.kind == "shift"] == [False, True, True]
    assert plans([room("Küche")])[1].blocks == []
