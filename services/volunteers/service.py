"""Registering volunteers, reading their profile, and erasing their personal data."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID, uuid4

import msgspec

from events.base import EventMetadata
from events.store import AppendResult, EventStore, StreamWrite
from events.volunteers import VolunteerRegistered
from services.accounts.service import closing_writes
from services.commands import append_with_retry, load, pending
from services.rejections import NotFound
from services.streams import volunteer_stream
from services.volunteers import decider, personal_data

ERASED = "erased"
ERASURE_REASON = "volunteer erased"


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
    """Create the volunteer's key, then store only ciphertext. A failed append drops the key."""
    volunteer_id = uuid4()
    key = await personal_data.create_key(store.pool, volunteer_id)
    command = decider.RegisterVolunteer(
        volunteer_id=volunteer_id,
        name=personal_data.encrypt(key, volunteer_id, name),
        email=personal_data.encrypt(key, volunteer_id, email),
        phone=personal_data.encrypt(key, volunteer_id, phone) if phone else None,
        now=datetime.now(UTC),
    )
    try:
        result, _ = await append_with_retry(
            store, lambda: _decided(store, command), EventMetadata(actor=actor)
        )
    except BaseException:
        await personal_data.destroy_key(store.pool, volunteer_id)
        raise
    return result, volunteer_id


async def profile(store: EventStore, volunteer_id: UUID) -> Profile:
    registered: VolunteerRegistered | None = None
    state = decider.initial_state
    for recorded in await store.read_stream(volunteer_stream(volunteer_id)):
        state = decider.evolve(state, recorded.event)
        if isinstance(recorded.event, VolunteerRegistered):
            registered = recorded.event
    if registered is None:
        raise NotFound("id", "no such volunteer")
    key = None if state.erased else await personal_data.key_of(store.pool, volunteer_id)
    name = personal_data.decrypt(key, volunteer_id, registered.name)
    return Profile(
        id=volunteer_id,
        name=name if name is not None else ERASED,
        email=personal_data.decrypt(key, volunteer_id, registered.email),
        phone=personal_data.decrypt(key, volunteer_id, registered.phone),
        erased=name is None,
    )


async def erase(store: EventStore, volunteer_id: UUID, actor: str) -> AppendResult:
    """Record the erasure (closing the volunteer's account and releasing its e-mail in the same
    append), then destroy the key: from then on only ciphertext remains.

    Should the process stop between the two, the next erasure request finds the volunteer
    erased, destroys the key all the same, and answers 409.
    """
    command = decider.EraseVolunteer(volunteer_id=volunteer_id, now=datetime.now(UTC))

    async def attempt() -> tuple[list[StreamWrite], None]:
        stream = volunteer_stream(volunteer_id)
        person, version = await load(store, stream, decider.evolve, decider.initial_state)
        erased = decider.decide(command, person)
        writes = [StreamWrite(stream, version, pending(erased, command.now))]
        for account_id in person.account_ids:
            writes += await closing_writes(store, account_id, ERASURE_REASON, command.now)
        return writes, None

    try:
        result, _ = await append_with_retry(store, attempt, EventMetadata(actor=actor))
    finally:
        if await _is_erased(store, volunteer_id):
            await personal_data.destroy_key(store.pool, volunteer_id)
    return result


async def _decided(store: EventStore, command: decider.Command) -> tuple[list[StreamWrite], None]:
    stream = volunteer_stream(command.volunteer_id)
    state, version = await load(store, stream, decider.evolve, decider.initial_state)
    events = decider.decide(command, state)
    return [StreamWrite(stream, version, pending(events, command.now))], None


async def _is_erased(store: EventStore, volunteer_id: UUID) -> bool:
    state, _ = await load(store, volunteer_stream(volunteer_id), decider.evolve,
                          decider.initial_state)
    return state.erased
