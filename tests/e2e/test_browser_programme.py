"""The public programme of the demo's Dorftreffs, without any sign-in: as JSON, as a feed that
icalendar parses, and as pages in the system's Chromium at phone (390 px) and desktop width,
in German, English and Ukrainian; the app under uvicorn, a real Dramatiq worker keeping the
read models. No page holds a volunteer's name. Screenshots under .treffpunkt/screenshots/."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import httpx
import icalendar
import pytest

from events.catalog import registry
from events.store import EventStore
from projections.catalog import PROJECTIONS
from services.accounts.bootstrap import ensure_admin
from services.commands.handler import CommandHandler
from services.demo import programme as plan
from services.demo.seed import _people, seed_demo
from services.pages.local_time import BERLIN
from services.platform.keys import derive_keys
from tests.browsing import CHROMIUM, SCREENSHOTS, browser, policy_violations
from tests.serving import served
from tests.accounts_world import SECRET, settings_for
from tests.pdf_words import Word, overlapping, read, words
from tests.date_tokens import DATE_TOKEN
from tests.projection_checks import wait_until_caught_up, workers

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

WIDTHS = {"phone": 390, "desktop": 1280}


def volunteer_names() -> list[str]:
    """Every volunteer of the demo, as it registers them (its first use of its random)."""
    names = [p.name for p in [*_people(random.Random(plan.SEED)), plan.ERASED_VOLUNTEER]]
    assert "Anna Lehmann" in names and len(names) == plan.VOLUNTEER_COUNT
    return names


@pytest.fixture
async def base_url(database_url, servers, broker_namespace, pool) -> AsyncIterator[str]:
    if not CHROMIUM.exists():
        pytest.skip(f"no Chromium at {CHROMIUM}")
    settings = settings_for(database_url, servers.redis_url, broker_namespace)
    store = EventStore(pool, registry)
    await ensure_admin(CommandHandler(store), pool, derive_keys(SECRET), settings.admin_email,
                       settings.admin_password)
    assert await seed_demo(pool, store, settings)
    with workers(database_url, servers.redis_url, broker_namespace, count=1,
                 wait_on_exit=False) as started:
        async with served(database_url, servers.redis_url, broker_namespace) as url:
            await wait_until_caught_up(pool, PROJECTIONS, started[0], timeout=120)
            yield url


async def photographed(page: Any, name: str) -> None:
    for label, width in WIDTHS.items():
        await page.set_viewport_size({"width": width, "height": 900})
        await page.screenshot(path=str(SCREENSHOTS / f"programme-{name}-{label}.png"),
                              full_page=True)
        overflow = await page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{name}: {overflow} px wider than the {width} px window"


async def test_the_demo_programme_is_public_as_json_feed_and_pages(base_url, browser):
    names = volunteer_names()
    async with httpx.AsyncClient(base_url=base_url, timeout=60) as client:
        now = datetime.now(UTC)
        dates = (await client.get("/api/programme", params={
            "from": now.isoformat(), "to": (now + timedelta(days=14)).isoformat()})).json()
        sites = {d["site"] for d in dates}
        assert sites == {village.site_name for village in plan.VILLAGES}
        announced = [d for d in dates if d["cancellation_reason"] == plan.UPCOMING_CANCELLATION[1]]
        assert len(announced) == 1 and announced[0]["cancelled"]
        feed = await client.get("/api/programme.ics")
        events = icalendar.Calendar.from_ical(feed.content).walk("VEVENT")
        assert any(str(e.get("STATUS")) == "CANCELLED" for e in events)
        assert all(e.get("LOCATION") for e in events)
        for name in names:
            assert name not in feed.text

    context = await browser.new_context(base_url=base_url, locale="de-DE",
                                        viewport={"width": 390, "height": 900})
    refused = policy_violations(context)
    page = await context.new_page()
    await page.goto("/programm")
    assert await page.locator("h1").inner_text() == "Programm der Dorftreffs"
    html = await page.content()
    for village in plan.VILLAGES:
        assert village.site_name in html and village.address in html and village.contact in html
    await photographed(page, "all")

    await page.get_by_role("link", name="Dorftreff Eggermühlen").first.click()
    await page.wait_for_url("**/programm/eggermuehlen?lang=de")
    assert await page.locator("h1").inner_text() == "Programm Dorftreff Eggermühlen"
    cancelled = page.locator(".programme-date.cancelled", has_text="Sitzgymnastik")
    assert "Fällt aus" in await cancelled.first.inner_text()
    assert plan.UPCOMING_CANCELLATION[1] in await cancelled.first.inner_text()
    subscribe = page.get_by_role("link", name="Termine im Kalender abonnieren")
    assert (await subscribe.get_attribute("href")).startswith("webcal://")
    await photographed(page, "eggermuehlen")
    pages = [html, await page.content()]

    for language, this_week in (("uk", "Цього тижня"), ("en", "This week")):
        await page.goto(f"/programm/gehrde?lang={language}")
        assert await page.locator("html").get_attribute("lang") == language
        assert this_week in await page.locator("main").inner_text()
        await photographed(page, f"gehrde-{language}")
        pages.append(await page.content())
    for name in names:
        assert not [text for text in pages if name in text], name
    await a_coordinator_gives_a_public_reason(context, page)
    assert refused == []
    await context.close()


async def a_coordinator_gives_a_public_reason(context: Any, page: Any) -> None:
    """The question before a session's date is cancelled asks for a reason and its public mark."""
    await page.goto("/sign-in?next=/coordinator/")
    await page.get_by_label("E-Mail").fill(plan.VILLAGES[1].coordinator_email)
    await page.get_by_label("Passwort").fill(plan.DEMO_PASSWORD)
    await page.get_by_role("button", name="Anmelden").click()
    await page.wait_for_url("**/coordinator/**")
    today = datetime.now(BERLIN).date()
    week = today + timedelta(days=7 - today.weekday())
    await page.goto(page.url.split("?")[0] + f"?week={week.isoformat()}")
    if "/week" not in page.url:
        await page.get_by_role("link", name=plan.VILLAGES[1].site_name).first.click()
        await page.goto(page.url.split("?")[0] + f"?week={week.isoformat()}")
    questions = await page.locator("a[href*='scope=occurrence']").evaluate_all(
        "links => links.map(link => link.href)")
    for question in questions:  # a session's question has the public mark; a booking's not
        await page.goto(question)
        if await page.get_by_label("Grund öffentlich zeigen").count():
            break
    assert await page.get_by_label("Grund öffentlich zeigen").is_visible()
    await photographed(page, "coordinator-cancel-reason")
    await context.clear_cookies()



