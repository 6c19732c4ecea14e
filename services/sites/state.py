"""A site's stream (``site-<id>``) and its one fold."""

from __future__ import annotations

import msgspec

from events.base import Event
from events.sites import SiteAdded, SiteContactChanged
from services.commands.decider import StreamKind


class SiteState(msgspec.Struct, frozen=True, kw_only=True):
    exists: bool = False
    name: str = ""
    village: str = ""


def evolve(state: SiteState, event: Event) -> SiteState:
    match event:
        case SiteAdded(name=name, village=village):
            return SiteState(exists=True, name=name, village=village)
    return state


SITE = StreamKind("site", SiteState(), evolve, {SiteAdded: "site_id", SiteContactChanged: "site_id"})
