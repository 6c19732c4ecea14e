"""Events of the qualification catalogue: one stream per code (``qualification-<id>``, the id
derived from the code), so that a shift or training naming a code reads just that stream.

Codes already named by stored shifts, trainings and grants stay valid: they are defined once
(``services/qualifications/seed.py``) with the code as their name; no stored event is rewritten.
"""

from __future__ import annotations

from uuid import NAMESPACE_URL, UUID, uuid5

import msgspec

from events.base import Event

_CODES = uuid5(NAMESPACE_URL, "treffpunkt:qualification-codes")


def qualification_id(code: str) -> UUID:
    """The catalogue entry's id (and stream key) of a code."""
    return uuid5(_CODES, code)


class QualificationName(msgspec.Struct, frozen=True, kw_only=True):
    de: str
    en: str


class QualificationDefined(Event, tag="qualification.defined", frozen=True, kw_only=True):
    """A code enters the catalogue, or (again for the same code) its names or default validity
    change; shifts and trainings go on naming the code."""

    qualification_id: UUID
    code: str
    name: QualificationName
    default_valid_for_months: int


EVENTS = (QualificationDefined,)
