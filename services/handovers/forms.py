"""The holder's form offering its place, read into the command behind
``POST /api/shifts/{id}/claims/{volunteer_id}/handover``."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec

from events.base import EventMetadata
from services.commands.handler import entity_id
from services.handovers.decider import OfferHandover
from services.pages.forms import FormError


class HandoverForm(msgspec.Struct):
    to: Annotated[str, msgspec.Meta(max_length=20)] = "site"
    """``site``: every volunteer of the shift's site; ``colleague``: the one named by e-mail."""
    email: Annotated[str, msgspec.Meta(max_length=254)] = ""
    request_key: Annotated[str, msgspec.Meta(max_length=64)] = ""

    def colleague_email(self) -> str | None:
        """The colleague's e-mail address, or None for an offer to the site."""
        if self.to != "colleague":
            return None
        if "@" not in self.email.strip():
            raise FormError("email", "handover.email_needed")
        return self.email.strip()


def handover_command(shift_id: UUID, holder: UUID, colleague: UUID | None,
                     metadata: EventMetadata, now: datetime) -> OfferHandover:
    return OfferHandover(handover_id=entity_id(metadata, "handover"), shift_id=shift_id,
                         volunteer_id=holder, to_volunteer_id=colleague, now=now)
