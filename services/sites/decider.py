"""Sites: a village's Dorftreff, the place rooms, offers and shifts belong to."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import msgspec

from events.base import Event
from events.sites import SiteAdded
from services.checks import require_text
from services.rejections import Conflict


class AddSite(msgspec.Struct, frozen=True, kw_only=True):
    site_id: UUID
    name: str
    village: str
    now: datetime


SiteCommand = AddSite


class SiteState(msgspec.Struct, frozen=True, kw_only=True):
    exists: bool = False
    name: str = ""
    village: str = ""


initial_state = SiteState()


def decide(command: SiteCommand, state: SiteState) -> list[Event]:
    match command, state:
        case AddSite(), SiteState(exists=True):
            raise Conflict("site_id", "this site exists already", code="exists")
        case AddSite(site_id=site_id, name=name, village=village), _:
            require_text("name", name)
            require_text("village", village)
            return [SiteAdded(site_id=site_id, name=name.strip(), village=village.strip())]
    raise TypeError(f"unknown command {command!r}")


def evolve(state: SiteState, event: Event) -> SiteState:
    match event:
        case SiteAdded(name=name, village=village):
            return SiteState(exists=True, name=name, village=village)
    return state
