"""The store contract (tests/store_contract.py) against the in-memory store."""

from __future__ import annotations

import pytest

from events.base import EventRegistry
from events.memory import InMemoryEventStore
from tests.store_contract import StoreContract, contract_registry

pytestmark = pytest.mark.unit


class TestInMemoryStore(StoreContract):
    @pytest.fixture
    def contract_store(self) -> InMemoryEventStore:
        return InMemoryEventStore(contract_registry())

    def store_over(self, store: InMemoryEventStore, registry: EventRegistry) -> InMemoryEventStore:
        return store.with_registry(registry)
