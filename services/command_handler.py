"""Running a decision: load its streams, fold, decide, append with expected versions, retry.

A command's glue is an ``attempt(load) -> events``: it loads the streams it needs (``load``
folds one and notes its version), calls a pure decider and returns the events. Each event goes
to its own stream (``streams.stream_for``); every stream that receives events is appended with
the version it was loaded at, all in one atomic append. A stream only read (a site checked for
existence) is not asserted. When another writer got there first, the whole attempt runs again
on fresh state.

With an idempotency key, the event ids are derived from (actor, key), so a repeated request
finds its first answer, and a concurrent twin is turned away by the store's unique ids. The
metadata then also carries a digest of the request (``request_digest``, which names the command):
a request whose digest differs from the stored one reused the key for another request, on this
route or another, and is refused (422).
"""

from __future__ import annotations

import asyncio
import hashlib
import random
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid4, uuid5

import msgspec

from events.base import Event, EventMetadata
from events.interface import (
    ConcurrencyError,
    EventIdsPartlyStored,
    PendingEvent,
    Store,
    StreamWrite,
)
from services.rejections import Invalid, Rejection
from services.streams import occurred_at, stream_for

_IDS = uuid5(NAMESPACE_URL, "treffpunkt:command-ids")


@dataclass(frozen=True, eq=False)
class Fold:
    """How one kind of stream becomes state. Compared by identity: it keys the state cache."""

    initial: Any
    evolve: Callable[[Any, Event], Any]


Load = Callable[[str, Fold], Awaitable[Any]]
Attempt = Callable[[Load], Awaitable[list[Event]]]
StreamOf = Callable[[Event], str]

IDEMPOTENCY_KEY = "Idempotency-Key"
_encode_request = msgspec.json.Encoder(order="deterministic").encode


class KeyReused(Invalid):
    """The idempotency key was used before for a different request."""

    def __init__(self) -> None:
        super().__init__(IDEMPOTENCY_KEY, "this key was used for a different request",
                         code="idempotency_key_reused")


class CommandResult(msgspec.Struct, frozen=True):
    position: int
    """The global position of the last event stored (by the first request, on a replay)."""
    events: list[Event]
    replayed: bool = False


def request_digest(name: str, request: Any) -> str:
    """A digest of what a request asks for (``request``: a Struct, dict or list) under ``name``.

    Canonical: fields in sorted order, times in UTC (``18:00+01:00`` is the same as ``17:00Z``)."""
    return hashlib.sha256(_encode_request([name, _canonical(request)])).hexdigest()


def _canonical(value: Any) -> Any:
    match value:
        case msgspec.Struct():
            return _canonical(msgspec.structs.asdict(value))
        case dict():
            return {key: _canonical(item) for key, item in value.items()}
        case list() | tuple():
            return [_canonical(item) for item in value]
        case datetime() if value.tzinfo is not None:
            return value.astimezone(UTC)
    return value


def command_digest(command: msgspec.Struct) -> str:
    """The digest of a command as its request: every field but ``now``, the moment it arrived.

    The command names the route (its type) and holds every path parameter and body field; the
    ids the service chooses are derived from the idempotency key, so they match on a repeat."""
    fields = msgspec.structs.asdict(command)
    fields.pop("now", None)
    return request_digest(type(command).__name__, fields)


def with_digest(metadata: EventMetadata, digest: str) -> EventMetadata:
    """``metadata`` carrying the request's digest, when it has an idempotency key to guard."""
    if metadata.idempotency_key is None or metadata.request_digest is not None:
        return metadata
    return msgspec.structs.replace(metadata, request_digest=digest)


def entity_id(metadata: EventMetadata, purpose: str) -> UUID:
    """A new id for what a command creates; the same again when the request is repeated."""
    if metadata.idempotency_key is None:
        return uuid4()
    return uuid5(_IDS, f"{metadata.actor}\x1f{metadata.idempotency_key}\x1fentity\x1f{purpose}")


