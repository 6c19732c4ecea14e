"""Events of a site's stream (``site-<id>``): a village's Dorftreff."""

from __future__ import annotations

from uuid import UUID

from events.base import Event


class SiteAdded(Event, tag="site.added", frozen=True, kw_only=True):
    site_id: UUID
    name: str
    village: str


SiteEvent = SiteAdded
EVENTS = (SiteAdded,)
