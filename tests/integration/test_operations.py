from __future__ import annotations

import pytest
from litestar.testing import AsyncTestClient

from services.platform.app import create_app
from services.platform.embedded import free_port
from services.platform.settings import Settings

pytestmark = pytest.mark.integration


def settings_for(database_url: str, redis_url: str) -> Settings:
    return Settings(database_url=database_url, redis_url=redis_url)


async def test_the_service_is_alive_and_ready_with_database_and_broker(database_url, servers):
    async with AsyncTestClient(create_app(settings_for(database_url, servers.redis_url))) as client:
        assert (await client.get("/health")).json() == {"status": "ok"}
        ready = await client.get("/ready")
        assert ready.status_code == 200
        assert ready.json()["database"] == "ok" and ready.json()["broker"] == "ok"


async def test_ready_answers_503_while_the_broker_is_unreachable(database_url):
    closed_port = free_port()
    app = create_app(settings_for(database_url, f"redis://127.0.0.1:{closed_port}/0"))
    async with AsyncTestClient(app) as client:
        ready = await client.get("/ready")
        assert ready.status_code == 503
        assert ready.json()["database"] == "ok"
        assert ready.json()["broker"].startswith("unreachable")
        assert ready.headers["retry-after"]


async def test_the_openapi_document_is_served(database_url, servers):
    async with AsyncTestClient(create_app(settings_for(database_url, servers.redis_url))) as client:
        document = (await client.get("/schema/openapi.json")).json()
        assert document["info"]["title"] == "Treffpunkt"
        assert "/ready" in document["paths"]


async def test_an_unknown_path_answers_with_a_problem_document(database_url, servers):
    async with AsyncTestClient(create_app(settings_for(database_url, servers.redis_url))) as client:
        response = await client.get("/no/such/path")
        assert response.status_code == 404
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["status"] == 404
