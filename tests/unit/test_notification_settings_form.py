"""The profile's notification settings form read into the API's command, the decider's
refusals carrying codes the page has words for, and the feed's alarm from the chosen time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from multidict import MultiDict

from events.volunteers import NotificationSettingsChanged, VolunteerRegistered
from services.commands.decider import given
from services.commands.rejections import Invalid
from services.notifications.decider import NOTIFICATION_SETTINGS, ChangeNotificationSettings
from services.notifications.forms import CHOSEN_KINDS, reminder_choices, settings_command
from services.pages.i18n import LANGUAGES, words
from services.pages.forms import FormError
from services.pages.refusals import words_of
from services.volunteers.schedule import REMINDER, alarm_before
from services.volunteers.state import VOLUNTEER as VOLUNTEER_STREAM
from tests.deciding import when

pytestmark = pytest.mark.unit
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
VOLUNTEER = uuid4()
REGISTERED = VolunteerRegistered(volunteer_id=VOLUNTEER, name=b"n", email=b"e", phone=None)


def form(**fields: object) -> MultiDict:
    return MultiDict([(name, value) for name, values in fields.items()
                      for value in (values if isinstance(values, list) else [values])])


def test_the_ticked_kinds_are_received_and_the_others_turned_off():
    command = settings_command(VOLUNTEER, form(
        language="en", reminder_hours_before="24", kind=["claim_confirmed", "moved_up"]),
        48, NOW)

    assert command == ChangeNotificationSettings(
        volunteer_id=VOLUNTEER, language="en", reminder_hours_before=24,
        off=[kind for kind in CHOSEN_KINDS if kind not in ("claim_confirmed", "moved_up")],
        now=NOW)
    assert "waitlisted" in command.off and "claim_confirmed" not in command.off


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_kind_a_volunteer_may_turn_off_has_words_in_every_language(language):
    labels = {kind: words(language, f"notify.kind.{kind}") for kind in CHOSEN_KINDS}
    assert [kind for kind, label in labels.items() if not label] == []


def test_no_reminder_turns_the_reminder_off_and_keeps_the_hours_chosen_before():
    command = settings_command(VOLUNTEER, form(language="de", reminder_hours_before="none"),
                               72, NOW)

    assert command.reminder_hours_before == 72
    assert "reminder" in command.off


def test_hours_that_are_no_number_are_named_at_their_field():
    with pytest.raises(FormError) as refused:
        settings_command(VOLUNTEER, form(language="de", reminder_hours_before="bald"), 48, NOW)
    assert (refused.value.field, refused.value.key) == (
        "reminder_hours_before", "notify.reminder_invalid")


def test_the_select_offers_the_volunteers_own_hours_among_the_usual_ones():
    assert reminder_choices(48) == [2, 24, 48, 72]
    assert reminder_choices(5) == [2, 5, 24, 48, 72]


@pytest.mark.parametrize(("fields", "words"), [
    ({"language": "fr"}, "notify.language_invalid"),
    ({"reminder_hours_before": 999}, "notify.reminder_invalid"),
    ({"off": ["carrier_pigeon"]}, "notify.kind_invalid"),
])
def test_each_refusal_of_the_decider_has_the_pages_words(fields, words):
    command = ChangeNotificationSettings(**{
        "volunteer_id": VOLUNTEER, "language": "de", "reminder_hours_before": 48, "off": [],
        "now": NOW, **fields})
    with pytest.raises(Invalid) as refused:
        when(NOTIFICATION_SETTINGS, command, REGISTERED)
    assert words_of(refused.value) == words


def test_the_feeds_alarm_is_two_hours_until_a_time_is_chosen_then_that_or_none():
    def alarm(*settings: NotificationSettingsChanged) -> timedelta | None:
        states = given(NOTIFICATION_SETTINGS, REGISTERED, *settings)
        return alarm_before(states[VOLUNTEER_STREAM(VOLUNTEER)])

    def chosen(hours: int, off: list[str]) -> NotificationSettingsChanged:
        return NotificationSettingsChanged(volunteer_id=VOLUNTEER, language="de",
                                           reminder_hours_before=hours, off=off)

    assert alarm() == REMINDER == timedelta(hours=2)
    assert alarm(chosen(24, ["waitlisted"])) == timedelta(hours=24)
    assert alarm(chosen(24, []), chosen(24, ["reminder"])) is None
