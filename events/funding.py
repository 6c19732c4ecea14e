"""Events of the funding programme's settings (the stream ``funding-settings``).

Who is funded by what, under which reference, and what an hour of volunteer work is worth as
co-funding, each entry valid from a day on: a report as of an instant folds only the entries
recorded by then, and values every hour at the rate valid on its day. An entry for a day that
has one already replaces it (the history keeps both).
"""

from __future__ import annotations

from datetime import date

from events.base import Event

SETTINGS_STREAM_KEY = "settings"


class FundingSettingsChanged(Event, tag="funding.settings_changed", frozen=True, kw_only=True):
    provider: str
    """The body that runs the Dorftreffs (Träger), e.g. a Samtgemeinde's social services."""
    programme: str
    funding_reference: str
    """The funding body's reference of the grant (Aktenzeichen, Förderkennzeichen)."""
    cents_per_volunteer_hour: int
    """What an hour of volunteer work counts as co-funding, in euro cents."""
    valid_from: date
    """The first day (Europe/Berlin) these settings apply to."""

    @property
    def settings_key(self) -> str:
        """Names the one stream every entry belongs to (``funding-settings``)."""
        return SETTINGS_STREAM_KEY


EVENTS = (FundingSettingsChanged,)
