"""Registering volunteers, reading their profile, and erasing their personal data."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
from collections.abc import Iterable
from datetime import UTC, datetime
from uuid import UUID

import asyncpg
import msgspec

from events.base import EventMetadata
from events.store import EventStore
from events.volunteers import VolunteerPhoneChanged, VolunteerRegistered
from services.commands.checks import require_line, require_text
from services.commands.handler import (
    CommandHandler,
    CommandResult,
    KeyReused,
    entity_id,
    with_digest,
)
from services.commands.rejections import NotFound
from services.volunteers import decider, personal_data
from services.volunteers.erasure import ERASURE
from services.volunteers.state import VOLUNTEER, Volunteer

ERASED = "erased"
REGISTER_VOLUNTEER = "RegisterVolunteer"
_encode_person = msgspec.json.Encoder(order="deterministic").encode


class Profile(msgspec.Struct, kw_only=True):
    id: UUID
    name: str
    email: str | None
    phone: str | None
    erased: bool
    qualifications: list[dict] = []


async def register(
    commands: CommandHandler,
    pool: asyncpg.Pool,
    name: str,
    email: str,
    phone: str | None,
    actor: str,
    *,
    site_ids: list[UUID] | None = None,
    idempotency_key: str | None = None,
) -> tuple[CommandResult, UUID]:
    """Create the volunteer's key, then store only ciphertext. A failed append drops the key.
    ``site_ids``: where it is registered (``services.volunteers.access``).

    With an idempotency key the volunteer's id (and so its key) follows from the key: a repeat
    finds the first volunteer and its key. The request's digest is keyed with the volunteer's
    own key, so it tells a different person apart without being a lasting hash of personal
    data: once the volunteer is erased, the digest is as unreadable as the ciphertext (and a
    repeat is then answered without the comparison, and never creates a key again).
    """
    require_text("name", name)
    require_line("email", email, 254)
    if phone is not None:
        require_line("phone", phone, 40)
    metadata = EventMetadata(actor=actor, idempotency_key=idempotency_key)
    volunteer_id = entity_id(metadata, "volunteer")
    key: bytes | None = None
    if idempotency_key is not None:
        key = await personal_data.key_of(pool, volunteer_id)
        if key is not None:
            metadata = with_digest(metadata, _person_digest(key, name, email, phone))
        stored = await commands.replay(metadata)
        if stored is not None:
            # Compared by digest while the key lives; after erasure by what was stored.
            if not any(isinstance(event, VolunteerRegistered) and event.volunteer_id == volunteer_id
                       for event in stored.events):
                raise KeyReused()
            return stored, volunteer_id
    created = key is None
    if key is None:
        key = await _new_key(pool, volunteer_id)
        metadata = with_digest(metadata, _person_digest(key, name, email, phone))
    command = decider.RegisterVolunteer(
        volunteer_id=volunteer_id,
        name=personal_data.encrypt(key, volunteer_id, name),
        email=personal_data.encrypt(key, volunteer_id, email),
        phone=personal_data.encrypt(key, volunteer_id, phone) if phone else None,
        now=datetime.now(UTC),
        site_ids=list(site_ids or []),
    )
    try:
        result = await commands.handle(decider.REGISTRATION, command, metadata)
    except BaseException:
        if created and not (await _person(commands, volunteer_id)).registered:
            await personal_data.destroy_key(pool, volunteer_id)
        raise
    if result.replayed and (await _person(commands, volunteer_id)).erased:
        # A twin's volunteer was erased while this repeat fetched the key: it stays gone.
        await personal_data.destroy_key(pool, volunteer_id)
    return result, volunteer_id


async def _new_key(pool: asyncpg.Pool, volunteer_id: UUID) -> bytes:
    """A new key, or the one a concurrent twin request (same idempotency key) just created."""
    try:
        return await personal_data.create_key(pool, volunteer_id)
    except asyncpg.UniqueViolationError:
        key = await personal_data.key_of(pool, volunteer_id)
        if key is None:
            raise
        return key


def _person_digest(key: bytes, name: str, email: str, phone: str | None) -> str:
    person = _encode_person([REGISTER_VOLUNTEER, name, email.strip().lower(), phone])
    return hmac.new(key, person, hashlib.sha256).hexdigest()


async def _person(commands: CommandHandler, volunteer_id: UUID) -> Volunteer:
    return await commands.state(VOLUNTEER(volunteer_id))


async def profile(store: EventStore, pool: asyncpg.Pool, volunteer_id: UUID) -> Profile:
    registered: VolunteerRegistered | None = None
    phone: bytes | None = None
    state = VOLUNTEER.initial
    for recorded in await store.read_stream(VOLUNTEER(volunteer_id).id):
        state = VOLUNTEER.evolve(state, recorded.event)
        if isinstance(recorded.event, VolunteerRegistered | VolunteerPhoneChanged):
            phone = recorded.event.phone
        if isinstance(recorded.event, VolunteerRegistered):
            registered = recorded.event
    if registered is None:
        raise NotFound("id", "no such volunteer")
    key = None if state.erased else await personal_data.key_of(pool, volunteer_id)
    name = personal_data.decrypt(key, volunteer_id, registered.name)
    return Profile(
        id=volunteer_id,
        name=name if name is not None else ERASED,
        email=personal_data.decrypt(key, volunteer_id, registered.email),
        phone=personal_data.decrypt(key, volunteer_id, phone),
        erased=name is None,
    )


PHONE_LENGTH = 40
CHANGE_PHONE = "ChangePhone"


async def change_phone(commands: CommandHandler, pool: asyncpg.Pool, volunteer_id: UUID,
                       phone: str | None, metadata: EventMetadata) -> CommandResult:
    """Store the new number as ciphertext under the volunteer's key, as registering does; a
    repeat of the same request (its idempotency key) is told apart by a digest keyed with that
    key, never by the ciphertext (which differs each time)."""
    if phone is not None:
        require_line("phone", phone, PHONE_LENGTH)
    key = await personal_data.key_of(pool, volunteer_id)
    if key is None:
        raise NotFound("volunteer_id", "no such volunteer", code="volunteer_not_found")
    metadata = with_digest(metadata, hmac.new(
        key, _encode_person([CHANGE_PHONE, str(volunteer_id), phone]), hashlib.sha256).hexdigest())
    return await commands.handle(decider.PHONE, decider.ChangePhone(
        volunteer_id=volunteer_id,
        phone=personal_data.encrypt(key, volunteer_id, phone) if phone else None,
        now=datetime.now(UTC)), metadata)


async def erase(
    commands: CommandHandler,
    pool: asyncpg.Pool,
    volunteer_id: UUID,
    actor: str,
    *,
    idempotency_key: str | None = None,
) -> CommandResult:
    """Record the erasure (closing the volunteer's accounts and releasing their e-mails in the
    same append), then destroy the keys: from then on only ciphertext remains.

    Should the process stop between the two, the next erasure request finds the volunteer
    erased, destroys the keys all the same, and answers 409 (or, repeated with the same
    idempotency key, the first answer).
    """
    command = decider.EraseVolunteer(volunteer_id=volunteer_id, now=datetime.now(UTC))
    metadata = EventMetadata(actor=actor, idempotency_key=idempotency_key)
    try:
        return await commands.handle(ERASURE, command, metadata)
    finally:
        person = await _person(commands, volunteer_id)
        if person.erased:
            # The volunteer's personal data, and the closed accounts' password hashes.
            for subject_id in (volunteer_id, *person.account_ids):
                await personal_data.destroy_key(pool, subject_id)


async def names(store: EventStore, pool: asyncpg.Pool,
                volunteer_ids: Iterable[UUID]) -> dict[UUID, str | None]:
    """Each volunteer's name; None once erased (its key is gone) or if unknown."""
    wanted = list(dict.fromkeys(volunteer_ids))
    keys = {row["subject_id"]: row["key"] for row in await pool.fetch(
        "SELECT subject_id, key FROM subject_keys WHERE subject_id = ANY($1::uuid[])", wanted)}

    async def name_of(volunteer_id: UUID) -> str | None:
        key = keys.get(volunteer_id)
        if key is None:
            return None
        for recorded in await store.read_stream(VOLUNTEER(volunteer_id).id):
            if isinstance(recorded.event, VolunteerRegistered):
                return personal_data.decrypt(key, volunteer_id, recorded.event.name)
        return None

    return dict(zip(wanted, await asyncio.gather(*map(name_of, wanted)), strict=True))