class CommandHandler:
    def __init__(
        self,
        store: Store,
        *,
        max_attempts: int = 100,
        cache_size: int = 10_000,
    ) -> None:
        self.store = store
        self.max_attempts = max_attempts
        self.cache_size = cache_size
        # (stream id, fold) -> (version, state). States are immutable, so sharing them is safe;
        # a cached stream is read only from its cached version on.
        self._cache: OrderedDict[tuple[str, Fold], tuple[int, Any]] = OrderedDict()

    async def execute(
        self,
        name: str,
        attempt: Attempt,
        *,
        now: datetime,
        metadata: EventMetadata,
        stream_of: StreamOf = stream_for,
    ) -> CommandResult:
        """Decide and append ``name``; Rejections from the decider propagate unchanged.

        ``stream_of`` names each event's stream (the scheduling areas' by default)."""
        scope = _id_scope(metadata)
        for attempt_number in range(self.max_attempts):
            # Before every attempt: a twin request may have been stored meanwhile.
            if scope is not None:
                stored = await self._replay(_event_id(scope, 0), metadata)
                if stored is not None:
                    return stored
            loaded: dict[tuple[str, Fold], tuple[int, Any]] = {}

            async def load(stream_id: str, fold: Fold) -> Any:
                version, state = await self._fold(stream_id, fold)
                loaded[(stream_id, fold)] = (version, state)
                return state

            try:
                events = await attempt(load)
            except Rejection:
                # Refused on a state that may already hold a twin's events: answer as the twin.
                if scope is None:
                    raise
                stored = await self._replay(_event_id(scope, 0), metadata)
                if stored is None:
                    raise
                return stored
            if not events:
                raise ValueError(f"{name} decided no events")
            try:
                writes = _writes(events, _versions(loaded), scope, now, stream_of)
                result = await self.store.append(*writes, metadata=metadata)
            except ConcurrencyError:
                await _back_off(attempt_number)
                continue
            except EventIdsPartlyStored:
                # A twin request with the same key stored a different number of events first.
                if scope is None:
                    raise
                stored = await self._replay(_event_id(scope, 0), metadata)
                if stored is None:
                    raise
                return stored
            if result.replayed:
                # A twin with the same key committed between our check and our append.
                stored = await self._replay(writes[0].events[0].event_id, metadata)
                return stored or CommandResult(result.position, events, replayed=True)
            self._remember(loaded, events, stream_of)
            return CommandResult(result.position, events)
        raise ConcurrencyError(f"{name}: still contended after {self.max_attempts} attempts")

    async def replay(self, metadata: EventMetadata) -> CommandResult | None:
        """The stored answer to this keyed request, if it was stored before; None without a key.

        Raises KeyReused when the key was stored with a different request digest."""
        scope = _id_scope(metadata)
        return None if scope is None else await self._replay(_event_id(scope, 0), metadata)

    async def state(self, stream_id: str, fold: Fold) -> Any:
        """The current state of one stream (for reads beside a command, e.g. a guard's)."""
        return (await self._fold(stream_id, fold))[1]

    async def _fold(self, stream_id: str, fold: Fold) -> tuple[int, Any]:
        key = (stream_id, fold)
        version, state = self._cache.get(key, (0, fold.initial))
        for recorded in await self.store.read_stream(stream_id, version):
            state = fold.evolve(state, recorded.event)
            version = recorded.stream_version
        self._put(key, version, state)
        return version, state

    def _remember(
        self,
        loaded: dict[tuple[str, Fold], tuple[int, Any]],
        events: list[Event],
        stream_of: StreamOf,
    ) -> None:
        """Move the cached states on by what was just appended: the next command reads less."""
        for (stream_id, fold), (version, state) in loaded.items():
            own = [event for event in events if stream_of(event) == stream_id]
            for event in own:
                state = fold.evolve(state, event)
            self._put((stream_id, fold), version + len(own), state)

    def _put(self, key: tuple[str, Fold], version: int, state: Any) -> None:
        cached = self._cache.get(key)
        if cached is None or cached[0] <= version:
            self._cache[key] = (version, state)
        self._cache.move_to_end(key)
        while len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)

    async def _replay(self, first_event_id: UUID, metadata: EventMetadata) -> CommandResult | None:
        """The events of the append whose first event has this id, if it was stored; KeyReused
        if that append was asked for by a different request (both digests known)."""
        recorded = await self.store.read_append(first_event_id)
        if not recorded:
            return None
        stored_digest = recorded[0].event_metadata.request_digest
        if None not in (stored_digest, metadata.request_digest) and (
            stored_digest != metadata.request_digest
        ):
            raise KeyReused()
        return CommandResult(recorded[-1].position, [r.event for r in recorded], replayed=True)


def _id_scope(metadata: EventMetadata) -> str | None:
    """What a keyed request's event ids derive from: the actor's key, whatever the command, so
    that a key reused for another command finds the first one's events (and its digest)."""
    if metadata.idempotency_key is None:
        return None
    return f"{metadata.actor}\x1f{metadata.idempotency_key}"


def _event_id(scope: str | None, index: int) -> UUID:
    return uuid4() if scope is None else uuid5(_IDS, f"{scope}\x1fevent\x1f{index}")


def _versions(loaded: dict[tuple[str, Fold], tuple[int, Any]]) -> dict[str, int]:
    versions: dict[str, int] = {}
    for (stream_id, _), (version, _) in loaded.items():
        if versions.setdefault(stream_id, version) != version:
            # The same stream folded twice, seen at two versions: decide again on one view.
            raise ConcurrencyError(f"{stream_id} moved while it was read", stream_id)
    return versions


def _writes(
    events: list[Event],
    versions: dict[str, int],
    scope: str | None,
    now: datetime,
    stream_of: StreamOf,
) -> list[StreamWrite]:
    per_stream: dict[str, list[PendingEvent]] = {}
    for index, event in enumerate(events):
        stream_id = stream_of(event)
        if stream_id not in versions:
            raise RuntimeError(f"{type(event).__name__} is for {stream_id}, which was not loaded")
        per_stream.setdefault(stream_id, []).append(
            PendingEvent(
                event=event,
                occurred_at=occurred_at(event, now),
                event_id=_event_id(scope, index),
            )
        )
    return [
        StreamWrite(stream_id, versions[stream_id], pending)
        for stream_id, pending in per_stream.items()
    ]


async def _back_off(attempt_number: int) -> None:
    # Jittered and capped: many writers on one stream spread out instead of colliding again.
    await asyncio.sleep(random.uniform(0, min(0.05, 0.001 * 2**attempt_number)))
