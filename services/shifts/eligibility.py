"""Whether a volunteer may take a shift, said before the tap: the claim's own rules
(``ClaimShift`` in ``decider.py``), asked of the volunteer's state and a shift as the
board lists it, so a page can say why instead of offering a button that fails."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import msgspec

from services.volunteers.state import Volunteer


class Obstacles(msgspec.Struct, frozen=True, kw_only=True):
    """What stands between a volunteer and a shift; empty when it may claim it."""

    missing: list[str] = []
    """Required qualifications it lacks or that are expired on the shift's day."""
    overlapping: list[UUID] = []
    """Shifts it holds at the same time."""

    def __bool__(self) -> bool:
        return bool(self.missing or self.overlapping)


def obstacles(volunteer: Volunteer, shift: dict[str, Any]) -> Obstacles:
    """``shift``: a row of the shift board (``id``, ``starts_at``, ``ends_at``,
    ``required_qualifications``)."""
    starts_at: datetime = shift["starts_at"]
    return Obstacles(
        missing=volunteer.missing(list(shift["required_qualifications"]), starts_at),
        overlapping=volunteer.overlapping(starts_at, shift["ends_at"], besides=shift["id"]),
    )
