"""The qualification catalogue: the admin defines codes with German and English names and a
default validity; shifts and trainings may only name defined codes (``require_defined``)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import msgspec

from events.base import Event
from events.qualifications import QualificationDefined, QualificationName, qualification_id
from services.commands.checks import require_positive, require_text
from services.commands.decider import Decider, States, Stream
from services.commands.rejections import Conflict, Invalid
from services.qualifications.state import QUALIFICATION, of_code

LONGEST_VALIDITY = 120
"""Months: ten years is the longest a qualification is granted for by default."""


class DefineQualification(msgspec.Struct, frozen=True, kw_only=True):
    """A new code, or new names or default validity for a code already defined."""

    code: str
    name_de: str
    name_en: str
    default_valid_for_months: int
    now: datetime


def streams(command: DefineQualification, loaded: States) -> list[Stream[Any]]:
    return [of_code(command.code.strip())]


def decide(command: DefineQualification, states: States) -> list[Event]:
    require_text("code", command.code, 100)
    require_text("name.de", command.name_de)
    require_text("name.en", command.name_en)
    require_positive("default_valid_for_months", command.default_valid_for_months)
    if command.default_valid_for_months > LONGEST_VALIDITY:
        raise Invalid("default_valid_for_months", f"may be at most {LONGEST_VALIDITY}",
                      code="too_long")
    code = command.code.strip()
    current = states[of_code(code)]
    name = QualificationName(de=command.name_de.strip(), en=command.name_en.strip())
    if current.defined and (current.name, current.default_valid_for_months) == (
            name, command.default_valid_for_months):
        raise Conflict("code", "is defined so already", code="exists")
    return [QualificationDefined(qualification_id=qualification_id(code), code=code, name=name,
                                 default_valid_for_months=command.default_valid_for_months)]


def catalogue_streams(codes: Iterable[str]) -> list[Stream[Any]]:
    """The catalogue streams a command naming ``codes`` reads (to check them)."""
    return [of_code(code.strip()) for code in dict.fromkeys(codes)]


def require_defined(field: str, codes: Iterable[str], states: States) -> None:
    """Each of ``codes`` is in the catalogue; else 422 naming ``field`` (``field[i]`` for a list)."""
    for index, code in enumerate(codes):
        if not states[of_code(code.strip())].defined:
            raise Invalid(field.format(index=index), f"{code!r} is not in the qualification "
                          "catalogue", code="unknown_qualification")


QUALIFICATIONS = Decider(commands=(DefineQualification,), kinds=(QUALIFICATION,),
                         streams=streams, decide=decide)
