"""A volunteer as a person: registering, linking its account, erasing. Pure decisions.

Personal fields arrive already encrypted: the decider never sees plaintext or keys.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import msgspec

from events.base import Event
from events.volunteers import (
    FeedTokenRenewed,
    VolunteerAccountLinked,
    VolunteerErased,
    VolunteerHomeSitesChosen,
    VolunteerPhoneChanged,
    VolunteerRegistered,
)
from services.commands.decider import Decider, States, Stream
from services.commands.rejections import Conflict, NotFound
from services.sites.state import SITE
from services.volunteers.state import VOLUNTEER, Volunteer


class RegisterVolunteer(msgspec.Struct, frozen=True, kw_only=True):
    volunteer_id: UUID
    name: bytes
    email: bytes
    phone: bytes | None
    now: datetime
    site_ids: list[UUID] = []
    """Where the volunteer is registered: the sites of the coordinator registering it."""


class LinkAccount(msgspec.Struct, frozen=True, kw_only=True):
    volunteer_id: UUID
    account_id: UUID
    now: datetime


class EraseVolunteer(msgspec.Struct, frozen=True, kw_only=True):
    volunteer_id: UUID
    now: datetime


Command = RegisterVolunteer | LinkAccount | EraseVolunteer


def decide_person(command: Command, state: Volunteer) -> list[Event]:
    """The person's own commands, decided on its stream alone."""
    match command, state:
        case RegisterVolunteer(), Volunteer(registered=True):
            raise Conflict("id", "this volunteer is registered already")
        case RegisterVolunteer(), _:
            return [
                VolunteerRegistered(
                    volunteer_id=command.volunteer_id,
                    site_ids=command.site_ids,
                    name=command.name,
                    email=command.email,
                    phone=command.phone,
                )
            ]
        case LinkAccount() | EraseVolunteer(), Volunteer(registered=False):
            field = "volunteer_id" if isinstance(command, LinkAccount) else "id"
            raise NotFound(field, "no such volunteer")
        case LinkAccount(), Volunteer(erased=True):
            raise Conflict("volunteer_id", "this volunteer's personal data is erased")
        case LinkAccount(), Volunteer(account_ids=(_, *_)):
            raise Conflict("volunteer_id", "this volunteer has an account already")
        case LinkAccount(volunteer_id=volunteer_id, account_id=account_id), _:
            return [VolunteerAccountLinked(volunteer_id=volunteer_id, account_id=account_id)]
        case EraseVolunteer(), Volunteer(erased=True):
            raise Conflict("id", "this volunteer's personal data is already erased")
        case EraseVolunteer(volunteer_id=volunteer_id), _:
            return [VolunteerErased(volunteer_id=volunteer_id)]
    raise AssertionError("unreachable")


def decide(command: RegisterVolunteer, states: States) -> list[Event]:
    return decide_person(command, states[VOLUNTEER(command.volunteer_id)])


def streams(command: RegisterVolunteer, loaded: States) -> list[Stream[Any]]:
    return [VOLUNTEER(command.volunteer_id)]


REGISTRATION = Decider(commands=(RegisterVolunteer,), kinds=(VOLUNTEER,), streams=streams,
                       decide=decide)
"""Registering a volunteer. Linking an account is decided with the account
(``accounts.decider.ACCOUNTS``), erasing with the closing of its accounts
(``volunteers.erasure.ERASURE``)."""


class ChooseHomeSites(msgspec.Struct, frozen=True, kw_only=True):
    """The volunteer's own villages, chosen in its profile (none: every village)."""

    volunteer_id: UUID
    site_ids: list[UUID]
    now: datetime


def _home_site_streams(command: ChooseHomeSites, loaded: States) -> list[Stream[Any]]:
    return [VOLUNTEER(command.volunteer_id), *map(SITE, dict.fromkeys(command.site_ids))]


def _choose_home_sites(command: ChooseHomeSites, states: States) -> list[Event]:
    if not states[VOLUNTEER(command.volunteer_id)].active:
        raise NotFound("volunteer_id", "no such volunteer", code="volunteer_not_found")
    site_ids = list(dict.fromkeys(command.site_ids))
    for index, site_id in enumerate(site_ids):
        if not states[SITE(site_id)].exists:
            raise NotFound(f"site_ids[{index}]", "no such site", code="site_not_found")
    return [VolunteerHomeSitesChosen(volunteer_id=command.volunteer_id, site_ids=site_ids)]


HOME_SITES = Decider(commands=(ChooseHomeSites,), kinds=(VOLUNTEER, SITE),
                     streams=_home_site_streams, decide=_choose_home_sites)
"""Choosing one's home sites, decided on the volunteer's stream and those of the sites."""


class RenewFeedToken(msgspec.Struct, frozen=True, kw_only=True):
    """A new secret link for the volunteer's calendar feed; the one before stops working."""

    volunteer_id: UUID
    now: datetime


def _renew_feed_token(command: RenewFeedToken, states: States) -> list[Event]:
    volunteer = states[VOLUNTEER(command.volunteer_id)]
    if not volunteer.active:
        raise NotFound("volunteer_id", "no such volunteer", code="volunteer_not_found")
    return [FeedTokenRenewed(volunteer_id=command.volunteer_id,
                             generation=volunteer.feed_generation + 1)]


FEED_TOKEN = Decider(commands=(RenewFeedToken,), kinds=(VOLUNTEER,),
                     streams=lambda command, loaded: [VOLUNTEER(command.volunteer_id)],
                     decide=_renew_feed_token)
"""Renewing the feed's secret link, decided on the volunteer's stream (its generation)."""


class ChangePhone(msgspec.Struct, frozen=True, kw_only=True):
    """The volunteer's new phone number, already encrypted (None: no number)."""

    volunteer_id: UUID
    phone: bytes | None
    now: datetime


def _change_phone(command: ChangePhone, states: States) -> list[Event]:
    if not states[VOLUNTEER(command.volunteer_id)].active:
        raise NotFound("volunteer_id", "no such volunteer", code="volunteer_not_found")
    return [VolunteerPhoneChanged(volunteer_id=command.volunteer_id, phone=command.phone)]


PHONE = Decider(commands=(ChangePhone,), kinds=(VOLUNTEER,),
                streams=lambda command, loaded: [VOLUNTEER(command.volunteer_id)],
                decide=_change_phone)
"""Changing one's phone number in the profile, decided on the volunteer's stream."""
