"""A volunteer's profile page under test: Greta, a volunteer to register; every read model the
pages read kept live (projector, without the notifier); the API called as a role."""

from __future__ import annotations

import pytest

from projections.catalog import PROJECTIONS
from projections.notifier import NOTIFIER
from tests.accounts_world import ADMIN, bearer
from tests.projecting import projecting


GRETA = {"name": "Greta Neu", "email": "greta.neu@example.org", "phone": "05439 1234"}


@pytest.fixture
def projector(database_url):
    """Every read model the pages read, kept live (not the notifier: only the invitation is
    to reach the mailbox)."""
    with projecting(database_url, [p for p in PROJECTIONS if p is not NOTIFIER]):
        yield


async def api(world, method, path, body=None, caller=ADMIN, **params):  # noqa: F811
    response = await world.client.request(method, path, json=body, params=params or None,
                                          headers=bearer(world.tokens[caller]))
    assert response.status_code in (200, 201, 202), f"{path}: {response.text}"
    return response.json()
