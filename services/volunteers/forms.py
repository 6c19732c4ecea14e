"""The volunteer's profile form, read into the command its page runs."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from services.pages.forms import FormError, form_uuid
from services.volunteers.decider import ChooseHomeSites

MOST_HOME_SITES = 50


def home_sites_command(volunteer_id: UUID, site_ids: list[str], now: datetime) -> ChooseHomeSites:
    """The ticked sites (``site_id`` checkboxes); none ticked: every village."""
    if len(site_ids) > MOST_HOME_SITES:
        raise FormError("site_id", "form.too_long")
    chosen = [form_uuid("site_id", value, "rejected.site_not_found") for value in site_ids]
    return ChooseHomeSites(volunteer_id=volunteer_id, site_ids=chosen, now=now)
