"""A catalogue entry as given events of decider tests."""

from __future__ import annotations

from events.qualifications import QualificationDefined, QualificationName, qualification_id


def defined(code: str, de: str | None = None, en: str | None = None,
            months: int = 24) -> QualificationDefined:
    """``code`` in the catalogue (named by itself unless named)."""
    return QualificationDefined(qualification_id=qualification_id(code), code=code,
                                name=QualificationName(de=de or code, en=en or code),
                                default_valid_for_months=months)
