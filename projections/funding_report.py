"""The funding report and its changes, assembled from the sealed history as it stood at any instant.

The report reads the ledger's prefix in read order (sealing first, so the prefix covers every
event committed before the request) and folds the events recorded by ``as_of`` with the pure
``projections.funding`` fold. It names the ledger head it was made from: with the export of
that prefix, anyone can check both the history and the figures.

Two timelines, never confused: ``as_of`` selects by when events were *recorded*;
``start``/``end`` select by when things *happened* (an occurrence's start).

Both the API (inline, for a short history) and a worker (``workers/report_jobs.py``, for a long
one) call this module; it knows nothing of HTTP. Given ``up_to`` (a ledger entry number that is
already sealed), a replay reads exactly that prefix, so a job run later still answers for the
history as it stood when the request came.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, date, datetime
from datetime import time as clock
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import msgspec

from events.base import StoredEvent
from events.interface import Store
from events.funding import FundingSettingsChanged
from projections.figures import Figures, Tally, total
from projections.funding import (
    CHANGE_FIGURES,
    FigureRow,
    FundingHistory,
    Offer,
    OfferKey,
    Settings,
)

BERLIN = ZoneInfo("Europe/Berlin")
BATCH = 5000
SEAL_WAIT_SECONDS = 5.0


class NotSealedYet(Exception):
    """Recent events are still being sealed (a transaction in flight holds the read barrier)."""


class LedgerHead(msgspec.Struct, frozen=True):
    seq: int
    hash: str | None


class OfferFigures(msgspec.Struct, kw_only=True):
    offer_id: UUID
    title: str
    category: str
    sessions_held: int
    sessions_cancelled: int
    sessions_unrecorded: int
    visitors: int
    visitors_per_session: float
    volunteer_hours: float
    volunteer_hours_value: float
    """EUR: each hour at the rate valid on its day."""


class SiteFigures(msgspec.Struct, kw_only=True):
    site_id: UUID
    name: str
    village: str = ""
    offers: list[OfferFigures]
    volunteer_hours_without_offer: float
    volunteer_hours_value_without_offer: float
    trainings_held: int
    training_participants: int
    totals: Figures
    volunteer_hours_value: float = 0.0
    """The site's total value (also in ``totals``)."""


class Rate(msgspec.Struct, kw_only=True):
    valid_from: date
    eur_per_volunteer_hour: float


class FundingSettings(msgspec.Struct, kw_only=True):
    """The funding settings valid on the period's last day, as of the report's instant."""

    provider: str
    programme: str
    funding_reference: str
    eur_per_volunteer_hour: float
    valid_from: date


class Month(msgspec.Struct, kw_only=True):
    month: str
    sessions_held: int
    visitors: int


class FundingReport(msgspec.Struct, kw_only=True):
    from_: date = msgspec.field(name="from")
    to: date
    as_of: datetime
    site_ids: list[UUID] | None
    ledger_head: LedgerHead
    events_considered: int
    sites: list[SiteFigures]
    totals: Figures
    months: list[Month]
    eur_per_volunteer_hour: float | None = None
    """The rate valid on the period's last day (None: no rate set by then)."""
    funding: FundingSettings | None = None
    rates: list[Rate] = []
    """Every rate in force during the period, by the day it applies from."""


class Period(msgspec.Struct, frozen=True):
    """Days in Europe/Berlin: from the first day's start to the end of the last day."""

    first_day: date
    last_day: date

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first_day, clock(), BERLIN).astimezone(UTC)

    @property
    def end(self) -> datetime:
        return datetime.combine(date.fromordinal(self.last_day.toordinal() + 1), clock(),
                                BERLIN).astimezone(UTC)


async def sealed_head(store: Store) -> int:
    """Seal everything committed before this call; the number of sealed events (ledger seq)."""
    await seal_everything_committed(store)
    seq, _ = await store.ledger_head()
    return seq


