"""The coordinators' weekly digest as an e-mail: the three lists of its outbox row
(``projections/coordinator_digest.py``) in the row's language, as the templates' sections;
volunteers' names are opened here, at sending, and only here."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg
from babel.dates import format_date

from events.sealed import decrypt
from projections.catalogues import babel_locale
from projections.coordinator_digest import sealed_names
from workers.mail.messages import BERLIN, LANGUAGES, when, words


async def opened_names(pool: asyncpg.Pool, params: dict[str, Any]) -> dict[str, str | None]:
    """Volunteer id -> name, for the digest's qualifications (None once erased)."""
    ids = sorted({UUID(q["volunteer_id"]) for q in params.get("qualifications", [])})
    if not ids:
        return {}
    sealed = await sealed_names(pool, ids)
    keys = {row["subject_id"]: row["key"] for row in await pool.fetch(
        "SELECT subject_id, key FROM subject_keys WHERE subject_id = ANY($1)", ids)}
    return {str(v): decrypt(keys.get(v), v, sealed.get(v)) for v in ids}


def _lines(params: dict[str, Any], names: dict[str, str | None],
           language: str) -> list[dict[str, Any]]:
    _ = words(language)

    def span(item: dict[str, Any]) -> str:
        return when(datetime.fromisoformat(item["starts_at"]),
                    datetime.fromisoformat(item["ends_at"]), language)

    sections = [
        ("coordinator_digest.shifts", [_("coordinator_digest.shift") % {**s, "when": span(s)}
                                       for s in params.get("shifts", [])]),
        ("coordinator_digest.sessions", [_("coordinator_digest.session") % {**s, "when": span(s)}
                                         for s in params.get("sessions", [])]),
        ("coordinator_digest.qualifications", [_("coordinator_digest.qualification") % {
            "person": names.get(q["volunteer_id"]) or _("coordinator_digest.erased"),
            "qualification_name": q["names"].get(language) or q["names"].get("de", ""),
            "date": format_date(datetime.fromisoformat(q["valid_until"]).astimezone(BERLIN)
                                .date(), "long", locale=babel_locale(language))}
            for q in params.get("qualifications", [])]),
    ]
    return [{"heading": _(heading), "lines": lines} for heading, lines in sections if lines]


def digest_context(row: dict[str, Any], names: dict[str, str | None],
                   public_url: str) -> dict[str, Any]:
    """What the templates show for a digest's row (``params``: week, sites, the three lists)."""
    language = row["language"] if row["language"] in LANGUAGES else "de"
    _ = words(language)
    params = row["params"]
    values = {"week": params["week"].rpartition("W")[2].lstrip("0"),
              "sites": ", ".join(params["sites"])}
    return {
        "language": language,
        "subject": _("coordinator_digest.subject") % values,
        "greeting": _("greeting.anonymous"),
        "paragraphs": [_("coordinator_digest.body") % values],
        "sections": _lines(params, names, language),
        "link_label": _("link.coordinator"),
        "link": f"{public_url}/coordinator/",
        "signature": _("signature.digest"),
    }
