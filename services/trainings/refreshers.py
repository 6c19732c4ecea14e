"""Who needs a refresher, for the API and the coordinator's pages alike.

A volunteer's qualification is listed at the sites where the volunteer serves (shifts and
timesheet lines there), not where it was granted; each with the catalogue's names, the
refresher the volunteer is already enrolled in, and the next one planned (for one action).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from projections import qualification_catalogue, training_records, volunteer_sites
from services.reads.read_models import ReadModels


async def expiring(read_models: ReadModels, *, now: datetime, within_days: int,
                   site_id: UUID | None, min_position: int | None = None,
                   ) -> tuple[list[dict[str, Any]], int]:
    """Qualifications running out within ``within_days`` of ``now`` (or run out as long ago),
    of volunteers serving at ``site_id`` (every volunteer without it), by volunteer; and the
    position of ``training_records`` they reflect."""
    window = timedelta(days=within_days)
    rows, position = await read_models.read(
        training_records.TRAINING_RECORDS, min_position,
        lambda connection: training_records.expiring(
            connection, since=now - window, until=now + window, now=now, site_id=site_id))
    if site_id is not None:
        serving, _ = await read_models.read(
            volunteer_sites.VOLUNTEER_SITES, None,
            lambda connection: volunteer_sites.serving_at(connection, site_id))
        rows = [row for row in rows if row["volunteer_id"] in serving]
    names, _ = await read_models.read(qualification_catalogue.QUALIFICATION_CATALOGUE, None,
                                      qualification_catalogue.names)
    return [{**row, "name": names.get(row["qualification"])} for row in rows], position