async def sealed_history(
    store: Store, *instants: datetime, up_to: int | None = None, causes: bool = False,
) -> tuple[LedgerHead, list[FundingHistory], list[tuple[StoredEvent, tuple[FigureRow, ...]]]]:
    """Fold the sealed history once into one FundingHistory per instant (events recorded by
    then). Also returns every event of the last instant's fold, with the figure rows it touched
    if ``causes`` (else none: noting them costs time).

    Without ``up_to``, seals first and reads the whole ledger; with it, reads exactly the first
    ``up_to`` sealed events (sealed already, by whoever chose ``up_to``)."""
    if up_to is None:
        await seal_everything_committed(store)
        seq, head_hash = await store.ledger_head()
    else:
        seq = up_to
        head_hash = await store.ledger_hash_at(seq)
        if seq and head_hash is None:
            raise LookupError(f"the ledger has no entry {seq}")
    histories = [FundingHistory(noting=causes and n == len(instants) - 1)
                 for n in range(len(instants))]
    touched: list[tuple[StoredEvent, tuple[FigureRow, ...]]] = []
    read, after = 0, 0
    while read < seq:
        batch = await store.read_all(after, limit=min(BATCH, seq - read))
        if not batch:
            break
        for recorded in batch:
            for instant, history in zip(instants, histories):
                if recorded.recorded_at <= instant:
                    row = history.apply(recorded.event)
                    if history is histories[-1]:
                        touched.append((recorded, row))
        read += len(batch)
        after = batch[-1].position
    return LedgerHead(seq=read, hash=head_hash if read == seq else None), histories, touched


async def seal_everything_committed(store: Store, timeout: float = SEAL_WAIT_SECONDS) -> None:
    """Seal until the ledger holds every event committed before this call (read-your-writes).

    Sealing follows the store's read barrier, which a transaction still in flight anywhere on
    the server holds back for a moment; past the wait, ``NotSealedYet`` (the API answers 503
    with Retry-After)."""
    newest = await store.newest_position()
    deadline = time.monotonic() + timeout
    while True:
        await store.seal()
        if not newest or await store.is_sealed(newest):
            return
        if time.monotonic() > deadline:
            raise NotSealedYet("recent events are still being sealed")
        await asyncio.sleep(0.02)


def report_of(
    history: FundingHistory,
    period: Period,
    as_of: datetime,
    site_ids: frozenset[UUID] | None,
    head: LedgerHead,
    events_considered: int,
) -> FundingReport:
    rows = history.figures(period.start, period.end, now=as_of, site_ids=site_ids)
    sites: dict[UUID, SiteFigures] = {}
    site_sums: dict[UUID, Tally] = {}
    for (site, offer_id), sums in sorted(rows.items(), key=lambda item: _order(history, item[0])):
        figures = sums.shown()
        site_figures = sites.get(site)
        if site_figures is None:
            site_figures = sites[site] = SiteFigures(
                site_id=site, name=history.site_name(site, "?"),
                village=history.village(site), offers=[],
                volunteer_hours_without_offer=0.0, volunteer_hours_value_without_offer=0.0,
                trainings_held=0, training_participants=0,
                totals=Figures(),
            )
            site_sums[site] = Tally()
        site_sums[site].add(sums)
        if offer_id is None:
            site_figures.volunteer_hours_without_offer = figures.volunteer_hours
            site_figures.volunteer_hours_value_without_offer = figures.volunteer_hours_value
            site_figures.trainings_held = figures.trainings_held
            site_figures.training_participants = figures.training_participants
            continue
        offer = history.offer(offer_id) or Offer(site, "?", "?")
        site_figures.offers.append(OfferFigures(
            offer_id=offer_id, title=offer.title, category=offer.category,
            sessions_held=figures.sessions_held, sessions_cancelled=figures.sessions_cancelled,
            sessions_unrecorded=figures.sessions_unrecorded, visitors=figures.visitors,
            visitors_per_session=round(figures.visitors / figures.sessions_held, 2)
            if figures.sessions_held else 0.0,
            volunteer_hours=figures.volunteer_hours,
            volunteer_hours_value=figures.volunteer_hours_value,
        ))
    for site, site_figures in sites.items():
        site_figures.totals = site_sums[site].shown()
        site_figures.volunteer_hours_value = site_figures.totals.volunteer_hours_value
    months = history.months(period.start, period.end, as_of, site_ids)
    settings = history.settings_on(period.last_day)
    return FundingReport(
        from_=period.first_day, to=period.last_day, as_of=as_of,
        site_ids=sorted(site_ids, key=str) if site_ids is not None else None,
        ledger_head=head, events_considered=events_considered, sites=list(sites.values()),
        totals=total(rows.values()).shown(),
        months=[Month(month=m, sessions_held=sums.sessions_held, visitors=sums.visitors)
                for m, sums in months.items() if sums.sessions_held],
        eur_per_volunteer_hour=settings.cents_per_hour / 100 if settings else None,
        funding=funding_settings(settings), rates=rates_during(history, period),
    )


