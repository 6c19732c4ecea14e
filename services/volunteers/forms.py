"""The coordinator's form of a new volunteer, read as ``POST /api/volunteers`` reads its body
(``services.volunteers.service.register`` decides it through ``CommandHandler.handle`` and
registers the volunteer at the coordinator's sites)."""

from __future__ import annotations

from typing import Annotated

import msgspec

from services.pages.forms import FormError, Short


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
