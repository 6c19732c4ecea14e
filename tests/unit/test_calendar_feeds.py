"""iCalendar feeds (services/calendar_feeds.py) of any stored text: each one valid RFC 5545 that
icalendar reads back, whatever control characters or line breaks a name or title holds."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import icalendar
import pytest

from services.reads.calendar_feeds import FeedEntry, calendar, one_line

pytestmark = pytest.mark.unit

NOW = datetime(2026, 12, 6, 9, tzinfo=UTC)
CONTROLS = [chr(code) for code in [*range(0x20), 0x7F, *range(0x80, 0xA0)]]


def feed_of(name: str, summary: str) -> bytes:
    entry = FeedEntry(uid="u-1@treffpunkt", starts_at=NOW, ends_at=NOW + timedelta(hours=1),
                      summary=summary)
    return calendar(name, [entry], now=NOW)


def valid(feed: bytes) -> icalendar.Calendar:
    """RFC 5545, 3.1: CRLF-separated content lines, no control character in them but tab."""
    text = feed.decode("utf-8")
    for line in text.removesuffix("\r\n").replace("\r\n ", "").split("\r\n"):
        assert not re.search(r"[\x00-\x08\x0a-\x1f\x7f]", line), repr(line)
    return icalendar.Calendar.from_ical(feed)


@pytest.mark.parametrize("control", CONTROLS, ids=lambda c: f"U+{ord(c):04X}")
def test_any_control_character_in_a_name_or_title_gives_a_valid_feed(control):
    parsed = valid(feed_of(f"Saal{control}Groß", f"Chor{control}probe"))
    summary = str(parsed.walk("VEVENT")[0]["SUMMARY"])
    name = str(parsed["X-WR-CALNAME"])
    if control == "\t":
        assert (name, summary) == ("Saal\tGroß", "Chor\tprobe")
    elif control in "\n\r\v\f\x85":
        assert (name, summary) == ("Saal Groß", "Chor probe")
    else:
        assert (name, summary) == ("Saal\ufffdGroß", "Chor\ufffdprobe")


def test_line_breaks_of_every_kind_become_one_space_each():
    assert one_line("a\r\nb\nc\rd\u2028e\u2029f") == "a b c d e f"
    assert one_line("Yoga;, am \\ Morgen \U0001f9d8 \u202eOK") == (
        "Yoga;, am \\ Morgen \U0001f9d8 \u202eOK")


def test_characters_text_escapes_come_back_as_they_were():
    title = 'Chor; Probe, "laut" \\ leise'
    parsed = valid(feed_of("Saal", title))
    assert str(parsed.walk("VEVENT")[0]["SUMMARY"]) == title


def test_a_long_title_is_folded_and_unfolds_to_itself():
    title = "Sehr langer Titel mit Umlauten äöü " * 10
    feed = feed_of("Saal", title)
    assert all(len(line.encode()) <= 75 for line in feed.decode().split("\r\n"))
    assert str(valid(feed).walk("VEVENT")[0]["SUMMARY"]) == title


def test_a_volunteers_feed_has_place_words_a_reminder_and_trainings_with_stable_uids():
    from uuid import uuid4

    from services.volunteers.schedule import REMINDER, feed_entries

    volunteer, shift, training, site, room = uuid4(), uuid4(), uuid4(), uuid4(), uuid4()
    sites = {site: {"id": site, "name": "Dorftreff Gehrde", "village": "Gehrde"}}
    shifts = [{"shift_id": shift, "site_id": site, "title": "Mittagstisch", "starts_at": NOW,
               "ends_at": NOW + timedelta(hours=2), "waitlisted": False}]
    trainings = [{"training_id": training, "site_id": site, "room_id": room,
                  "title": "Erste Hilfe", "qualification": "first_aid", "status": "planned",
                  "starts_at": NOW + timedelta(days=3), "ends_at": NOW + timedelta(days=3, hours=4)}]

    parsed = valid(calendar("Treffpunkt", feed_entries(volunteer, shifts, trainings, sites,
                                                       {room: "Saal"}), now=NOW))

    events = {str(event["UID"]): event for event in parsed.walk("VEVENT")}
    kitchen = events[f"{shift}-{volunteer}@treffpunkt"]
    assert str(kitchen["LOCATION"]) == "Dorftreff Gehrde, Gehrde"
    assert "Dorftreff Gehrde" in str(kitchen["DESCRIPTION"])
    assert kitchen.walk("VALARM")[0]["TRIGGER"].dt == -REMINDER
    course = events[f"training-{training}-{volunteer}@treffpunkt"]
    assert str(course["SUMMARY"]) == "Schulung: Erste Hilfe"
    assert str(course["LOCATION"]) == "Saal, Dorftreff Gehrde, Gehrde"
