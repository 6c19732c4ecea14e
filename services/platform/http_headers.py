"""What every HTTP answer carries, whatever answered it (a handler, an error, the router, the
static files): the security headers, and ``HEAD`` answered wherever ``GET`` is.

Pages get a strict Content-Security-Policy: scripts, styles, images and forms only from this
origin, no inline script or style (the templates have none; ``copy-link.js`` is a file), no
plugins, no ``<base>``, and no framing. Every other answer (JSON, problem+json, calendars, CSV,
PDF, scripts and styles) gets ``default-src 'none'``: rendered as a document by mistake, it can
load nothing and run nothing. The OpenAPI viewer under ``/schema`` loads its script from a CDN,
so it gets only the framing rule. All answers are ``nosniff``, never framed
(``X-Frame-Options: DENY`` for browsers without ``frame-ancestors``) and send the referrer only
to this origin (page URLs may carry ids and the feed's ``?token=``).

Litestar routes ``HEAD`` only to handlers that declare it, so a ``HEAD`` of a page or a read
answered ``405``. ``head_as_get`` wraps the app's ASGI handler: it passes a ``HEAD`` on as a
``GET`` and sends the answer's status and headers (Content-Length included) without the body.
"""

from __future__ import annotations

from litestar.datastructures import MutableScopeHeaders
from litestar.types import ASGIApp, Message, Receive, Scope, Send

PAGE_POLICY = "; ".join([
    "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:",
    "object-src 'none'", "base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'",
])
OTHER_POLICY = "default-src 'none'; frame-ancestors 'none'"
SCHEMA_VIEWER_POLICY = "frame-ancestors 'none'"
ALWAYS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


def content_security_policy(path: str, content_type: str) -> str:
    if path == "/schema" or path.startswith("/schema/"):
        return SCHEMA_VIEWER_POLICY
    return PAGE_POLICY if content_type.startswith("text/html") else OTHER_POLICY


async def security_headers(message: Message, scope: Scope) -> None:
    """A ``before_send`` hook: adds the headers to the start of every answer."""
    if message["type"] != "http.response.start":
        return
    headers = MutableScopeHeaders.from_message(message)
    for name, value in ALWAYS.items():
        headers.setdefault(name, value)
    policy = content_security_policy(scope["path"], headers.get("content-type") or "")
    headers.setdefault("Content-Security-Policy", policy)


def head_as_get(app: ASGIApp) -> ASGIApp:
    async def handle(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await app(scope, receive, send)
            return

        async def without_body(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        # A copy: the server keeps its own scope, whose "HEAD" tells it to send no body.
        await app({**scope, "method": "GET"}, receive, without_body)  # type: ignore[typeddict-item]

    return handle
