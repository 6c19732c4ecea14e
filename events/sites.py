"""Events of a site's stream (``site-<id>``): a village's Dorftreff."""

from __future__ import annotations

from uuid import UUID

from events.base import Event


class SiteAdded(Event, tag="site.added", frozen=True, kw_only=True):
    site_id: UUID
    name: str
    village: str
    address: str | None = None
    contact: str | None = None
    """A line for the public: opening times, a phone number, a person to ask."""


class SiteContactChanged(Event, tag="site.contact_changed", frozen=True, kw_only=True):
    """The address and contact line the public programme shows, from now on."""

    site_id: UUID
    address: str | None = None
    contact: str | None = None


SiteEvent = SiteAdded | SiteContactChanged
EVENTS = (SiteAdded, SiteContactChanged)
