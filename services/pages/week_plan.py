"""The week plan ("Wochenplan"): each day of a site's week as a grid, its rooms and its shifts
as columns and the time running down in half-hour rows, each booking or shift a block spanning
its rows. A room with nothing that day gets no column but is named as free all day: on a phone
the columns that matter fit beside the hours. Pure: it places what the room calendar and the
shift board read.

Rows follow the Berlin wall clock (the times the page prints), so a day of a clock change has
the same rows as any other. The page's stylesheet allows no inline styles (the CSP), so a block
is placed by classes naming its grid lines (``rs-`` row start, ``re-`` row end, ``cs-``/``ce-``
column), which ``treffpunkt.css`` defines for every line a plan can use.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

import msgspec

SLOT_MINUTES = 30
OPENS, CLOSES = 7 * 60, 22 * 60
"""The hours every plan shows (minutes after midnight); an entry outside widens the week's."""
MAX_LANES = 4
"""Side-by-side places of one column for entries at the same time (shifts may overlap); any
further overlapping entry shares the last one."""
MAX_COLUMN_LINE = 32
"""The last column line the stylesheet places (time column, rooms and shifts, with lanes)."""


class Block(msgspec.Struct, kw_only=True):
    kind: str
    """``booking``, ``session``, ``training`` or ``shift``."""
    title: str
    starts_at: datetime
    ends_at: datetime
    href: str
    row_start: int
    row_end: int
    column: int
    cancelled: bool = False
    claimed: int | None = None
    capacity: int | None = None
    column_name: str = ""

    @property
    def unfilled(self) -> bool:
        return self.capacity is not None and (self.claimed or 0) < self.capacity


class Column(msgspec.Struct, kw_only=True):
    name: str
    first: int
    """Its first grid column line."""
    lanes: int = 1
    shifts: bool = False


class DayPlan(msgspec.Struct, kw_only=True):
    day: date
    today: bool
    columns: list[Column]
    blocks: list[Block]
    hours: list[tuple[int, str]]
    """Each full hour's row and label (``07:00``)."""
    free_rooms: list[str] = []
    """The rooms with nothing that day: named, not given a column."""
    last_row_line: int


def minute_of(moment: datetime, day: date) -> int:
    """Minutes after midnight of ``day`` on the Berlin wall clock of ``moment`` (already local);
    0 before the day, 24 hours after it."""
    if moment.date() < day:
        return 0
    if moment.date() > day:
        return 24 * 60
    return moment.hour * 60 + moment.minute


def window(spans: Iterable[tuple[datetime, datetime]], days: list[date]) -> tuple[int, int]:
    """The minutes the week's plans show: 07:00–22:00, widened to whole hours for any entry
    (a local ``(start, end)``) outside them."""
    first, last = OPENS, CLOSES
    for starts_at, ends_at in spans:
        day = starts_at.date()
        if day not in days:
            continue
        first = min(first, minute_of(starts_at, day) // 60 * 60)
        last = max(last, -(-minute_of(ends_at, day) // 60) * 60)
    return first, last


def _rows(starts_at: datetime, ends_at: datetime, day: date, first: int, last: int
          ) -> tuple[int, int]:
    """The grid row lines a block spans (row 1 is the columns' heading)."""
    start = min(max(minute_of(starts_at, day), first), last - SLOT_MINUTES)
    end = min(max(minute_of(ends_at, day), start + SLOT_MINUTES), last)
    return (2 + (start - first) // SLOT_MINUTES,
            2 + -(-(end - first) // SLOT_MINUTES))


def _lanes(spans: list[tuple[int, int]]) -> tuple[list[int], int]:
    """Each row span's lane (entries at the same time side by side) and the lanes needed."""
    ends: list[int] = []
    lanes = []
    for start, end in spans:
        lane = next((n for n, busy_until in enumerate(ends) if busy_until <= start), None)
        if lane is None:
            lane = min(len(ends), MAX_LANES - 1)
            if lane == len(ends):
                ends.append(end)
        ends[lane] = max(ends[lane], end)
        lanes.append(lane)
    return lanes, max(1, len(ends))


def day_plans(monday: date, today: date, rooms: list[dict[str, Any]],
              shifts: list[dict[str, Any]], shifts_name: str,
              booking_href: Any, shift_href: Any) -> list[DayPlan]:
    """The seven days from ``monday``: ``rooms`` as ``coordinator_reads.week_of_rooms`` reads
    them (each with its ``days``), ``shifts`` as the shift board reads them (local times);
    ``booking_href(room, entry)`` and ``shift_href(shift)`` give each block's link."""
    days = [monday + timedelta(days=n) for n in range(7)]
    spans = [(e["starts_at"], e["ends_at"]) for room in rooms for _, entries in room["days"]
             for e in entries] + [(s["starts_at"], s["ends_at"]) for s in shifts]
    first, last = window(spans, days)
    plans = []
    for index, day in enumerate(days):
        groups: list[tuple[str, list[dict[str, Any]], bool]] = [
            (room["name"], [{**e, "href": booking_href(room, e)} for e in room["days"][index][1]],
             False)
            for room in rooms]
        groups.append((shifts_name, [
            {**s, "kind": "shift", "cancelled": False, "href": shift_href(s)}
            for s in shifts if s["starts_at"].date() == day], True))
        columns, blocks, line = [], [], 2
        free = [name for name, entries, _ in groups[:-1] if not entries]
        for name, entries, of_shifts in groups:
            if not entries:
                continue  # named among the rooms free all day (a phone has no room to spare)
            entries = sorted(entries, key=lambda e: (e["starts_at"], e["ends_at"]))
            rows = [_rows(e["starts_at"], e["ends_at"], day, first, last) for e in entries]
            lanes, needed = _lanes(rows)
            needed = min(needed, MAX_COLUMN_LINE - line)
            columns.append(Column(name=name, first=line, lanes=max(needed, 1),
                                  shifts=of_shifts))
            for entry, (row_start, row_end), lane in zip(entries, rows, lanes):
                blocks.append(Block(
                    kind=entry["kind"], title=entry["title"], starts_at=entry["starts_at"],
                    ends_at=entry["ends_at"], href=entry["href"], row_start=row_start,
                    row_end=row_end, column=min(line + lane, MAX_COLUMN_LINE - 1),
                    cancelled=entry["cancelled"], claimed=entry.get("claimed"),
                    capacity=entry.get("capacity"), column_name=name))
            line = min(line + max(needed, 1), MAX_COLUMN_LINE - 1)
        hours = [(2 + (minute - first) // SLOT_MINUTES, f"{minute // 60:02d}:00")
                 for minute in range(first, last, 60)]
        plans.append(DayPlan(day=day, today=day == today, columns=columns, blocks=blocks,
                             hours=hours, free_rooms=free,
                             last_row_line=2 + (last - first) // SLOT_MINUTES))
    return plans
