"""What the shift decider's tests start from: a site, a shift on it needing food hygiene, a moment
before it, and a volunteer registered with or without that qualification."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

from events.shifts import ShiftCreated
from events.trainings import VolunteerQualified
from events.volunteers import VolunteerRegistered


NOW = datetime(2026, 10, 1, 8, tzinfo=UTC)
SITE, SHIFT, SESSION = uuid4(), uuid4(), uuid4()
START, END = datetime(2026, 10, 10, 9, tzinfo=UTC), datetime(2026, 10, 10, 13, tzinfo=UTC)


CREATED = ShiftCreated(shift_id=SHIFT, site_id=SITE, title="Küche", starts_at=START, ends_at=END,
                       capacity=2, required_qualifications=["food_hygiene"])


def volunteer(volunteer_id, *events):
    registered = VolunteerRegistered(volunteer_id=volunteer_id, name=b"n", email=b"e")
    return (registered, *events)


def qualified(volunteer_id, until=datetime(2027, 10, 1, tzinfo=UTC), name="food_hygiene"):
    return VolunteerQualified(volunteer_id=volunteer_id, qualification=name, valid_until=until,
                              training_id=uuid4())


def able(volunteer_id, *events):
    return volunteer(volunteer_id, qualified(volunteer_id), *events)
