"""What the coordinator's pages read: a site's week of rooms, its coming sessions, its held
occurrences and counts, and who needs a refresher (the same read models the API reads)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from collections.abc import Callable, Iterable
from typing import Any
from uuid import UUID

import asyncpg

from events.offers import AttendanceCorrected, AttendanceRecorded
from events.store import EventStore
from projections import (
    attendance_stats,
    directory,
    qualification_catalogue,
    room_calendar,
    shift_board,
    training_records,
)
from services.auth.roles import ADMIN
from services.auth.tokens import Principal
from services.offers.forms import occurrence_key
from services.offers.state import SESSION
from services.pages.forms import fresh_key
from services.pages.local_time import local, week_bounds
from services.reads.read_models import ReadModels
from services.trainings import refreshers
from services.volunteers import service as volunteers


def _entry(occurrence: dict[str, Any], moment: datetime) -> dict[str, Any]:
    """One line of the week; one that is still ahead carries what its cancel form sends."""
    return {"title": occurrence["title"], "kind": occurrence["kind"],
            "cancelled": occurrence["cancelled"], "starts_at": local(occurrence["starts_at"]),
            "ends_at": local(occurrence["ends_at"]), "booking_id": occurrence["booking_id"],
            "occurrence": occurrence["starts_at"].astimezone(UTC).isoformat(),
            "anchor": f"b-{occurrence['booking_id']}-{int(occurrence['starts_at'].timestamp())}",
            "ahead": occurrence["starts_at"] > moment and not occurrence["cancelled"],
            "request_key": fresh_key()}


async def site_and_rooms(read_models: ReadModels, site_id: UUID, min_position: int | None
                         ) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    async def query(connection: Any) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
        sites = await directory.sites(connection)
        site = next((s for s in sites if s["id"] == site_id), None)
        return site, await directory.rooms(connection, site_id)

    found, _ = await read_models.read(directory.DIRECTORY, min_position, query)
    return found


async def week_of_rooms(read_models: ReadModels, rooms: list[dict[str, Any]], monday: date,
                        min_position: int | None) -> list[dict[str, Any]]:
    """Each room with its occurrences day by day in the week from ``monday`` (an occurrence is
    listed on the day it starts)."""
    start, end = week_bounds(monday)

    async def occurrences(connection: Any) -> dict[UUID, list[dict[str, Any]]]:
        return {room["id"]: await room_calendar.occurrences(connection, room["id"], start, end)
                for room in rooms}

    by_room, _ = await read_models.read(room_calendar.ROOM_CALENDAR, min_position, occurrences)
    days = [monday + timedelta(days=n) for n in range(7)]
    moment = datetime.now(UTC)
    return [
        {**room, "days": [
            (day, [_entry(o, moment) for o in by_room[room["id"]]
                   if local(o["starts_at"]).date() == day])
            for day in days
        ]}
        for room in rooms
    ]


async def week_of_shifts(read_models: ReadModels, site_id: UUID, monday: date,
                         min_position: int | None) -> list[dict[str, Any]]:
    """The site's shifts (not cancelled) overlapping the week from ``monday``, in Berlin time,
    with how many hold a place."""
    start, end = week_bounds(monday)
    rows, _ = await read_models.read(
        shift_board.SHIFT_BOARD, min_position,
        lambda connection: shift_board.shifts(connection, site_id=site_id, start=start,
                                              end=end))
    return [{**row, "starts_at": local(row["starts_at"]), "ends_at": local(row["ends_at"])}
            for row in rows]


async def sites_of(read_models: ReadModels, principal: Principal) -> list[dict[str, Any]]:
    sites, _ = await read_models.read(directory.DIRECTORY, None, directory.sites)
    if principal.role == ADMIN:
        return sites
    return [site for site in sites if site["id"] in principal.site_ids]


async def needing_refreshers(read_models: ReadModels, store: EventStore, pool: asyncpg.Pool,
                             site_id: UUID, within_days: int) -> list[dict[str, Any]]:
    """As ``GET /api/qualifications/expiring``: qualifications of volunteers serving at the site that run out
    within ``within_days`` or ran out as long ago, by volunteer; names decrypted only here."""
    moment = datetime.now(UTC)
    rows, _ = await refreshers.expiring(read_models, now=moment, within_days=within_days,
                                        site_id=site_id)
    by_volunteer: dict[UUID, list[dict[str, Any]]] = {}
    for row in rows:
        by_volunteer.setdefault(row["volunteer_id"], []).append({
            "qualification": row["qualification"], "name": row["name"],
            "refresher_training_id": row["refresher_training_id"],
            "next_training_id": row["next_training_id"],
            "valid_until": local(row["valid_until"]),
            "expired": row["valid_until"] <= moment})
    people = []
    for volunteer_id, qualifications in by_volunteer.items():
        person = await volunteers.profile(store, pool, volunteer_id)
        people.append({"id": volunteer_id, "name": person.name, "erased": person.erased,
                       "qualifications": qualifications})
    return people


async def coming_sessions(read_models: ReadModels, site_id: UUID,
                          min_position: int | None) -> list[dict[str, Any]]:
    """The site's sessions with an occurrence in the coming year, for the shift's optional
    session: the offer's title and the next date."""
    moment = datetime.now(UTC)
    rows, _ = await read_models.read(
        attendance_stats.ATTENDANCE_STATS, min_position,
        lambda connection: attendance_stats.load_rows(
            connection, from_=moment, to=moment + timedelta(days=366),
            site_ids=frozenset({site_id})),
    )
    offers = rows.get(attendance_stats.OFFERS, {})
    next_of: dict[UUID, dict[str, Any]] = {}
    for row in rows.get(attendance_stats.OCCURRENCES, {}).values():
        if row["cancelled"]:
            continue
        known = next_of.get(row["session_id"])
        if known is None or row["starts_at"] < known["starts_at"]:
            next_of[row["session_id"]] = row
    return sorted(
        ({"id": session_id, "next": local(row["starts_at"]),
          "title": offers.get((row["offer_id"],), {}).get("title", "")}
         for session_id, row in next_of.items()),
        key=lambda s: s["next"],
    )


