"""The shape every stored event shares, and the registry that turns stored rows back into events.

Every event type is a frozen msgspec Struct with an explicit dotted tag (``room.booked``), never
derived from the class name, so a rename never orphans stored events. ``schema_version`` counts
changes of an event's stored shape; an upcaster turns an older stored shape into the current one
when it is read, so stored events never have to be rewritten.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, ClassVar
from uuid import UUID

import msgspec


class Event(msgspec.Struct, frozen=True, kw_only=True, tag_field="type", gc=False):
    """Base of every domain event. Subclasses set ``tag="area.happened"``.

    ``gc=False``: an event is an immutable value of typed fields and never refers back to
    itself, so it can take no part in a reference cycle; untracked, the thousands a read
    decodes at once add nothing to the collector's passes (a sixth of a decoded read's cost).
    """

    schema_version: ClassVar[int] = 1


class EventMetadata(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """Who and what caused an event; stored beside it, covered by its hash."""

    actor: str
    correlation_id: str | None = None
    causation_id: str | None = None
    idempotency_key: str | None = None
    request_digest: str | None = None
    """With an idempotency key: a digest of the request, to tell a repeat from a new request."""


_decode_metadata = msgspec.json.Decoder(EventMetadata).decode


class StoredEvent(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """One event as the store holds it: the one record every reader of stored events gets.

    ``data`` and ``metadata`` are the stored JSON byte for byte (the event's hash covers those
    bytes). ``event`` is the decoded event when a store read it for deciding or replaying
    (``read_stream``, ``read_all``); reads for verifying and exporting leave it None, as does an
    export read back. The ledger fields are set when the event was read with its ledger entry.

    Untracked by the cycle collector (``gc=False``) as ``Event`` is: immutable, it can hold
    nothing that refers back to it.
    """

    position: int
    event_id: UUID
    stream_id: str
    stream_version: int
    type: str
    schema_version: int
    data: bytes
    metadata: bytes
    occurred_at: datetime
    recorded_at: datetime
    prev_hash: bytes | None
    hash: bytes
    transaction_id: int | None = None
    """With ``position``, the global read order; None where it is not known (an export)."""
    event: Event | None = None
    seq: int | None = None
    """The event's place in the ledger (1 for the first sealed event), if it was sealed."""
    chain_hash: bytes | None = None
    """The ledger's hash at this event, if it was sealed."""
    sealed_at: datetime | None = None

    @property
    def event_metadata(self) -> EventMetadata:
        """The stored metadata, decoded."""
        return _decode_metadata(self.metadata)


class PositionedEvent(msgspec.Struct, frozen=True):
    """An event and its position in read order: all a projection reads (the store decodes
    neither metadata nor hashes for it, which halves the cost of reading)."""

    position: int
    event: Event | None
    """None when the reader asked for other types only (the event was not decoded)."""


Upcaster = Callable[[dict[str, Any]], dict[str, Any]]


class EventRegistry:
    """Knows every event type by tag, decodes stored data, and upcasts old shapes."""

    def __init__(self) -> None:
        self._types: dict[str, type[Event]] = {}
        self._upcasters: dict[tuple[str, int], Upcaster] = {}
        self._decoder: msgspec.json.Decoder[Any] | None = None

    def register(self, *event_types: type[Event]) -> None:
        for event_type in event_types:
            tag = event_type.__struct_config__.tag
            if not isinstance(tag, str) or "." not in tag:
                raise TypeError(f"{event_type.__name__} needs an explicit dotted tag")
            known = self._types.get(tag)
            if known is not None and known is not event_type:
                raise TypeError(f"tag {tag!r} is already used by {known.__name__}")
            self._types[tag] = event_type
        self._decoder = None

    def upcaster(self, tag: str, from_version: int) -> Callable[[Upcaster], Upcaster]:
        """Register a function that turns the stored shape of ``from_version`` into the next."""

        def decorate(function: Upcaster) -> Upcaster:
            self._upcasters[(tag, from_version)] = function
            return function

        return decorate

    def type_for(self, tag: str) -> type[Event]:
        try:
            return self._types[tag]
        except KeyError:
            raise UnknownEventType(tag) from None

    def current_version(self, tag: str) -> int:
        return self.type_for(tag).schema_version

    @property
    def tags(self) -> list[str]:
        return sorted(self._types)

    def decode(self, tag: str, schema_version: int, data: bytes | str) -> Event:
        event_type = self.type_for(tag)
        if schema_version == event_type.schema_version:
            return self._union_decoder().decode(data)
        raw = msgspec.json.decode(data)
        version = schema_version
        while version < event_type.schema_version:
            try:
                raw = self._upcasters[(tag, version)](raw)
            except KeyError:
                raise UnknownEventType(f"{tag} v{version} (no upcaster)") from None
            version += 1
        return msgspec.convert(raw, event_type)

    def decoder(self) -> Callable[[str, int, bytes | str], Event]:
        """``decode`` for a batch of events: each tag's current version looked up in one dict
        (in a projection's or a reader's batch nearly every event is of its current shape)."""
        current = {tag: event_type.schema_version for tag, event_type in self._types.items()}
        union = self._union_decoder().decode
        decode = self.decode

        def decoded(tag: str, schema_version: int, data: bytes | str) -> Event:
            if current.get(tag) == schema_version:
                return union(data)
            return decode(tag, schema_version, data)  # upcast, or UnknownEventType

        return decoded

    def _union_decoder(self) -> msgspec.json.Decoder[Any]:
        if self._decoder is None:
            union = tuple(self._types.values())
            self._decoder = msgspec.json.Decoder(
                union[0] if len(union) == 1 else _union_of(union)
            )
        return self._decoder


def _union_of(types: tuple[type[Event], ...]) -> Any:
    from typing import Union

    return Union[types]  # noqa: UP007 - a runtime union of a dynamic tuple


class UnknownEventType(LookupError):
    pass


encode = msgspec.json.Encoder().encode
