"""The funding programme's settings as history: who is funded, by what, under which reference,
and what an hour of volunteer work counts as, each valid from a day on. Pure.

One stream (``funding-settings``) holds every entry; a report as of an instant uses the
entries recorded by then (``projections.figures``: each hour at the rate valid on its day).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import msgspec

from events.base import Event
from events.funding import SETTINGS_STREAM_KEY, FundingSettingsChanged
from services.commands.checks import require_text
from services.commands.decider import Decider, StreamKind, States, Stream
from services.commands.rejections import Invalid

MOST_EUR_PER_HOUR = 1000


class FundingSettings(msgspec.Struct, frozen=True, kw_only=True):
    entries: dict[date, FundingSettingsChanged] = {}
    """``valid_from`` -> the entry recorded last for that day."""


def evolve(state: FundingSettings, event: Event) -> FundingSettings:
    match event:
        case FundingSettingsChanged(valid_from=valid_from):
            return FundingSettings(entries={**state.entries, valid_from: event})
    return state


FUNDING = StreamKind("funding", FundingSettings(), evolve,
                     {FundingSettingsChanged: "settings_key"})
SETTINGS = FUNDING(SETTINGS_STREAM_KEY)


class ChangeFundingSettings(msgspec.Struct, frozen=True, kw_only=True):
    provider: str
    programme: str
    funding_reference: str
    eur_per_volunteer_hour: float
    valid_from: date
    now: datetime


def streams(command: ChangeFundingSettings, loaded: States) -> list[Stream[Any]]:
    return [SETTINGS]


def decide(command: ChangeFundingSettings, states: States) -> list[Event]:
    require_text("provider", command.provider)
    require_text("programme", command.programme)
    require_text("funding_reference", command.funding_reference, 100)
    cents = cents_of(command.eur_per_volunteer_hour)
    return [FundingSettingsChanged(
        provider=command.provider.strip(), programme=command.programme.strip(),
        funding_reference=command.funding_reference.strip(), cents_per_volunteer_hour=cents,
        valid_from=command.valid_from)]


def cents_of(eur: float) -> int:
    """Euros with at most two decimals, from 0 to ``MOST_EUR_PER_HOUR``, as whole cents."""
    if not 0 <= eur <= MOST_EUR_PER_HOUR:
        raise Invalid("eur_per_volunteer_hour", f"must be from 0 to {MOST_EUR_PER_HOUR}",
                      code="out_of_range")
    cents = round(eur * 100)
    if abs(cents - eur * 100) > 1e-6:
        raise Invalid("eur_per_volunteer_hour", "may have at most two decimals (cents)",
                      code="fraction_of_a_cent")
    return cents


FUNDING_SETTINGS = Decider(commands=(ChangeFundingSettings,), kinds=(FUNDING,),
                           streams=streams, decide=decide)
