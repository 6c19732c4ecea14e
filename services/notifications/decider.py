"""A volunteer's notification settings, on the volunteer's stream. Pure."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import msgspec

from events.base import Event
from events.volunteers import NotificationSettingsChanged
from projections.notifier import KINDS
from services.commands.decider import Decider, States, Stream
from services.commands.rejections import Conflict, Invalid, NotFound
from services.volunteers.state import VOLUNTEER

LANGUAGES = ("de", "en", "uk")
MOST_REMINDER_HOURS = 24 * 14
DEFAULT_REMINDER_HOURS = 48
"""As the notifier's table, for a volunteer who never chose."""


class ChangeNotificationSettings(msgspec.Struct, frozen=True, kw_only=True):
    volunteer_id: UUID
    language: str
    reminder_hours_before: int
    off: list[str]
    now: datetime


class TurnOffNotification(msgspec.Struct, frozen=True, kw_only=True):
    """One kind turned off, the rest of the settings kept: an e-mail's unsubscribe link."""

    volunteer_id: UUID
    kind: str
    now: datetime


def streams(command: ChangeNotificationSettings | TurnOffNotification,
            loaded: States) -> list[Stream[Any]]:
    return [VOLUNTEER(command.volunteer_id)]


def decide(command: ChangeNotificationSettings | TurnOffNotification,
           states: States) -> list[Event]:
    volunteer = states[VOLUNTEER(command.volunteer_id)]
    if not volunteer.registered:
        raise NotFound("volunteer_id", "no such volunteer")
    if volunteer.erased:
        raise Conflict("volunteer_id", "this volunteer's personal data is erased")
    if isinstance(command, TurnOffNotification):
        return turn_off(command, volunteer.notification_settings)
    if command.language not in LANGUAGES:
        raise Invalid("language", f"must be one of {', '.join(LANGUAGES)}",
                      code="unknown_language")
    if not 1 <= command.reminder_hours_before <= MOST_REMINDER_HOURS:
        raise Invalid("reminder_hours_before", f"must be from 1 to {MOST_REMINDER_HOURS}",
                      code="out_of_range")
    unknown = sorted(set(command.off) - set(KINDS))
    if unknown:
        raise Invalid("off", f"unknown kinds: {', '.join(unknown)}", code="unknown_kind")
    return [NotificationSettingsChanged(
        volunteer_id=command.volunteer_id, language=command.language,
        reminder_hours_before=command.reminder_hours_before, off=sorted(set(command.off)))]


def turn_off(command: TurnOffNotification,
             settings: NotificationSettingsChanged | None) -> list[Event]:
    if command.kind not in KINDS:
        raise Invalid("kind", "unknown kind", code="unknown_kind")
    off = set(settings.off) if settings else set()
    if command.kind in off:
        raise Conflict("kind", "this kind is off already", code="already_off")
    return [NotificationSettingsChanged(
        volunteer_id=command.volunteer_id,
        language=settings.language if settings else LANGUAGES[0],
        reminder_hours_before=(settings.reminder_hours_before if settings
                               else DEFAULT_REMINDER_HOURS),
        off=sorted(off | {command.kind}))]


NOTIFICATION_SETTINGS = Decider(commands=(ChangeNotificationSettings, TurnOffNotification), kinds=(VOLUNTEER,),
                                streams=streams, decide=decide)
