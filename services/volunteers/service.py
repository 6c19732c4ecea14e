"""Registering volunteers, reading their profile, and erasing their personal data."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID, uuid4

import msgspec

from events.base import EventMetadata
from events.store import AppendResult, EventStore, PendingEvent, StreamWrite
from events.volunteers import VolunteerErased, VolunteerRegistered
from services.rejections import Conflict, NotFound
from services.streams import volunteer_stream
from services.volunteers import personal_data

ERASED = "erased"


class Profile(msgspec.Struct, kw_only=True):
    id: UUID
    name: str
    email: str | None
    phone: str | None
    erased: bool
    qualifications: list[dict] = []


async def register(
    store: EventStore, name: str, email: str, phone: str | None, actor: str
) -> tuple[AppendResult, UUID]:
    volunteer_id = uuid4()
    key = await personal_data.create_key(store.pool, volunteer_id)
    event = VolunteerRegistered(
        volunteer_id=volunteer_id,
        name=personal_data.encrypt(key, volunteer_id, name),
        email=personal_data.encrypt(key, volunteer_id, email),
        phone=personal_data.encrypt(key, volunteer_id, phone) if phone else None,
    )
    try:
        result = await store.append(
            StreamWrite(volunteer_stream(volunteer_id), 0,
                        [PendingEvent(event=event, occurred_at=datetime.now(UTC))]),
            metadata=EventMetadata(actor=actor),
        )
    except BaseException:
        await personal_data.destroy_key(store.pool, volunteer_id)
        raise
    return result, volunteer_id


async def profile(store: EventStore, volunteer_id: UUID) -> Profile:
    registered: VolunteerRegistered | None = None
    erased = False
    for recorded in await store.read_stream(volunteer_stream(volunteer_id)):
        match recorded.event:
            case VolunteerRegistered() as event:
                registered = event
            case VolunteerErased():
                erased = True
    if registered is None:
        raise NotFound("id", "no such volunteer")
    key = None if erased else await personal_data.key_of(store.pool, volunteer_id)
    name = personal_data.decrypt(key, volunteer_id, registered.name)
    return Profile(
        id=volunteer_id,
        name=name if name is not None else ERASED,
        email=personal_data.decrypt(key, volunteer_id, registered.email),
        phone=personal_data.decrypt(key, volunteer_id, registered.phone),
        erased=name is None,
    )


async def erase(store: EventStore, volunteer_id: UUID, actor: str) -> AppendResult:
    """Record the erasure, then destroy the key: from then on only ciphertext remains."""
    events = await store.read_stream(volunteer_stream(volunteer_id))
    if not events:
        raise NotFound("id", "no such volunteer")
    if any(isinstance(e.event, VolunteerErased) for e in events):
        raise Conflict("id", "this volunteer's personal data is already erased")
    result = await store.append(
        StreamWrite(volunteer_stream(volunteer_id), events[-1].stream_version,
                    [PendingEvent(event=VolunteerErased(volunteer_id=volunteer_id),
                                  occurred_at=datetime.now(UTC))]),
        metadata=EventMetadata(actor=actor),
    )
    await personal_data.destroy_key(store.pool, volunteer_id)
    return result
