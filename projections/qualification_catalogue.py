"""The qualification catalogue as everyone reads it: code, German and English name, default
validity (``GET /api/qualifications``, the pages' selects, names instead of codes)."""

from __future__ import annotations

from typing import Any

import asyncpg

from events.qualifications import QualificationDefined
from projections.row_changes import Evolve, RowChange, RowProjection, Schema, Upsert

QUALIFICATIONS = "qualification_catalogue"
SCHEMA = Schema(keys={QUALIFICATIONS: ("code",)}, defaults={})

evolve = Evolve()


@evolve.on(QualificationDefined)
def _defined(event: QualificationDefined) -> list[RowChange]:
    return [Upsert(QUALIFICATIONS, {"code": event.code}, {
        "qualification_id": event.qualification_id, "name_de": event.name.de,
        "name_en": event.name.en, "default_valid_for_months": event.default_valid_for_months})]


QUALIFICATION_CATALOGUE = RowProjection(
    name="qualification_catalogue",
    tables={
        QUALIFICATIONS: """code text PRIMARY KEY, qualification_id uuid NOT NULL,
                           name_de text NOT NULL, name_en text NOT NULL,
                           default_valid_for_months integer NOT NULL""",
    },
    indexes=(),
    schema=SCHEMA,
    evolve=evolve,
)


async def catalogue(connection: asyncpg.Connection) -> list[dict[str, Any]]:
    """Every defined code, by its German name."""
    rows = await connection.fetch(
        """SELECT qualification_id AS id, code, name_de, name_en, default_valid_for_months
             FROM qualification_catalogue ORDER BY name_de, code""")
    return [{"id": row["id"], "code": row["code"],
             "name": {"de": row["name_de"], "en": row["name_en"]},
             "default_valid_for_months": row["default_valid_for_months"]} for row in rows]


async def names(connection: asyncpg.Connection) -> dict[str, dict[str, str]]:
    """Code -> its names ``{de, en}``, for reads that show names instead of codes."""
    return {row["code"]: {"de": row["name_de"], "en": row["name_en"]} for row in
            await connection.fetch("SELECT code, name_de, name_en FROM qualification_catalogue")}
