"""The coordinator's volunteers page through the in-process HTTP client: one volunteer's
profile (its hours are the timesheet's for that person), read only by coordinators of a site
it is known at, and the "Einladen" button, whose mail reaches a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from services.pages.local_time import BERLIN
from tests.accounts_world import COORDINATOR_A, COORDINATOR_B, world
from tests.mailbox import smtp_port
from tests.coordinator_pages import csrf_of, sign_in_as, sign_in_as_admin, text_of
from tests.reset_mail import delivered
from tests.volunteer_profile import GRETA, api, projector

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]


def profile_path(site_id, volunteer_id) -> str:
    return f"/coordinator/sites/{site_id}/volunteers/{volunteer_id}"


async def test_the_profile_shows_the_hours_the_timesheet_counts_for_the_volunteer(
        world, projector):  # noqa: F811
    site, alice = world.targets["site_id"], world.targets["volunteer_id"]
    soon = datetime.now(UTC) + timedelta(seconds=1)
    shift = (await api(world, "POST", "/api/shifts", {
        "site_id": str(site), "title": "Küchendienst", "starts_at": soon.isoformat(),
        "ends_at": (soon + timedelta(hours=2, minutes=15)).isoformat(), "capacity": 2}))["id"]
    await api(world, "POST", f"/api/shifts/{shift}/claims", {"volunteer_id": str(alice)})
    await asyncio.sleep(max(0.0, (soon - datetime.now(UTC)).total_seconds()) + 0.05)
    await api(world, "POST", f"/api/shifts/{shift}/attendance", {"present": [str(alice)]})
    yesterday = datetime.now(UTC).replace(microsecond=0) - timedelta(days=1)
    line = await api(world, "POST", f"/api/volunteers/{alice}/hours", {
        "site_id": str(site), "activity": "Einkauf", "started_at": yesterday.isoformat(),
        "ended_at": (yesterday + timedelta(hours=1, minutes=30)).isoformat()},
        caller=COORDINATOR_A)

    await sign_in_as(world, COORDINATOR_A)
    response = await world.client.get(profile_path(site, alice),
                                      params={"min_position": str(line["position"])})
    assert response.status_code == 200, response.text
    page = text_of(response.text)
    assert "Alice Beispiel-Unique" in page and "alice.unique@example.org" in page
    assert "Küchendienst" in page  # the shift it holds, still under way
    shown = re.search(r'id="hours-total">([^<]+)<', response.text).group(1)

    year = datetime.now(BERLIN).year
    sheet = await api(world, "GET", "/api/reports/funding/timesheet", caller=COORDINATOR_A,
                      **{"from": f"{year}-01-01", "to": f"{year}-12-31"})
    counted, = [p["hours"] for p in sheet["people"] if p["volunteer_id"] == str(alice)]
    assert float(shown.replace(",", ".")) == counted
    # The shift's 2:15 served; the errand's 1:30 unless yesterday was in the year before.
    assert counted == (3.75 if yesterday.astimezone(BERLIN).year == year else 2.25)


async def test_only_coordinators_of_a_site_it_is_known_at_read_a_profile(
        world, projector):  # noqa: F811
    greta = (await api(world, "POST", "/api/volunteers", GRETA, caller=COORDINATOR_A))["id"]
    site_a, unknown = world.targets["site_id"], uuid4()
    await sign_in_as(world, COORDINATOR_B)
    site_b = (await world.client.get("/coordinator", follow_redirects=False)
              ).headers["location"].split("/")[3]
    refused = await world.client.get(profile_path(site_b, greta))
    assert refused.status_code == 403
    assert GRETA["email"] not in refused.text
    await sign_in_as(world, COORDINATOR_A)
    assert (await world.client.get(profile_path(site_a, unknown))).status_code == 403
    shown = await world.client.get(profile_path(site_a, greta))
    assert shown.status_code == 200, shown.text
    assert GRETA["phone"] in text_of(shown.text) and "Noch kein Zugang" in shown.text
    await sign_in_as_admin(world)
    assert (await world.client.get(profile_path(site_a, unknown))).status_code == 404


async def test_the_invite_button_mails_the_volunteer_a_link_to_choose_a_password(
        world, projector, pool, smtp_port):  # noqa: F811
    greta = (await api(world, "POST", "/api/volunteers", GRETA, caller=COORDINATOR_A))["id"]
    site = world.targets["site_id"]
    listing = f"/coordinator/sites/{site}/volunteers"
    await sign_in_as(world, COORDINATOR_A)
    before = await world.client.get(listing)
    action = f"{listing}/{greta}/invitation"
    assert f'action="{action}"' in before.text
    assert 'aria-label="Greta Neu einladen">Einladen</button>' in before.text
    token = csrf_of(before.text)
    assert (await world.client.post(action, data={}, follow_redirects=False)
            ).status_code == 403  # no CSRF token
    invited = await world.client.post(action, data={"_csrf_token": token},
                                      follow_redirects=False)
    assert invited.status_code == 303, invited.text
    after = await world.client.get(invited.headers["location"])
    assert "Die Einladung ist unterwegs" in text_of(after.text)
    assert "Eingeladen, Passwort noch nicht gewählt" in text_of(after.text)

    message, = await delivered(pool, smtp_port)
    assert message["To"].addresses[0].addr_spec == GRETA["email"]
    assert message["Subject"].startswith("Einladung zu Treffpunkt")

    await sign_in_as(world, COORDINATOR_B)
    other = await world.client.get("/coordinator", follow_redirects=False)
    site_b = other.headers["location"].split("/")[3]
    theirs = await world.client.get(f"/coordinator/sites/{site_b}/volunteers")
    assert GRETA["name"] not in theirs.text
    foreign = await world.client.post(f"/coordinator/sites/{site_b}/volunteers/{greta}/invitation",
                                      data={"_csrf_token": csrf_of(theirs.text)})
    assert foreign.status_code == 403