def funding_settings(settings: Settings | None) -> FundingSettings | None:
    if settings is None:
        return None
    return FundingSettings(provider=settings.provider, programme=settings.programme,
                           funding_reference=settings.funding_reference,
                           eur_per_volunteer_hour=settings.cents_per_hour / 100,
                           valid_from=settings.valid_from)


def rates_during(history: FundingHistory, period: Period) -> list[Rate]:
    """The rate valid on the first day, then every one that took over within the period."""
    entries = history.settings()
    first = history.settings_on(period.first_day)
    return [Rate(valid_from=entry.valid_from, eur_per_volunteer_hour=entry.cents_per_hour / 100)
            for entry in entries
            if entry == first or period.first_day < entry.valid_from <= period.last_day]


def _order(history: FundingHistory, key: tuple[UUID, OfferKey]) -> tuple[Any, ...]:
    site, offer_id = key
    offer = history.offer(offer_id) if offer_id else None
    return (history.site_name(site, ""), str(site), offer is None,
            offer.title if offer else "", str(offer_id))


async def funding_report(
    store: Store, period: Period, as_of: datetime | None,
    site_ids: frozenset[UUID] | None, *, up_to: int | None = None,
) -> FundingReport:
    instant = as_of or datetime.now(UTC)
    head, (history,), touched = await sealed_history(store, instant, up_to=up_to)
    return report_of(history, period, instant, site_ids, head, len(touched))


CHANGE_LABELS = {
    "session.scheduled": "Termine geplant",
    "session.occurrences_cancelled": "Termin abgesagt",
    "session.attendance_recorded": "Besucherzahl erfasst",
    "session.attendance_corrected": "Besucherzahl korrigiert",
    "shift.created": "Einsatz geplant",
    "shift.attendance_confirmed": "Einsatz bestätigt",
    "training.planned": "Schulung geplant",
    "training.cancelled": "Schulung abgesagt",
    "training.completed": "Schulung abgeschlossen",
    "volunteer.hours_recorded": "Stunden erfasst (Stundenzettel)",
    "volunteer.hours_corrected": "Stunden korrigiert (Stundenzettel)",
    "funding.settings_changed": "Stundensatz geändert",
    "site.added": "Standort angelegt",
    "offer.created": "Angebot angelegt",
}
"""German labels for every kind of event that can change a figure."""
CORRECTIONS = {"shift.attendance_confirmed": "Einsatz korrigiert"}
"""A kind's label when the event carries a reason (it replaced an earlier figure)."""
ROLE_LABELS = {"admin": "Verwaltung", "coordinator": "Koordination",
               "volunteer": "Ehrenamtliche·r", "auditor": "Prüfung"}


def label_of(event_type: str, reason: str | None = None) -> str:
    if reason and event_type in CORRECTIONS:
        return CORRECTIONS[event_type]
    return CHANGE_LABELS.get(event_type, event_type)


def actor_name(history: FundingHistory, actor: str) -> str:
    """Who acted, as people read it: the account's role and sites; the role only once the
    account is closed (its volunteer erased, say). Accounts hold no names of their own."""
    account = actor.removeprefix("account:")
    try:
        known = history.actors.get(UUID(account))
    except ValueError:
        known = None
    if known is None:
        return "System" if not actor.startswith("account:") else "unbekanntes Konto"
    role = ROLE_LABELS.get(known.role, known.role)
    if known.closed:
        return f"{role} (Konto geschlossen)"
    sites = [history.site_name(site, "?") for site in known.site_ids]
    return f"{role} {', '.join(sites)}" if sites else role


