"""Headers and links (issue 17, item 9): security headers on pages and API answers, one charset
per content type, HEAD wherever GET is, and links built from TREFFPUNKT_PUBLIC_URL, never from
the request's Host."""

from __future__ import annotations

import re
import string
from html import unescape
from uuid import uuid4

import msgspec
import pytest
from litestar.routes import HTTPRoute
from litestar.testing import AsyncTestClient

from projections.volunteer_schedule import VOLUNTEER_SCHEDULE
from services.platform.app import create_app
from tests.accounts_world import (
    ADMIN,
    VOLUNTEER_SELF,
    bearer,
    settings_for,
)
from tests.volunteer_pages import signed_in_as
from tests.scheduling_world import World, world  # noqa: F401 - a fixture
from tests.projecting import projecting

pytestmark = pytest.mark.integration

PUBLIC_URL = "https://treffpunkt.example"
EVIL = {"Host": "evil.example", "X-Forwarded-Host": "evil.example"}


def assert_security_headers(response, path: str) -> None:
    headers = response.headers
    assert headers["x-content-type-options"] == "nosniff", path
    assert headers["x-frame-options"] == "DENY", path
    # The pages of a password link leak nothing, not even to our own origin (issue 19).
    stricter = path.startswith(("/password/", "/password-choice"))
    assert headers["referrer-policy"] == ("no-referrer" if stricter else "same-origin"), path
    policy = headers["content-security-policy"]
    assert "frame-ancestors 'none'" in policy, path
    if headers.get("content-type", "").startswith("text/html") and not path.startswith("/schema"):
        assert "script-src 'self'" in policy and "style-src 'self'" in policy, path
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy, path
        assert "object-src 'none'" in policy and "base-uri 'none'" in policy, path
    elif not path.startswith("/schema"):
        assert policy.startswith("default-src 'none'"), path


async def test_pages_api_answers_errors_and_static_files_carry_the_security_headers(world):  # noqa: F811
    await signed_in_as(world, ADMIN)
    cases = [
        ("GET", "/sign-in", {}), ("GET", "/", {}), ("GET", "/coordinator", {}),
        ("GET", "/static/treffpunkt.css", {}), ("GET", "/static/copy-link.js", {}),
        ("GET", "/api/sites", bearer(world.tokens[ADMIN])),
        ("GET", "/api/sites", {}),  # 401
        ("GET", "/api/audit/verify", bearer(world.tokens[VOLUNTEER_SELF])),  # 403
        ("GET", "/no-such-page", {}),  # 404 from the router
        ("DELETE", "/api/sites", bearer(world.tokens[ADMIN])),  # 405
        ("GET", "/health", {}), ("GET", "/metrics", {}), ("GET", "/schema", {}),
        ("GET", "/schema/openapi.json", {}),
    ]
    for method, path, headers in cases:
        response = await world.client.request(method, path, headers=headers,
                                              follow_redirects=False)
        assert_security_headers(response, path)


async def test_every_content_type_names_its_charset_at_most_once(world):  # noqa: F811
    admin = bearer(world.tokens[ADMIN])
    await signed_in_as(world, ADMIN)
    paths = ["/sign-in", "/", "/static/treffpunkt.css", "/static/copy-link.js", "/metrics",
             "/api/sites", "/api/reports/funding?format=csv", "/api/reports/funding?format=pdf",
             f"/api/rooms/{world.room_a}/calendar.ics", "/auditor/report/download?format=csv",
             "/no-such-page"]
    for path in paths:
        response = await world.client.get(path, headers=admin, follow_redirects=False)
        assert response.status_code < 500, (path, response.text)
        content_type = response.headers.get("content-type", "")
        assert content_type.lower().count("charset") <= 1, (path, content_type)


def served_get_paths(app) -> list[str]:
    """Every path a GET handler of the app serves, its parameters filled in."""
    paths = []
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        if any("GET" in handler.http_methods for handler in route.route_handlers):
            names = [name for _, name, _, _ in string.Formatter().parse(route.path_format) if name]
            paths.append(route.path_format.format(**{
                name: "treffpunkt.css" if name == "file_path" else str(uuid4()) for name in names}))
    return paths


async def test_head_is_answered_wherever_get_is_with_the_same_status_and_no_body(world):  # noqa: F811
    await signed_in_as(world, ADMIN)
    admin = bearer(world.tokens[ADMIN])
    paths = served_get_paths(world.client.app)
    assert "/api/sites" in paths and "/sign-in" in paths and len(paths) > 30
    for path in paths:
        get = await world.client.get(path, headers=admin, follow_redirects=False)
        head = await world.client.head(path, headers=admin, follow_redirects=False)
        assert head.status_code == get.status_code, (path, get.status_code, head.status_code)
        assert head.content == b"", path
        assert head.headers.get("content-type") == get.headers.get("content-type"), path
        assert_security_headers(head, path)


@pytest.fixture
async def public(world, database_url, servers, broker_namespace):  # noqa: F811
    """A second app on the same servers, with TREFFPUNKT_PUBLIC_URL set."""
    settings = msgspec.structs.replace(
        settings_for(database_url, servers.redis_url, broker_namespace), public_url=PUBLIC_URL)
    async with AsyncTestClient(create_app(settings)) as client:
        yield client


async def feed_link_of_alice(world: World, client: AsyncTestClient, database_url: str) -> str:
    """Alice's feed link, asked for with a forged Host, once the schedule knows her."""
    written = await world.created(ADMIN, "/api/sites", {"name": "Treff", "village": "Egestorf"})
    with projecting(database_url, [VOLUNTEER_SCHEDULE]):
        response = await client.get(
            f"/api/volunteers/{world.alice}/feed-link?min_position={written['position']}",
            headers={**bearer(world.tokens[VOLUNTEER_SELF]), **EVIL})
    assert response.status_code == 200, response.text
    return response.json()["url"]


async def test_the_feed_link_is_built_from_the_public_url_never_from_the_host(
    world, public, database_url  # noqa: F811
):
    url = await feed_link_of_alice(world, public, database_url)
    assert url.startswith(f"{PUBLIC_URL}/api/volunteers/{world.alice}/shifts.ics?token=")


async def test_without_the_setting_the_feed_link_is_on_the_services_own_address_not_the_host(
    world, database_url  # noqa: F811
):
    url = await feed_link_of_alice(world, world.client, database_url)
    assert url.startswith(f"http://127.0.0.1:8000/api/volunteers/{world.alice}/shifts.ics?token=")


async def test_the_volunteers_page_shows_the_feed_link_on_the_public_url(world, public):  # noqa: F811
    world.client = public
    await signed_in_as(world, VOLUNTEER_SELF)
    mine = await public.get("/volunteer/my-shifts", headers=EVIL)
    assert mine.status_code == 200, mine.text
    link = re.search(r'id="feed-url" type="text" readonly value="([^"]+)"', mine.text)
    assert link, "no feed link on the page"
    assert unescape(link.group(1)).startswith(f"{PUBLIC_URL}/api/volunteers/{world.alice}/")
    assert "evil.example" not in mine.text
