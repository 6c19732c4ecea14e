"""A catalogue entry's stream (``qualification-<id>``, the id derived from its code) and its fold."""

from __future__ import annotations

import msgspec

from events.base import Event
from events.qualifications import QualificationDefined, QualificationName, qualification_id
from services.commands.decider import Stream, StreamKind


class QualificationState(msgspec.Struct, frozen=True, kw_only=True):
    defined: bool = False
    code: str = ""
    name: QualificationName | None = None
    default_valid_for_months: int = 0


def evolve(state: QualificationState, event: Event) -> QualificationState:
    match event:
        case QualificationDefined():
            return QualificationState(defined=True, code=event.code, name=event.name,
                                      default_valid_for_months=event.default_valid_for_months)
    return state


QUALIFICATION = StreamKind("qualification", QualificationState(), evolve,
                           {QualificationDefined: "qualification_id"})


def of_code(code: str) -> Stream[QualificationState]:
    """The stream of the catalogue entry of ``code`` (defined or not)."""
    return QUALIFICATION(qualification_id(code))
