"""uvicorn's httptools protocol, with a limit on the size of a request's head.

httptools parses HTTP in C; h11, uvicorn's other parser, is pure Python and took about 16 % of
an API process's CPU under load. But uvicorn limits a request's head (request line and headers)
only with h11. With plain httptools, a client that sends header bytes without end grows the
process by all it sends, because the parser keeps an unfinished header in memory.

``BoundedHttpToolsProtocol`` keeps that limit, ``MAX_HEAD_BYTES``, and counts it twice:

- the target and the header names and values of a head (and of the trailers after a chunked
  body, which the parser keeps the same way). When they pass the limit, the request is
  answered 431; a complete head over it never reaches the application;
- the bytes received since the head began, or since the last piece of a body: a head, or
  trailers, that do not end. When they pass the limit, the request is answered 431 at once.
  They are compared after each read of the socket, so a process holds at most the limit plus
  a read or two (asyncio reads up to 256 KiB) for a head.

The answer is problem+json like every other error, and the connection is closed after it: the
rest of an oversized head cannot be told apart from a next request.
"""

from __future__ import annotations

import json
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

MAX_HEAD_BYTES = 16 * 1024
"""h11's default limit in uvicorn, which the service had before it used httptools."""

_TOO_LARGE_BODY = json.dumps({
    "type": "about:blank",
    "title": "Request Header Fields Too Large",
    "status": 431,
    "detail": f"The request line and headers may hold at most {MAX_HEAD_BYTES} bytes.",
}).encode()
_TOO_LARGE = b"".join([
    b"HTTP/1.1 431 Request Header Fields Too Large\r\n",
    b"content-type: application/problem+json\r\n",
    b"content-length: ", str(len(_TOO_LARGE_BODY)).encode(), b"\r\n",
    b"connection: close\r\n",
    b"\r\n",
    _TOO_LARGE_BODY,
])


class HeadTooLarge(Exception):
    """Raised in a parser callback to stop parsing a head over the limit."""


class BoundedHttpToolsProtocol(HttpToolsProtocol):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._unparsed_bytes = 0
        """Received since the head began or since the last piece of body was parsed."""
        self._head_size = 0
        self._head_too_large = False

    def data_received(self, data: bytes) -> None:
        self._unparsed_bytes += len(data)
        super().data_received(data)
        if self._unparsed_bytes > MAX_HEAD_BYTES and not self.transport.is_closing():
            self._refuse_head()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._head_size = 0

    def on_url(self, url: bytes) -> None:
        self._count(len(url))
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._count(len(name) + len(value))
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._unparsed_bytes = 0
        super().on_headers_complete()

    def on_body(self, body: bytes) -> None:
        self._unparsed_bytes = 0
        super().on_body(body)

    def send_400_response(self, msg: str) -> None:
        if self._head_too_large:
            self._refuse_head()
        else:
            super().send_400_response(msg)

    def _count(self, size: int) -> None:
        self._head_size += size
        if self._head_size > MAX_HEAD_BYTES:
            self._head_too_large = True
            # httptools turns this into an HttpParserError; uvicorn then calls
            # send_400_response, which answers 431 for it.
            raise HeadTooLarge

    def _refuse_head(self) -> None:
        self._head_too_large = True
        self.transport.write(_TOO_LARGE)
        self.transport.close()
