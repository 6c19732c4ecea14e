"""Events of a volunteer's stream (``volunteer-<id>``) about the person.

Personal fields are stored only as ciphertext (AES-GCM with the volunteer's own key, kept outside
the event history); destroying that key erases them while every event and hash stays intact.
"""

from __future__ import annotations

from uuid import UUID

from events.base import Event


class VolunteerRegistered(Event, tag="volunteer.registered", frozen=True, kw_only=True):
    volunteer_id: UUID
    site_ids: list[UUID] = []
    name: bytes
    """Ciphertext (nonce + AES-GCM) of the name."""
    email: bytes
    phone: bytes | None = None


class VolunteerAccountLinked(Event, tag="volunteer.account_linked", frozen=True, kw_only=True):
    """An account of role ``volunteer`` acts for this volunteer (appended with the account)."""

    volunteer_id: UUID
    account_id: UUID


class VolunteerErased(Event, tag="volunteer.erased", frozen=True, kw_only=True):
    volunteer_id: UUID


class VolunteerHomeSitesChosen(Event, tag="volunteer.home_sites_chosen", frozen=True, kw_only=True):
    """The volunteer's own villages (its profile): its pages show their shifts first."""

    volunteer_id: UUID
    site_ids: list[UUID] = []


class NotificationSettingsChanged(
    Event, tag="volunteer.notification_settings_changed", frozen=True, kw_only=True
):
    """What the volunteer is told by e-mail, and when: the language, how many hours before a
    shift the reminder comes, and the kinds of message turned off."""

    volunteer_id: UUID
    language: str
    reminder_hours_before: int
    off: list[str] = []


class FeedTokenRenewed(Event, tag="volunteer.feed_token_renewed", frozen=True, kw_only=True):
    """The volunteer renewed the secret link of its calendar feed: only the token of this
    ``generation`` opens the feed from now on (generation 0 is the first link, never renewed)."""

    volunteer_id: UUID
    generation: int


class VolunteerPhoneChanged(Event, tag="volunteer.phone_changed", frozen=True, kw_only=True):
    """The volunteer changed its phone number in its profile (None: removed it)."""

    volunteer_id: UUID
    phone: bytes | None = None
    """Ciphertext under the volunteer's own key, as ``VolunteerRegistered.phone``."""


EVENTS = (VolunteerRegistered, VolunteerAccountLinked, VolunteerErased)
EVENTS += (NotificationSettingsChanged,)
EVENTS += (VolunteerHomeSitesChosen,)
EVENTS += (FeedTokenRenewed,)
EVENTS += (VolunteerPhoneChanged,)
