"""A client trickling its body cannot keep its place in the bound on requests in flight."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from litestar import Litestar, post
from litestar.params import JSONBody

from services.platform.in_flight import bounded_in_flight

pytestmark = pytest.mark.unit


@post("/echo")
async def echo(data: JSONBody[dict[str, Any]]) -> dict[str, Any]:
    return data


async def call(app: Any, chunks: list[bytes], then_wait: bool) -> tuple[int, bytes]:
    """One POST /echo whose body comes as ``chunks``; with ``then_wait`` the last never ends."""
    messages: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    for index, chunk in enumerate(chunks):
        last = index == len(chunks) - 1 and not then_wait
        messages.put_nowait({"type": "http.request", "body": chunk, "more_body": not last})
    answer: dict[str, Any] = {"status": 0, "body": b""}

    async def receive() -> dict[str, Any]:
        return await messages.get()  # with then_wait: blocks after the chunks, as a slow client

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            answer["status"] = message["status"]
        else:
            answer["body"] += message.get("body", b"")

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
             "method": "POST", "scheme": "http", "path": "/echo", "raw_path": b"/echo",
             "query_string": b"", "root_path": "", "server": ("127.0.0.1", 80),
             "client": ("127.0.0.1", 5000),
             "headers": [(b"content-type", b"application/json"),
                         (b"content-length", str(sum(map(len, chunks)) + 1).encode())]}
    await app(scope, receive, send)
    return answer["status"], answer["body"]


async def test_a_body_that_does_not_arrive_in_time_is_a_408_and_frees_its_place():
    app = bounded_in_flight(Litestar([echo]), limit=1, body_seconds=0.2)
    started = asyncio.get_running_loop().time()
    status, _ = await call(app, [b'{"a": '], then_wait=True)
    assert status == 408
    assert asyncio.get_running_loop().time() - started < 2
    # The place is free again: the next request is served.
    assert await call(app, [b'{"a": ', b"1}"], then_wait=False) == (201, b'{"a":1}')


async def test_a_body_in_several_parts_within_the_time_is_served():
    app = bounded_in_flight(Litestar([echo]), limit=1, body_seconds=5)
    assert await call(app, [b'{"a"', b": 2", b"}"], then_wait=False) == (201, b'{"a":2}')
