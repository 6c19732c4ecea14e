"""A programme to print in the poster's tests and its benchmark: a site with a long address, its
public URL, and February's dates of its offers (one with a long title, one date cancelled)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

from services.programme.reads import ProgrammeDate, Site


SITE = Site(id=uuid4(), name="Dorftreff Eggermühlen", village="Eggermühlen",
            address="Altes Pfarrhaus, Kirchstraße 5, 49577 Eggermühlen",
            contact="Tel. 05436 9990-10 · Di und Fr 9–12 Uhr")
URL = "https://treffpunkt.example/programm/eggermuehlen"
LONG_TITLE = ("Offener Gesprächskreis für pflegende Angehörige mit Kinderbetreuung, Fahrdienst "
              "und Kaffee im Gemeinschaftsraum des Alten Pfarrhauses")
OFFERS = [(LONG_TITLE, 0, 17, "Gruppenraum"), ("Mittagstisch", 1, 11, "Saal"),
          ("*fett* #eval(\"1\") $x$", 1, 15, "Küche"), ("Sitzgymnastik", 3, 9, "Saal"),
          ("Zeitungscafé", 4, 8, "Küche"), ("Naturspaziergang an der Hase", 5, 13, "Saal")]


def february(cancel_on: int = 18) -> list[ProgrammeDate]:
    found = []
    for title, weekday, hour, room in OFFERS:
        for day in range(1, 29):
            if date(2027, 2, day).weekday() != weekday:
                continue
            start = datetime(2027, 2, day, hour, tzinfo=UTC)
            cancelled = title == "Sitzgymnastik" and day == cancel_on
            found.append(ProgrammeDate(
                id=uuid4(), session_id=uuid4(), offer_id=uuid4(), site_id=SITE.id,
                site=SITE.name, village=SITE.village, title=title, category="community",
                description=None, room_id=uuid4(), room=room, starts_at=start,
                ends_at=start + timedelta(hours=2), cancelled=cancelled,
                cancellation_reason="Der Saal wird renoviert." if cancelled else None))
    return sorted(found, key=lambda d: d.starts_at)
