"""Sites: a village's Dorftreff, the place rooms, offers and shifts belong to."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import msgspec

from events.base import Event
from events.sites import SiteAdded
from services.commands.checks import require_text
from services.commands.decider import Decider, States, Stream
from services.commands.rejections import Conflict
from services.sites.state import SITE, SiteState


class AddSite(msgspec.Struct, frozen=True, kw_only=True):
    site_id: UUID
    name: str
    village: str
    now: datetime


SiteCommand = AddSite


def streams(command: SiteCommand, loaded: States) -> list[Stream[Any]]:
    return [SITE(command.site_id)]


def decide(command: SiteCommand, states: States) -> list[Event]:
    match command, states[SITE(command.site_id)]:
        case AddSite(), SiteState(exists=True):
            raise Conflict("site_id", "this site exists already", code="exists")
        case AddSite(site_id=site_id, name=name, village=village), _:
            require_text("name", name)
            require_text("village", village)
            return [SiteAdded(site_id=site_id, name=name.strip(), village=village.strip())]
    raise TypeError(f"unknown command {command!r}")


SITES = Decider(commands=(AddSite,), kinds=(SITE,), streams=streams, decide=decide)
