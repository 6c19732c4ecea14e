"""The store contract (tests/store_contract.py) against PostgreSQL."""

from __future__ import annotations

import pytest

from events.base import EventRegistry
from events.store import EventStore
from tests.store_contract import StoreContract, contract_registry

pytestmark = pytest.mark.integration


class TestPostgresStore(StoreContract):
    @pytest.fixture
    def contract_store(self, pool) -> EventStore:
        self.pool = pool
        return EventStore(pool, contract_registry())

    def store_over(self, store: EventStore, registry: EventRegistry) -> EventStore:
        return EventStore(self.pool, registry)
