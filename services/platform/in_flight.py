"""A bound on the requests one API process works on at once: past it, 503 at once.

On two cores, 64 clients made a write wait over a second (pool connections, the event loop,
decisions taken again after a concurrent append): every request was served, all of them late.
With the bound, a process serves at most ``max_in_flight`` requests and refuses the next one
before reading its body, ``503`` with ``Retry-After: 1`` as a problem document ("nothing was
stored"), in well under the time of a request it serves. A client that waits as told comes
back when there is room.

uvicorn's own ``limit_concurrency`` does not fit: it counts open connections too (a client's
idle keep-alive connection takes a place, so 64 kept-alive clients over a limit of 32 get
nothing but refusals), answers in plain text without ``Retry-After`` and closes the connection.

A request's body must arrive within ``BODY_SECONDS`` of its admission, else it is answered
``408``: a client trickling a body byte by byte would otherwise hold its place for as long as
it likes, and a handful of them would shut everyone else out.

``/health``, ``/ready`` and ``/metrics`` are never refused: an operator must see the state of
a busy process. The refusal passes through the app's ``send``, so it carries the security
headers of every answer.
"""

from __future__ import annotations

import asyncio
import logging

import msgspec
from litestar.exceptions import HTTPException
from litestar.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger(__name__)

EXEMPT_PATHS = frozenset({"/health", "/ready", "/metrics"})
RETRY_AFTER_SECONDS = 1
BODY_SECONDS = 10.0

_REFUSAL = msgspec.json.encode({
    "type": "about:blank",
    "title": "Service busy",
    "status": 503,
    "detail": "This server is working on as many requests as it can answer in time; nothing "
              "was stored. Try again in a second.",
})
_REFUSAL_HEAD = {
    "type": "http.response.start",
    "status": 503,
    "headers": [
        (b"content-type", b"application/problem+json"),
        (b"content-length", str(len(_REFUSAL)).encode()),
        (b"retry-after", str(RETRY_AFTER_SECONDS).encode()),
    ],
}


def body_within(receive: Receive, seconds: float) -> Receive:
    """``receive`` whose body messages must all have come within ``seconds`` (then 408)."""
    deadline = asyncio.get_running_loop().time() + seconds
    complete = False

    async def timed() -> Message:
        nonlocal complete
        if complete:
            return await receive()
        try:
            async with asyncio.timeout_at(deadline):
                message = await receive()
        except TimeoutError:
            raise HTTPException(status_code=408, detail=(
                f"the request's body did not arrive within {seconds:g} s")) from None
        complete = message["type"] != "http.request" or not message.get("more_body", False)
        return message

    return timed


def bounded_in_flight(app: ASGIApp, limit: int, body_seconds: float = BODY_SECONDS) -> ASGIApp:
    """``app`` serving at most ``limit`` HTTP requests at once (0: no bound)."""
    if limit <= 0:
        return app
    in_flight = 0
    refused = 0

    async def handle(scope: Scope, receive: Receive, send: Send) -> None:
        nonlocal in_flight, refused
        if scope["type"] != "http" or scope["path"] in EXEMPT_PATHS:
            await app(scope, receive, send)
            return
        if in_flight >= limit:
            refused += 1
            if refused & (refused - 1) == 0:  # 1, 2, 4, 8, ...: a trace, not a flood
                log.warning("%d requests in flight: refused %d so far", in_flight, refused)
            await send({**_REFUSAL_HEAD, "headers": list(_REFUSAL_HEAD["headers"])})
            await send({"type": "http.response.body", "body": _REFUSAL, "more_body": False})
            return
        in_flight += 1
        try:
            await app(scope, body_within(receive, body_seconds), send)
        finally:
            in_flight -= 1

    return handle
