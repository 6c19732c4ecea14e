"""The coordinator's form of a site's address and public contact line
(``PUT /api/sites/{id}/contact``): blank fields mean none is shown."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec

from services.sites.decider import SetSiteContact


class ContactForm(msgspec.Struct):
    address: Annotated[str, msgspec.Meta(max_length=2000)] = ""
    contact: Annotated[str, msgspec.Meta(max_length=2000)] = ""
    request_key: Annotated[str, msgspec.Meta(max_length=64)] = ""


FIELDS = ("address", "contact")


def contact_command(site_id: UUID, form: ContactForm, now: datetime) -> SetSiteContact:
    return SetSiteContact(site_id=site_id, address=form.address.strip() or None,
                          contact=form.contact.strip() or None, now=now)
