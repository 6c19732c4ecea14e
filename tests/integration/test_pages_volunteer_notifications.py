"""The volunteer's notification settings on the profile page, through HTTP (session cookie, a
real worker): saved through the page, read back from the API; refusals at the field; and the
calendar feed's alarm following the chosen reminder time."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta
from urllib.parse import urlsplit
from uuid import uuid4

import icalendar
import pytest

from services.notifications.forms import CHOSEN_KINDS
from tests.accounts_world import VOLUNTEER_SELF
from tests.pages_session import csrf_of
from tests.volunteer_pages import (  # noqa: F401 - fixtures
    a_shift,
    signed_in_as,
    worker,
)
from tests.scheduling_world import World, world  # noqa: F401 - a fixture

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]


async def save_settings(world: World, **fields: object):
    form = await world.client.get("/volunteer/profile")
    assert form.status_code == 200, form.text
    return await world.client.post("/volunteer/profile/notifications", data={
        "_csrf_token": csrf_of(form.text), "request_key": uuid4().hex, **fields},
        follow_redirects=False)


async def test_settings_saved_on_the_profile_are_what_the_api_answers(world, worker):
    await signed_in_as(world, VOLUNTEER_SELF)

    saved = await save_settings(world, language="en", reminder_hours_before="24",
                                kind=["claim_confirmed", "shift_cancelled"])
    assert saved.status_code == 303, saved.text
    shown = await world.client.get(saved.headers["location"])
    api = await world.call(VOLUNTEER_SELF, "GET",
                           f"/api/volunteers/{world.alice}/notification-settings")

    assert api.status_code == 200, api.text
    assert api.json() == {"language": "en", "reminder_hours_before": 24, "off": sorted(
        kind for kind in CHOSEN_KINDS if kind not in ("claim_confirmed", "shift_cancelled"))}
    assert "Gespeichert. So werden Sie ab jetzt benachrichtigt." in shown.text
    assert re.search(r'<option value="en" lang="en" selected>', shown.text)
    assert re.search(r'<option value="24" selected>24 Stunden vorher</option>', shown.text)
    assert re.search(r'id="kind-claim_confirmed" name="kind" value="claim_confirmed" checked',
                     shown.text)
    assert not re.search(r'id="kind-waitlisted" name="kind" value="waitlisted" checked',
                         shown.text)


async def test_no_reminder_turns_the_reminder_kind_off_and_keeps_the_hours(world, worker):
    await signed_in_as(world, VOLUNTEER_SELF)

    saved = await save_settings(world, language="de", reminder_hours_before="none",
                                kind=list(CHOSEN_KINDS))
    shown = await world.client.get(saved.headers["location"])
    api = await world.call(VOLUNTEER_SELF, "GET",
                           f"/api/volunteers/{world.alice}/notification-settings")

    assert api.json() == {"language": "de", "reminder_hours_before": 48, "off": ["reminder"]}
    assert '<option value="none" selected>Keine Erinnerung</option>' in shown.text


async def test_a_refused_setting_is_named_at_its_field_and_nothing_is_stored(world, worker):
    await signed_in_as(world, VOLUNTEER_SELF)

    language = await save_settings(world, language="fr", reminder_hours_before="24")
    hours = await save_settings(world, language="en", reminder_hours_before="999")
    words = await save_settings(world, language="en", reminder_hours_before="bald")
    api = await world.call(VOLUNTEER_SELF, "GET",
                           f"/api/volunteers/{world.alice}/notification-settings")

    assert language.status_code == 422
    assert 'id="language-error">Bitte wählen Sie Deutsch, English oder Українська.<' in language.text
    assert 'id="language" name="language" aria-invalid="true"' in language.text
    for refused in (hours, words):
        assert refused.status_code == 422
        assert ('id="reminder_hours_before-error">Bitte wählen Sie, wann die Erinnerung kommen '
                'soll.<' in refused.text)
    assert api.status_code in (200, 404)  # 404: the notifier has not seen Alice at all
    if api.status_code == 200:
        assert api.json()["language"] == "de"


async def alarms_of_my_feed(world: World, title: str) -> list[timedelta]:
    link = await world.call(VOLUNTEER_SELF, "GET", f"/api/volunteers/{world.alice}/feed-link")
    parts = urlsplit(link.json()["url"])
    url = f"{parts.path}?{parts.query}"
    for _ in range(100):  # the feed reads the schedule, which the worker fills
        feed = await world.client.get(url)
        if title in feed.text:
            break
        await asyncio.sleep(0.1)
    assert feed.status_code == 200, feed.text
    events = [event for event in icalendar.Calendar.from_ical(feed.content).walk("VEVENT")
              if title in str(event["summary"])]
    assert len(events) == 1
    return [-alarm["trigger"].dt for alarm in events[0].walk("VALARM")]


async def test_the_feeds_alarm_comes_at_my_reminder_time_or_not_at_all(world, worker):
    shift = await a_shift(world, title="Mittagstisch", hours_ahead=100)
    await world.created(VOLUNTEER_SELF, f"/api/shifts/{shift}/claims", {})
    assert await alarms_of_my_feed(world, "Mittagstisch") == [timedelta(hours=2)]
    await signed_in_as(world, VOLUNTEER_SELF)

    await save_settings(world, language="de", reminder_hours_before="72",
                        kind=["claim_confirmed"])
    assert await alarms_of_my_feed(world, "Mittagstisch") == [timedelta(hours=72)]

    await save_settings(world, language="de", reminder_hours_before="none")
    assert await alarms_of_my_feed(world, "Mittagstisch") == []
