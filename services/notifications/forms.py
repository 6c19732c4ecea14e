"""The volunteer's notification settings as a page form, read into the command that
``PUT /api/volunteers/{id}/notification-settings`` builds (``ChangeNotificationSettings``).

The form asks the other way round from the command: it ticks the kinds to *receive*, and the
reminder is one select whose "none" turns the reminder kind off (keeping the hours chosen
before, so turning it on again restores them).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from projections.notifier import KINDS, REMINDER
from services.notifications.decider import ChangeNotificationSettings
from services.pages.forms import FormError

REMINDER_CHOICES = (2, 24, 48, 72)
"""Hours before a shift offered in the select (the API takes any from 1 to 336)."""
NO_REMINDER = "none"
CHOSEN_KINDS = tuple(kind for kind in KINDS if kind != REMINDER)
"""The kinds ticked as checkboxes; the reminder is the select."""


def reminder_choices(current: int) -> list[int]:
    """The select's hours: the usual ones, and the volunteer's own if the API set another."""
    return sorted({*REMINDER_CHOICES, current})


def settings_command(volunteer_id: UUID, form: Any, current_hours: int,
                     now: datetime) -> ChangeNotificationSettings:
    """``language``, ``reminder_hours_before`` (hours or "none") and the ticked ``kind``s."""
    language = str(form.get("language", "")).strip()
    reminder = str(form.get("reminder_hours_before", "")).strip()
    if reminder == NO_REMINDER:
        hours, reminders_off = current_hours, True
    else:
        try:
            hours, reminders_off = int(reminder), False
        except ValueError:
            raise FormError("reminder_hours_before", "notify.reminder_invalid") from None
    received = {str(kind) for kind in form.getall("kind", [])}
    off = [kind for kind in CHOSEN_KINDS if kind not in received]
    return ChangeNotificationSettings(
        volunteer_id=volunteer_id, language=language, reminder_hours_before=hours,
        off=[*off, REMINDER] if reminders_off else off, now=now)
