"""A lean HTTP/1.1 client for load runs: one keep-alive connection per simulated user.

httpx spent a whole core of this 2-core machine on 64 clients (its pool and request objects
cost more than the server's handling of a shift-board read), so the load measured the load
generator. This client does only what the mix needs: a request with a JSON body or none, and a
response with ``Content-Length`` (every answer of the routes in the mix has one).
"""

from __future__ import annotations

import asyncio

import msgspec


class Connection:
    def __init__(self, host: str, port: int, headers: dict[str, str]) -> None:
        self.host, self.port = host, port
        self.fixed = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def request(
        self, method: str, path: str, *, json: object = None, headers: dict[str, str] | None = None
    ) -> tuple[int, bytes]:
        """The status and body; reconnects once if the server closed an idle connection."""
        body = b"" if json is None else msgspec.json.encode(json)
        extra = "".join(f"{name}: {value}\r\n" for name, value in (headers or {}).items())
        head = (f"{method} {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n{self.fixed}{extra}"
                f"Content-Length: {len(body)}\r\n"
                + ("Content-Type: application/json\r\n" if json is not None else "") + "\r\n")
        for attempt in (1, 2):
            if self._writer is None:
                self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
            assert self._reader is not None
            try:
                self._writer.write(head.encode() + body)
                return await self._response(self._reader)
            except (ConnectionError, asyncio.IncompleteReadError):
                await self.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    async def _response(self, reader: asyncio.StreamReader) -> tuple[int, bytes]:
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        length, close = 0, False
        for line in lines[1:]:
            name, _, value = line.partition(":")
            name = name.strip().lower()
            if name == "content-length":
                length = int(value)
            elif name == "connection" and value.strip().lower() == "close":
                close = True
            elif name == "transfer-encoding":
                raise ValueError("chunked answers are not read by this client")
        body = await reader.readexactly(length) if length else b""
        if close:
            await self.close()
        return status, body

    async def close(self) -> None:
        writer, self._writer, self._reader = self._writer, None, None
        if writer is not None:
            writer.close()
            try:
                await writer.wait_closed()
            except ConnectionError:
                pass
