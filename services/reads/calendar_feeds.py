"""iCalendar feeds (RFC 5545) of room calendars and volunteers' schedules, for calendar apps.

Times are written in UTC (``...Z``): unambiguous, and every app shows them in local time.
Each occurrence keeps one UID across fetches, so subscribed apps update it instead of adding it.

Names and titles come from the history, which may hold text from before today's checks (a line
break in a room name, a NUL in a title): a feed writes each on one line (a line break becomes a
space) and any other control character as U+FFFD, so every feed is valid RFC 5545.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from uuid import UUID

import icalendar
import msgspec

ICALENDAR = "text/calendar"
"""Litestar adds "; charset=utf-8" to every text/ media type: naming it here would repeat it."""
PAST_DAYS_IN_FEEDS = 90
"""Feeds reach this far back; calendar apps keep what they fetched before."""


class FeedEntry(msgspec.Struct, frozen=True, kw_only=True):
    uid: str
    starts_at: datetime
    ends_at: datetime
    summary: str
    tentative: bool = False
    location: str | None = None
    description: str | None = None
    cancelled: bool = False
    alarm_before: timedelta | None = None
    """A reminder (``VALARM``) this long before the start."""


_LINE_BREAKS = re.compile(r"\r\n|[\n\r\v\f\x85\u2028\u2029]")
_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def one_line(text: str) -> str:
    """``text`` as a content line may hold it: one line, no control character but tab."""
    return _CONTROLS.sub("\ufffd", _LINE_BREAKS.sub(" ", text))


def occurrence_uid(entity_id: UUID, starts_at: datetime) -> str:
    """Stable per occurrence: the booking (or shift) and the start in UTC."""
    return f"{entity_id}-{starts_at.astimezone(UTC):%Y%m%dT%H%M%SZ}@treffpunkt"


def feed_window_start(now: datetime) -> datetime:
    return now - timedelta(days=PAST_DAYS_IN_FEEDS)


def calendar(name: str, entries: Iterable[FeedEntry], *, now: datetime) -> bytes:
    feed = icalendar.Calendar()
    feed.add("prodid", "-//Treffpunkt//Treffpunkt//DE")
    feed.add("version", "2.0")
    feed.add("calscale", "GREGORIAN")
    feed.add("x-wr-calname", one_line(name))
    for entry in entries:
        event = icalendar.Event()
        event.add("uid", entry.uid)
        event.add("dtstamp", now.astimezone(UTC))
        event.add("dtstart", entry.starts_at.astimezone(UTC))
        event.add("dtend", entry.ends_at.astimezone(UTC))
        event.add("summary", one_line(entry.summary))
        if entry.tentative:
            event.add("status", "TENTATIVE")
        if entry.cancelled:
            event.add("status", "CANCELLED")
        if entry.location:
            event.add("location", one_line(entry.location))
        if entry.description:
            event.add("description", _CONTROLS.sub("\ufffd", entry.description))
        if entry.alarm_before is not None:
            alarm = icalendar.Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("description", one_line(entry.summary))
            alarm.add("trigger", -entry.alarm_before)
            event.add_component(alarm)
        feed.add_component(event)
    return feed.to_ical()
