"""The coordinator's profile of a volunteer: which qualifications stand out (expired, or
ending within 60 days), named from the catalogue, by name."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.pages.people_profile import qualification_rows

pytestmark = pytest.mark.unit

NOW = datetime.now(UTC)
NAMES = {"food_hygiene": "Lebensmittelhygiene", "first_aid": "Erste Hilfe"}.get


def test_qualifications_ending_within_60_days_stand_out_and_expired_ones_say_so():
    rows = qualification_rows({
        "food_hygiene": NOW + timedelta(days=60),
        "first_aid": NOW + timedelta(days=61),
        "forklift": NOW - timedelta(seconds=1),
    }, lambda code: NAMES(code, code), NOW)
    assert [(r["name"], r["expiring"], r["expired"]) for r in rows] == [
        ("Erste Hilfe", False, False),
        ("forklift", False, True),
        ("Lebensmittelhygiene", True, False),
    ]
