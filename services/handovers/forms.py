"""The holder's form offering its place, read into the command behind
``POST /api/shifts/{id}/claims/{volunteer_id}/handover``."""

from __future__ import annotations

from collections.abc import Collection
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
    """``site``: every volunteer of the shift's site; ``colleague``: the one chosen by name."""
    colleague: Annotated[str, msgspec.Meta(max_length=36)] = ""
    """The chosen colleague's volunteer id, from the list of the site's volunteers (chosen by
    name, not typed as an e-mail address: the form tells nothing about who has an account)."""
    request_key: Annotated[str, msgspec.Meta(max_length=64)] = ""

    def colleague_id(self, choosable: Collection[UUID]) -> UUID | None:
        """The colleague chosen among ``choosable``, or None for an offer to the site."""
        if self.to != "colleague":
            return None
        try:
            chosen = UUID(self.colleague)
        except ValueError:
            raise FormError("colleague", "handover.colleague_needed") from None
        if chosen not in choosable:
            raise FormError("colleague", "handover.colleague_needed")
        return chosen


def handover_command(shift_id: UUID, holder: UUID, colleague: UUID | None,
                     metadata: EventMetadata, now: datetime) -> OfferHandover:
    return OfferHandover(handover_id=entity_id(metadata, "handover"), shift_id=shift_id,
                         volunteer_id=holder, to_volunteer_id=colleague, now=now)