class Cause(msgspec.Struct, kw_only=True):
    position: int
    type: str
    label: str
    """What happened, in German (``Besucherzahl korrigiert``)."""
    recorded_at: datetime
    actor: str
    actor_name: str
    """The actor's role and sites (``Koordination Dorftreff Gehrde``), or its role once its
    account was closed."""
    reason: str | None
    happened_at: datetime
    """When what it changed happened: the session's date, the shift's or line's start."""


class FigureChange(msgspec.Struct, kw_only=True):
    site_id: UUID
    site: str
    offer_id: UUID | None
    offer: str | None
    """The offer's title (None: figures of the site alone, e.g. trainings)."""
    figure: str
    before: float
    after: float
    events: list[Cause]
    """Only the events that moved this figure between the two instants."""


class FundingChanges(msgspec.Struct, kw_only=True):
    from_: date = msgspec.field(name="from")
    to: date
    since: datetime
    until: datetime
    site_ids: list[UUID] | None = None
    ledger_head: LedgerHead
    changes: list[FigureChange]


async def funding_changes(
    store: Store, period: Period, since: datetime, until: datetime,
    *, up_to: int | None = None, site_ids: frozenset[UUID] | None = None,
) -> FundingChanges:
    head, (before, after), touched = await sealed_history(store, since, until, up_to=up_to,
                                                          causes=True)
    return changes_of(before, after, touched, period, since, until, head, site_ids)


def changes_of(
    before: FundingHistory,
    after: FundingHistory,
    touched: list[tuple[StoredEvent, tuple[FigureRow, ...]]],
    period: Period,
    since: datetime,
    until: datetime,
    head: LedgerHead,
    site_ids: frozenset[UUID] | None = None,
) -> FundingChanges:
    """Every figure of the period (at ``site_ids``, or every site) that differs between the two
    folds, each with the events that moved that figure of that offer or site."""
    rows_before = before.figures(period.start, period.end, now=since, site_ids=site_ids)
    rows_after = after.figures(period.start, period.end, now=until, site_ids=site_ids)
    causes: dict[tuple[UUID, OfferKey, str], list[Cause]] = {}
    rate_changes: list[tuple[StoredEvent, date]] = []
    for recorded, rows in touched:
        if recorded.recorded_at <= since:
            continue
        if isinstance(recorded.event, FundingSettingsChanged):
            rate_changes.append((recorded, recorded.event.valid_from))
            continue
        for touch in rows:
            if not period.start <= touch.happened_at < period.end or (
                    site_ids is not None and touch.site_id not in site_ids):
                continue
            for figure in touch.figures:
                causes.setdefault((touch.site_id, touch.offer_id, figure), []).append(
                    _cause(after, recorded, touch.happened_at))
    changes = []
    for key in sorted(rows_before.keys() | rows_after.keys(), key=lambda k: _order(after, k)):
        old = rows_before.get(key, Tally()).shown()
        new = rows_after.get(key, Tally()).shown()
        site, offer_id = key
        offer = after.offer(offer_id) if offer_id else None
        for figure in CHANGE_FIGURES:
            if getattr(old, figure) == getattr(new, figure):
                continue
            events = list(causes.get((site, offer_id, figure), []))
            if figure == "volunteer_hours_value":
                # A new rate moves the value of every hour from its day on.
                events += [_cause(after, recorded, datetime.combine(day, clock(), BERLIN))
                           for recorded, day in rate_changes
                           if datetime.combine(day, clock(), BERLIN) < period.end]
                events.sort(key=lambda cause: cause.position)
            changes.append(FigureChange(
                site_id=site, site=after.site_name(site, "?"), offer_id=offer_id,
                offer=offer.title if offer else None, figure=figure,
                before=getattr(old, figure), after=getattr(new, figure), events=events,
            ))
    return FundingChanges(from_=period.first_day, to=period.last_day, since=since, until=until,
                          site_ids=sorted(site_ids, key=str) if site_ids is not None else None,
                          ledger_head=head, changes=changes)


def _cause(history: FundingHistory, recorded: StoredEvent, happened_at: datetime) -> Cause:
    reason = getattr(recorded.event, "reason", None)
    actor = recorded.event_metadata.actor
    return Cause(position=recorded.position, type=recorded.type,
                 label=label_of(recorded.type, reason), recorded_at=recorded.recorded_at,
                 actor=actor, actor_name=actor_name(history, actor), reason=reason,
                 happened_at=happened_at)
