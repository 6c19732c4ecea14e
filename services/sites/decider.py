"""Sites: a village's Dorftreff, the place rooms, offers and shifts belong to."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import msgspec

from events.base import Event
from events.sites import SiteAdded, SiteContactChanged
from services.commands.checks import require_line, require_text
from services.commands.decider import Decider, States, Stream
from services.commands.rejections import Conflict, NotFound
from services.sites.state import SITE, SiteState


class AddSite(msgspec.Struct, frozen=True, kw_only=True):
    site_id: UUID
    name: str
    village: str
    address: str | None = None
    contact: str | None = None
    now: datetime


class SetSiteContact(msgspec.Struct, frozen=True, kw_only=True):
    """The address and contact line of the public programme (None: none shown)."""

    site_id: UUID
    address: str | None = None
    contact: str | None = None
    now: datetime


SiteCommand = AddSite | SetSiteContact
CONTACT_LENGTH = 300


def streams(command: SiteCommand, loaded: States) -> list[Stream[Any]]:
    return [SITE(command.site_id)]


def decide(command: SiteCommand, states: States) -> list[Event]:
    match command, states[SITE(command.site_id)]:
        case AddSite(), SiteState(exists=True):
            raise Conflict("site_id", "this site exists already", code="exists")
        case AddSite(site_id=site_id, name=name, village=village), _:
            require_text("name", name)
            require_text("village", village)
            address, contact = _contact(command.address, command.contact)
            return [SiteAdded(site_id=site_id, name=name.strip(), village=village.strip(),
                              address=address, contact=contact)]
        case SetSiteContact(), SiteState(exists=False):
            raise NotFound("site_id", "no such site", code="site_not_found")
        case SetSiteContact(site_id=site_id), _:
            address, contact = _contact(command.address, command.contact)
            return [SiteContactChanged(site_id=site_id, address=address, contact=contact)]
    raise TypeError(f"unknown command {command!r}")


def _contact(address: str | None, contact: str | None) -> tuple[str | None, str | None]:
    for field, value in (("address", address), ("contact", contact)):
        if value is not None:
            require_line(field, value, CONTACT_LENGTH)
    return (address or "").strip() or None, (contact or "").strip() or None


SITES = Decider(commands=(AddSite, SetSiteContact), kinds=(SITE,), streams=streams, decide=decide)