async def held_occurrences(read_models: ReadModels, site_id: UUID, within_days: int,
                           min_position: int | None) -> list[dict[str, Any]]:
    """The site's not cancelled occurrences that began in the last ``within_days`` days,
    newest first, each with its offer's title and its count (None while unrecorded)."""
    moment = datetime.now(UTC)
    rows, _ = await read_models.read(
        attendance_stats.ATTENDANCE_STATS, min_position,
        lambda connection: attendance_stats.load_rows(
            connection, from_=moment - timedelta(days=within_days), to=moment,
            site_ids=frozenset({site_id})),
    )
    offers = rows.get(attendance_stats.OFFERS, {})
    held = [
        {"key": occurrence_key(row["session_id"], row["starts_at"]),
         "session_id": row["session_id"],
         "occurrence": row["starts_at"].astimezone(UTC).isoformat(),
         "starts_at": local(row["starts_at"]), "ends_at": local(row["ends_at"]),
         "title": offers.get((row["offer_id"],), {}).get("title", ""),
         "visitors": row["visitors"], "request_key": fresh_key()}
        for row in rows.get(attendance_stats.OCCURRENCES, {}).values()
        if not row["cancelled"]
    ]
    return sorted(held, key=lambda o: o["starts_at"], reverse=True)


async def offers_with_dates(read_models: ReadModels, site_id: UUID, rooms: list[dict[str, Any]],
                            days_ahead: int, min_position: int | None) -> list[dict[str, Any]]:
    """The site's offers, each with its dates of the coming ``days_ahead`` days (cancelled ones
    marked), each date with what its cancel question needs (room, booking, UTC start)."""
    offers, _ = await read_models.read(directory.DIRECTORY, min_position,
                                       lambda connection: directory.offers(connection, site_id))
    moment = datetime.now(UTC)
    until = moment + timedelta(days=days_ahead)

    async def occurrences(connection: Any) -> list[dict[str, Any]]:
        return [dict(o, room=room["name"], room_id=room["id"]) for room in rooms
                for o in await room_calendar.occurrences(connection, room["id"], moment, until,
                                                         include_cancelled=True)
                if o["session_id"] is not None]

    dates, _ = await read_models.read(room_calendar.ROOM_CALENDAR, min_position, occurrences)
    rows, _ = await read_models.read(
        attendance_stats.ATTENDANCE_STATS, min_position,
        lambda connection: attendance_stats.load_rows(
            connection, from_=moment, to=until, site_ids=frozenset({site_id})))
    offer_of = {key[0]: row["offer_id"]
                for key, row in rows.get(attendance_stats.SESSIONS, {}).items()}
    by_offer: dict[UUID, list[dict[str, Any]]] = {}
    for o in sorted(dates, key=lambda o: o["starts_at"]):
        by_offer.setdefault(offer_of.get(o["session_id"]), []).append({
            **_entry(o, moment), "room": o["room"], "room_id": o["room_id"]})
    return [{**offer, "dates": by_offer.get(offer["id"], [])} for offer in offers]


async def trainings_around(read_models: ReadModels, site_id: UUID, days_back: int,
                           days_ahead: int, min_position: int | None) -> list[dict[str, Any]]:
    """The site's trainings of the last ``days_back`` and next ``days_ahead`` days, by start,
    times in Berlin."""
    moment = datetime.now(UTC)
    rows, _ = await read_models.read(
        training_records.TRAINING_RECORDS, min_position,
        lambda connection: training_records.trainings_at(
            connection, site_id, moment - timedelta(days=days_back),
            moment + timedelta(days=days_ahead)))
    return [{**row, "starts_at": local(row["starts_at"]), "ends_at": local(row["ends_at"]),
             "started": row["starts_at"] <= moment} for row in rows]


async def count_history(store: EventStore, session_ids: Iterable[UUID]
                        ) -> dict[str, list[dict[str, Any]]]:
    """Each counted occurrence's counts in order (the first, then every correction with its
    reason and the figure it replaced), by occurrence key, from the sessions' own streams."""
    history: dict[str, list[dict[str, Any]]] = {}
    for session_id in dict.fromkeys(session_ids):
        for recorded in await store.read_stream(SESSION(session_id).id):
            event = recorded.event
            if isinstance(event, AttendanceRecorded | AttendanceCorrected):
                history.setdefault(occurrence_key(session_id, event.occurrence_starts_at), []
                                   ).append({"visitors": event.visitors,
                                             "breakdown": event.breakdown or {},
                                             "reason": getattr(event, "reason", None),
                                             "recorded_at": local(recorded.recorded_at)})
    return history


async def qualifications(read_models: ReadModels, language: str
                         ) -> tuple[list[dict[str, Any]], Callable[[str], str]]:
    """The catalogue for the pages' selects (code and name in ``language``, by name), and a
    function naming a code (a code the catalogue lacks is shown as it is)."""
    rows, _ = await read_models.read(qualification_catalogue.QUALIFICATION_CATALOGUE, None,
                                     qualification_catalogue.catalogue)
    names = {row["code"]: row["name"].get(language) or row["name"]["de"] for row in rows}
    choices = sorted(({"code": code, "name": name} for code, name in names.items()),
                     key=lambda choice: choice["name"].casefold())
    return choices, lambda code: names.get(code, code)
