"""The volunteers' forms: a volunteer's own profile (home villages), and a coordinator's form of
a new volunteer, read as ``POST /api/volunteers`` reads its body
(``services.volunteers.service.register`` decides it through ``CommandHandler.handle`` and
registers the volunteer at the coordinator's sites)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec

from services.pages.forms import FormError, Short, form_uuid
from services.volunteers.decider import ChooseHomeSites

MOST_HOME_SITES = 50


def home_sites_command(volunteer_id: UUID, site_ids: list[str], now: datetime) -> ChooseHomeSites:
    """The ticked sites (``site_id`` checkboxes); none ticked: every village."""
    if len(site_ids) > MOST_HOME_SITES:
        raise FormError("site_id", "form.too_long")
    chosen = [form_uuid("site_id", value, "rejected.site_not_found") for value in site_ids]
    return ChooseHomeSites(volunteer_id=volunteer_id, site_ids=chosen, now=now)


def phone_of(value: str) -> str | None:
    """The profile's phone field: None when left empty (the number is removed)."""
    return value.strip() or None


class NewVolunteerForm(msgspec.Struct):
    name: Annotated[str, msgspec.Meta(max_length=500)] = ""
    email: Annotated[str, msgspec.Meta(max_length=500)] = ""
    phone: Annotated[str, msgspec.Meta(max_length=100)] = ""
    request_key: Short = ""


FIELDS = ("name", "email", "phone")


def person_of(form: NewVolunteerForm) -> tuple[str, str, str | None]:
    """Name, e-mail and phone (None when left empty); a blank name or an e-mail without "@"
    is named at its field."""
    name, email, phone = form.name.strip(), form.email.strip(), form.phone.strip()
    if not name:
        raise FormError("name", "form.required")
    if "@" not in email.strip("@"):
        raise FormError("email", "people.email_invalid")
    return name, email, phone or None
