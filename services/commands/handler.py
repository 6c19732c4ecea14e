"""Handling a command: load the streams its decider names, decide, append with expected versions.

``handle(decider, command, metadata)`` is the one way a command reaches the store, for the API,
the pages, the demo, accounts and volunteers. It loads the streams ``decider.streams`` names
(each folded by its kind's one fold, from a cache shared by every command of the process),
calls the pure ``decider.decide``, and appends every event to its stream with the version that
stream was read at, all in one atomic append. When another writer got there first, it decides
again on fresh state.

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
from services.commands.decider import Decider, States, Stream
from services.commands.rejections import Invalid, Rejection

_IDS = uuid5(NAMESPACE_URL, "treffpunkt:command-ids")


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
            # Keys by id (a confirmation's ``times``) are written as their text.
            return {str(key): _canonical(item) for key, item in value.items()}
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
        # stream -> (version, state). States are immutable, so sharing them is safe; a cached
        # stream is read only from its cached version on.
        self._cache: OrderedDict[Stream[Any], tuple[int, Any]] = OrderedDict()

    async def handle(
        self, decider: Decider[Any], command: Any, metadata: EventMetadata
    ) -> CommandResult:
        """Decide ``command`` (which carries ``now``) and append its events; a ``Rejection`` of
        the decider propagates unchanged."""
        if type(command) not in decider.commands:
            raise TypeError(f"{type(command).__name__} is not a command of this decider")
        if metadata.idempotency_key is not None and metadata.request_digest is None:
            metadata = with_digest(metadata, command_digest(command))
        now: datetime = command.now
        scope = _id_scope(metadata)
        for attempt_number in range(self.max_attempts):
            # Before every attempt: a twin request may have been stored meanwhile.
            if scope is not None:
                stored = await self._replay(_event_id(scope, 0), metadata)
                if stored is not None:
                    return stored
            loaded = await self._load(decider, command)
            try:
                events = decider.decide(command, States(
                    {stream: state for stream, (_, state) in loaded.items()}))
            except Rejection:
                # Refused on a state that may already hold a twin's events: answer as the twin.
                if scope is None:
                    raise
                stored = await self._replay(_event_id(scope, 0), metadata)
                if stored is None:
                    raise
                return stored
            if not events:
                raise ValueError(f"{type(command).__name__} decided no events")
            try:
                writes = _writes(decider, events, loaded, scope, now)
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
            self._remember(decider, loaded, events)
            return CommandResult(result.position, events)
        raise ConcurrencyError(
            f"{type(command).__name__}: still contended after {self.max_attempts} attempts")

    async def replay(self, metadata: EventMetadata) -> CommandResult | None:
        """The stored answer to this keyed request, if it was stored before; None without a key.

        Raises KeyReused when the key was stored with a different request digest."""
        scope = _id_scope(metadata)
        return None if scope is None else await self._replay(_event_id(scope, 0), metadata)

    async def state(self, stream: Stream[Any]) -> Any:
        """The current state of one stream (for reads beside a command, e.g. a guard's)."""
        return (await self._fold(stream))[1]

    async def _load(
        self, decider: Decider[Any], command: Any
    ) -> dict[Stream[Any], tuple[int, Any]]:
        """Every stream the command touches, with the version each was folded at."""
        loaded: dict[Stream[Any], tuple[int, Any]] = {}
        while True:
            states = States({stream: state for stream, (_, state) in loaded.items()})
            wanted = list(dict.fromkeys(
                stream for stream in decider.streams(command, states) if stream not in loaded))
            if not wanted:
                return loaded
            loaded.update(zip(wanted, await self._fold_all(wanted), strict=True))

    async def _fold(self, stream: Stream[Any]) -> tuple[int, Any]:
        [folded] = await self._fold_all([stream])
        return folded

    async def _fold_all(self, streams: list[Stream[Any]]) -> list[tuple[int, Any]]:
        """Each stream folded on from its cached state, all read in one round trip."""
        cached = [self._cache.get(stream, (0, stream.kind.initial)) for stream in streams]
        read = await self.store.read_streams(
            [(stream.id, version) for stream, (version, _) in zip(streams, cached, strict=True)])
        folded = []
        for stream, (version, state), recorded_events in zip(streams, cached, read, strict=True):
            evolve = stream.kind.evolve
            for recorded in recorded_events:
                state = evolve(state, recorded.event)
                version = recorded.stream_version
            self._put(stream, version, state)
            folded.append((version, state))
        return folded

    def _remember(
        self,
        decider: Decider[Any],
        loaded: dict[Stream[Any], tuple[int, Any]],
        events: list[Event],
    ) -> None:
        """Move the cached states on by what was just appended: the next command reads less."""
        for stream, (version, state) in loaded.items():
            own = [event for event in events if decider.stream_of(event) == stream]
            for event in own:
                state = stream.kind.evolve(state, event)
            self._put(stream, version + len(own), state)

    def _put(self, stream: Stream[Any], version: int, state: Any) -> None:
        cached = self._cache.get(stream)
        if cached is None or cached[0] <= version:
            self._cache[stream] = (version, state)
        self._cache.move_to_end(stream)
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


def _writes(
    decider: Decider[Any],
    events: list[Event],
    loaded: dict[Stream[Any], tuple[int, Any]],
    scope: str | None,
    now: datetime,
) -> list[StreamWrite]:
    per_stream: dict[Stream[Any], list[PendingEvent]] = {}
    for index, event in enumerate(events):
        stream = decider.stream_of(event)
        if stream not in loaded:
            raise RuntimeError(f"{type(event).__name__} is for {stream.id}, which was not loaded")
        per_stream.setdefault(stream, []).append(
            PendingEvent(
                event=event,
                occurred_at=decider.occurred_at(event, now),
                event_id=_event_id(scope, index),
            )
        )
    return [
        StreamWrite(stream.id, loaded[stream][0], pending)
        for stream, pending in per_stream.items()
    ]


async def _back_off(attempt_number: int) -> None:
    # Jittered and capped: many writers on one stream spread out instead of colliding again.
    await asyncio.sleep(random.uniform(0, min(0.05, 0.001 * 2**attempt_number)))