async def a_poster_holds_every_date_of_its_month(client: httpx.AsyncClient, village: str,
                                                 site_id: str, month: date) -> list[Word]:
    """The poster of ``month`` read back with pypdf: each date of the month's sessions on its
    dates line exactly once, every title, the address, and no two words overlapping."""
    after = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    start, end = (datetime.combine(day, time(), BERLIN) for day in (month, after))
    sessions = (await client.get("/api/programme", params={
        "site_id": site_id, "from": start.isoformat(), "to": end.isoformat()})).json()
    assert sessions
    response = await client.get(f"/programm/{village}/plakat.pdf",
                                params={"month": f"{month:%Y-%m}"})
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    found = words(response.content)
    text = " ".join(word.text for word in found)
    dates_line = [token for word in found for token in DATE_TOKEN.findall(word.text)]
    wanted = [f"{local.day}.{local.month}." for local in
              (datetime.fromisoformat(s["starts_at"]).astimezone(BERLIN) for s in sessions)]
    assert Counter(dates_line) == Counter(wanted)
    for session in sessions:
        assert session["title"].split()[0] in text
    assert overlapping(found) == []
    cached = await client.get(f"/programm/{village}/plakat.pdf",
                              params={"month": f"{month:%Y-%m}"},
                              headers={"If-None-Match": response.headers["etag"]})
    assert cached.status_code == 304
    return found


async def test_the_monthly_poster_lists_every_date_and_marks_cancellations(base_url):
    today = datetime.now(BERLIN).date()
    village = plan.VILLAGES[0]
    async with httpx.AsyncClient(base_url=base_url, timeout=120) as client:
        sites = (await client.get("/api/programme", params={})).json()
        site_id = next(s["site_id"] for s in sites if s["site"] == village.site_name)
        months = [today.replace(day=1), (today.replace(day=28) + timedelta(days=4)).replace(day=1)]
        for month in months:
            found = await a_poster_holds_every_date_of_its_month(client, village.key, site_id,
                                                                  month)
        text = " ".join(w.text for w in found)
        assert village.address.split(",")[0] in text
        a3 = await client.get(f"/programm/{village.key}/plakat.pdf",
                              params={"month": f"{today:%Y-%m}", "size": "a3"})
        box = read(a3.content).pages[0].mediabox
        assert (round(float(box.width)), round(float(box.height))) == (842, 1191)
        bad = await client.get(f"/programm/{village.key}/plakat.pdf", params={"month": "2027-13"})
        assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "month"
        for name in volunteer_names():
            assert name not in text
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS / f"programme-poster-{village.key}.pdf").write_bytes(a3.content)
