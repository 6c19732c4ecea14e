"""The public programme's pages, without sign-in: ``/programm`` (every Dorftreff) and
``/programm/{site}`` (one, by its village's slug or id): this week and the next, day by day,
in German, English or Ukrainian; the printable poster at ``/programm/{site}/plakat.pdf``.

Pages are cached like the API (ETag of the body, a minute fresh): the language comes from
``?lang=``, the language cookie or the browser, never set here, so one URL is one page.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from babel.dates import format_date
from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery

from services.commands.rejections import NotFound
from services.pages.i18n import PUBLIC_LANGUAGES, language_of, translator
from services.pages.local_time import BERLIN
from services.programme.caching import cacheable, not_modified, tagged
from services.programme.poster import (
    month_of,
    next_month,
    poster_data,
    poster_pdf,
    poster_tag,
    size_of,
)
from services.programme.rate_limit import poster_rate_limited, rate_limited
from services.programme.reads import ProgrammeDate, Site, read_programme
from services.reads.read_models import ReadModels

PAGE_PATHS = r"^/programm(/|$)"
"""Served without sign-in: neither the bearer nor the session middleware sees them."""
LANGUAGE_NAMES = {"de": "Deutsch", "en": "English", "uk": "Українська"}
"""Each language in its own words, for the language switch."""
DAY_FORMATS = {"de": "EEEE, d. MMMM", "en": "EEEE d MMMM", "uk": "EEEE, d MMMM"}
_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


def slug(site: Site) -> str:
    """The village as a path segment: ``Eggermühlen`` → ``eggermuehlen``."""
    return re.sub(r"[^a-z0-9]+", "-", site.village.lower().translate(_UMLAUTS)).strip("-")


def find_site(sites: list[Site], name: str) -> Site:
    for site in sites:
        if name in (slug(site), str(site.id)):
            return site
    raise NotFound("site", "no such Dorftreff", code="site_not_found")


def midnight(day: date) -> datetime:
    return datetime.combine(day, time(), BERLIN).astimezone(UTC)


def two_weeks(today: date) -> tuple[date, date, date]:
    """Today, the Monday of next week, and the Monday after it."""
    next_monday = today + timedelta(days=7 - today.weekday())
    return today, next_monday, next_monday + timedelta(days=7)


@dataclass
class Day:
    label: str
    dates: list[ProgrammeDate] = field(default_factory=list)


@dataclass
class Week:
    heading: str
    days: list[Day]


def weeks_of(dates: list[ProgrammeDate], today: date, language: str) -> list[Week]:
    start, next_monday, end = two_weeks(today)
    by_day: dict[date, list[ProgrammeDate]] = {}
    for found in dates:
        by_day.setdefault(found.starts_at.astimezone(BERLIN).date(), []).append(found)
    t = translator(language)
    weeks = []
    for heading, first, last in (("programme.this_week", start, next_monday),
                                 ("programme.next_week", next_monday, end)):
        days = [Day(format_date(day, DAY_FORMATS[language], locale=language), by_day[day])
                for day in sorted(by_day) if first <= day < last]
        weeks.append(Week(t(heading), days))
    return weeks


def clock(moment: datetime) -> str:
    return f"{moment.astimezone(BERLIN):%H:%M}"


class ProgrammePages(Controller):
    path = "/programm"
    include_in_schema = False
    opt = {"exclude_from_auth": True}

    async def _page(self, request: Request[Any, Any, Any], read_models: ReadModels,
                    template: str, site_name: str | None) -> Response[bytes]:
        language = language_of(request, PUBLIC_LANGUAGES)
        today = datetime.now(BERLIN).date()
        start, _, end = two_weeks(today)
        sites, dates, _ = await read_programme(read_models, None, midnight(start), midnight(end))
        site, status = None, 200
        if site_name is not None:
            try:
                site = find_site(sites, site_name)
                dates = [found for found in dates if found.site_id == site.id]
            except NotFound:  # a mistyped village: every Dorftreff's programme, and why
                template, status = "programme/every_site.html", 404
        public_url = request.app.state.public_url
        html = request.app.template_engine.get_template(template).render(
            lang=language, t=translator(language), languages=LANGUAGE_NAMES,
            site=site, sites=sites, slug=slug, weeks=weeks_of(dates, today, language),
            clock=clock, months=[today.replace(day=1), (today.replace(day=28)
                                                        + timedelta(days=4)).replace(day=1)],
            webcal=re.sub(r"^https?://", "webcal://", public_url), public_url=public_url,
            path=request.url.path, unknown_site=status == 404,
        )
        headers = {"Content-Language": language, "Vary": "Accept-Language, Cookie"}
        if status != 200:
            return Response(html.encode(), status_code=status, media_type="text/html",
                            headers={**headers, "Cache-Control": "no-store"})
        return cacheable(request, html.encode(), "text/html", headers)

    @get("/", guards=[rate_limited])
    async def every_site(self, request: Request[Any, Any, Any],
                         read_models: NamedDependency[ReadModels]) -> Response[bytes]:
        return await self._page(request, read_models, "programme/every_site.html", None)

    @get("/{site:str}", guards=[rate_limited])
    async def one_site(self, request: Request[Any, Any, Any], site: FromPath[str],
                       read_models: NamedDependency[ReadModels]) -> Response[bytes]:
        return await self._page(request, read_models, "programme/site.html", site)


    @get("/{site:str}/plakat.pdf", guards=[poster_rate_limited], media_type="application/pdf")
    async def poster(self, request: Request[Any, Any, Any], site: FromPath[str],
                     read_models: NamedDependency[ReadModels],
                     month: FromQuery[str | None] = None,
                     size: FromQuery[str | None] = None) -> Response[bytes]:
        """The month's poster (A4; ``size=a3``), typeset only when its content changed."""
        first = month_of(month, datetime.now(BERLIN).date())
        paper = size_of(size)
        sites, dates, _ = await read_programme(read_models, None, midnight(first),
                                               midnight(next_month(first)))
        chosen = find_site(sites, site)
        page_url = f"{request.app.state.public_url}/programm/{slug(chosen)}"
        data = poster_data(chosen, first, [d for d in dates if d.site_id == chosen.id],
                           page_url, paper)
        tag = poster_tag(data, page_url)
        name = f'inline; filename="plakat-{slug(chosen)}-{first:%Y-%m}-{paper}.pdf"'
        if not_modified(request, tag):
            return tagged(b"", tag, "application/pdf", status_code=304)
        pdf = await asyncio.to_thread(poster_pdf, data, page_url)
        return tagged(pdf, tag, "application/pdf", {"Content-Disposition": name})
