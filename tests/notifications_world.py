"""The notifications' world for tests: a coordinator's commands straight to the handler (a site,
volunteers, shifts, claims, releases), the outbox's states, and waiting until a check holds."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest

from services.commands.handler import CommandHandler
from services.shifts.decider import ClaimShift, ReleaseClaim
from services.sites.decider import AddSite
from services.volunteers import service as volunteers
from tests.projection_checks import log_of
from tests.scenarios import COORDINATOR, a_shift, run


async def eventually(check, timeout: float = 30, what: str = "", worker=None):
    deadline = time.monotonic() + timeout
    while True:
        result = await check()
        if result:
            return result
        if time.monotonic() > deadline:
            log = log_of(worker) if worker is not None else ""
            raise AssertionError(f"timed out waiting for {what}\n{log}")
        await asyncio.sleep(0.1)


async def states(pool) -> dict[str, str]:
    return {row["key"]: row["state"] for row in await pool.fetch("SELECT key, state FROM outbox")}


class World:
    def __init__(self, pool, store) -> None:
        self.pool, self.store = pool, store
        self.commands = CommandHandler(store)
        self.now = datetime.now(UTC)

    async def site(self, name: str = "Dorftreff Gehrde") -> UUID:
        site = uuid4()
        await run(self.commands, AddSite(site_id=site, name=name, village="Gehrde",
                                         now=self.now), COORDINATOR)
        return site

    async def volunteer(self, name: str, address: str) -> UUID:
        _, volunteer_id = await volunteers.register(self.commands, self.pool, name, address,
                                                    None, "account-coordinator")
        return volunteer_id

    async def shift(self, site: UUID, capacity: int, in_days: float = 5) -> UUID:
        start = (self.now + timedelta(days=in_days)).replace(microsecond=0)
        return await a_shift(self.commands, site, capacity, start=start)

    async def claim(self, shift: UUID, volunteer: UUID) -> None:
        await run(self.commands, ClaimShift(shift_id=shift, volunteer_id=volunteer,
                                            now=datetime.now(UTC)), COORDINATOR)

    async def helpers_claiming_one_shift(self, count: int) -> list[str]:
        """``count`` volunteers, each holding a place on one shift; their addresses."""
        shift = await self.shift(await self.site(), capacity=count)
        addresses = [f"helper{n}@example.org" for n in range(count)]
        for n, address in enumerate(addresses):
            await self.claim(shift, await self.volunteer(f"Helfer {n}", address))
        return addresses

    async def release(self, shift: UUID, volunteer: UUID) -> None:
        await run(self.commands, ReleaseClaim(shift_id=shift, volunteer_id=volunteer,
                                              now=datetime.now(UTC)), COORDINATOR)


@pytest.fixture
def world(pool, store) -> World:
    return World(pool, store)
