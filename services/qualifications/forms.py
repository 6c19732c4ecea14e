"""The admin's form of the qualification catalogue (``POST /api/qualifications``): a new code,
or new names or default validity for a code already defined."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec

from services.pages.forms import whole_number
from services.qualifications.decider import LONGEST_VALIDITY, DefineQualification


class QualificationForm(msgspec.Struct):
    code: Annotated[str, msgspec.Meta(max_length=200)] = ""
    name_de: Annotated[str, msgspec.Meta(max_length=500)] = ""
    name_en: Annotated[str, msgspec.Meta(max_length=500)] = ""
    months: Annotated[str, msgspec.Meta(max_length=32)] = ""
    request_key: Annotated[str, msgspec.Meta(max_length=64)] = ""


FIELD_OF = {"code": "code", "name.de": "name_de", "name.en": "name_en",
            "default_valid_for_months": "months"}
"""The form field a refusal is shown next to (any other: the code)."""


def define_command(form: QualificationForm, now: datetime) -> DefineQualification:
    return DefineQualification(
        code=form.code.strip(), name_de=form.name_de, name_en=form.name_en,
        default_valid_for_months=whole_number("months", form.months, LONGEST_VALIDITY,
                                              "qualifications.months_invalid"), now=now)
