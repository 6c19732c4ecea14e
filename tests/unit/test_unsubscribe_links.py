"""The one-click unsubscribe: the signed link (made by the workers, read by the page), the
decider turning one kind off while keeping the rest of the settings, and the message's headers
and footer."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

import pytest

from events.volunteers import NotificationSettingsChanged, VolunteerErased, VolunteerRegistered
from projections import unsubscribe
from services.commands.rejections import Conflict, Invalid
from services.notifications.decider import NOTIFICATION_SETTINGS, TurnOffNotification
from services.platform.keys import derive_keys
from tests.deciding import when
from tests.mail import on_the_wire
from workers.mail.messages import compose

pytestmark = pytest.mark.unit

KEY = unsubscribe.key_from_secret("a secret")
VOLUNTEER = uuid4()
NOW = datetime.now(UTC)


def test_a_link_reads_back_as_its_volunteer_and_kind():
    assert unsubscribe.read(KEY, unsubscribe.token(KEY, VOLUNTEER, "reminder")) == (
        VOLUNTEER, "reminder")


def test_the_api_and_the_workers_derive_the_same_key_from_the_secret():
    assert derive_keys("a secret").unsubscribe == KEY


@pytest.mark.parametrize("forged", [
    lambda t: t.replace(".reminder.", ".claim_confirmed."),
    lambda t: f"{uuid4().hex}.{t.split('.', 1)[1]}",
    lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),
    lambda t: unsubscribe.token(unsubscribe.key_from_secret("another"), VOLUNTEER, "reminder"),
    lambda t: t.upper(), lambda t: t + ".x", lambda t: "", lambda t: "x" * 500,
])
def test_a_forged_or_altered_link_reads_as_nothing(forged):
    assert unsubscribe.read(KEY, forged(unsubscribe.token(KEY, VOLUNTEER, "reminder"))) is None


REGISTERED = VolunteerRegistered(volunteer_id=VOLUNTEER, name=b"n", email=b"e")


def test_turning_one_kind_off_keeps_language_hours_and_the_kinds_off_before():
    chosen = NotificationSettingsChanged(volunteer_id=VOLUNTEER, language="en",
                                         reminder_hours_before=24, off=["waitlisted"])
    assert when(NOTIFICATION_SETTINGS, TurnOffNotification(
        volunteer_id=VOLUNTEER, kind="reminder", now=NOW), REGISTERED, chosen) == [
        NotificationSettingsChanged(volunteer_id=VOLUNTEER, language="en",
                                    reminder_hours_before=24, off=["reminder", "waitlisted"])]


def test_without_settings_chosen_the_defaults_are_kept():
    assert when(NOTIFICATION_SETTINGS, TurnOffNotification(
        volunteer_id=VOLUNTEER, kind="claim_confirmed", now=NOW), REGISTERED) == [
        NotificationSettingsChanged(volunteer_id=VOLUNTEER, language="de",
                                    reminder_hours_before=48, off=["claim_confirmed"])]


def test_a_kind_off_already_an_unknown_kind_or_an_erased_volunteer_are_refused():
    off = NotificationSettingsChanged(volunteer_id=VOLUNTEER, language="de",
                                      reminder_hours_before=48, off=["reminder"])
    with pytest.raises(Conflict, match="off already"):
        when(NOTIFICATION_SETTINGS, TurnOffNotification(
            volunteer_id=VOLUNTEER, kind="reminder", now=NOW), REGISTERED, off)
    with pytest.raises(Invalid, match="unknown kind"):
        when(NOTIFICATION_SETTINGS, TurnOffNotification(
            volunteer_id=VOLUNTEER, kind="password_reset", now=NOW), REGISTERED)
    with pytest.raises(Conflict, match="erased"):
        when(NOTIFICATION_SETTINGS, TurnOffNotification(
            volunteer_id=VOLUNTEER, kind="reminder", now=NOW), REGISTERED,
            VolunteerErased(volunteer_id=VOLUNTEER))


PARAMS = {"site": "Dorftreff Gehrde", "title": "Küche", "starts_at": "2026-10-10T09:00:00+02:00",
          "ends_at": "2026-10-10T13:00:00+02:00", "token": "t"}


def a_message(kind: str, language: str = "de"):
    row = {"kind": kind, "language": language, "key": f"1:{kind}:x", "shift_id": None,
           "volunteer_id": VOLUNTEER, "params": PARAMS}
    return on_the_wire(compose(row, "anna@example.org", "Anna", "Dorftreff <t@example.org>",
                   "https://treffpunkt.example", unsubscribe_key=KEY))


@pytest.mark.parametrize("language, footer", [("de", "nicht mehr erhalten"),
                                              ("en", "Stop receiving")])
def test_a_message_names_its_link_in_the_headers_and_the_footer(language, footer):
    message = a_message("reminder", language)
    link = f"https://treffpunkt.example/unsubscribe/{unsubscribe.token(KEY, VOLUNTEER, 'reminder')}"
    # A long link is folded onto its own line (as SMTP's 78 columns ask); unfolded, it is one.
    assert message["List-Unsubscribe"].strip() == f"<{link}>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text = message.get_body(("plain",)).get_content()
    assert footer in text and link in text
    assert f'href="{link}"' in message.get_body(("html",)).get_content()


def test_a_password_link_has_nothing_to_unsubscribe_from():
    message = a_message("password_reset")
    assert message["List-Unsubscribe"] is None and message["List-Unsubscribe-Post"] is None
    assert "/unsubscribe/" not in message.get_body(("plain",)).get_content()
