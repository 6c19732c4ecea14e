"""The API's HTTP protocol: httptools with a limit on a request's head, under a real uvicorn."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator, Callable

import pytest
import uvicorn

from services.platform.http_protocol import MAX_HEAD_BYTES, BoundedHttpToolsProtocol

pytestmark = pytest.mark.unit


async def echo_app(scope, receive, send) -> None:
    """Answers with how many header bytes and body bytes it was given."""
    assert scope["type"] == "http"
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    header_bytes = sum(len(name) + len(value) for name, value in scope["headers"])
    content = json.dumps({"header_bytes": header_bytes, "body_bytes": len(body)}).encode()
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(content)).encode())]})
    await send({"type": "http.response.body", "body": content})


@pytest.fixture
async def port() -> AsyncIterator[int]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    # A graceful shutdown of 1 s: a request whose head never ended must not hold the test up.
    config = uvicorn.Config(echo_app, http=BoundedHttpToolsProtocol, lifespan="off",
                            access_log=False, log_level="error", timeout_graceful_shutdown=1)
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        assert not serving.done(), "uvicorn stopped before it started"
        await asyncio.sleep(0.01)
    try:
        yield sock.getsockname()[1]
    finally:
        server.should_exit = True
        await serving
        sock.close()


def request(path: str = "/", *, filler: int = 0, body: bytes = b"") -> bytes:
    """A GET (or a POST with ``body``) carrying an ``x-filler`` header of ``filler`` bytes."""
    method = "POST" if body else "GET"
    head = [f"{method} {path} HTTP/1.1", "host: test", f"content-length: {len(body)}"]
    if filler:
        head.append("x-filler: " + "a" * filler)
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


async def read_response(reader: asyncio.StreamReader) -> tuple[int, dict[str, str], bytes]:
    status_line = await asyncio.wait_for(reader.readline(), 5)
    status = int(status_line.split()[1])
    headers = {}
    while (line := await reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.decode().partition(":")
        headers[name.strip().lower()] = value.strip()
    body = await reader.readexactly(int(headers["content-length"]))
    return status, headers, body


async def test_a_head_just_under_the_limit_reaches_the_application(port):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(request(filler=MAX_HEAD_BYTES - 200))
    status, _, body = await read_response(reader)
    assert status == 200
    assert json.loads(body)["header_bytes"] > MAX_HEAD_BYTES - 200
    writer.close()


async def test_a_complete_head_over_the_limit_is_refused_with_431_before_the_application(port):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(request(filler=MAX_HEAD_BYTES + 100))
    status, headers, body = await read_response(reader)
    assert status == 431
    assert headers["content-type"] == "application/problem+json"
    assert headers["connection"] == "close"
    assert json.loads(body)["status"] == 431
    assert await asyncio.wait_for(reader.read(), 5) == b""  # closed
    writer.close()


class Collecting(asyncio.Protocol):
    """A client that keeps every byte it receives, even when a reset follows them."""

    def __init__(self) -> None:
        self.received = bytearray()
        self.closed = asyncio.Event()

    def data_received(self, data: bytes) -> None:
        self.received += data

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed.set()


async def send_until_answered(port: int, start: bytes, piece: Callable[[int], bytes]) -> tuple[bytes, int]:
    """Sends ``start``, then ``piece(n)`` for n = 0, 1, ... until the server answers or closes
    (at most 4 MiB); returns the answer and how many bytes were sent after ``start``."""
    transport, client = await asyncio.get_running_loop().create_connection(
        Collecting, "127.0.0.1", port)
    transport.write(start)
    sent, n = 0, 0
    while not client.received and not client.closed.is_set() and sent < 4 * 1024 * 1024:
        data = piece(n)
        transport.write(data)
        sent, n = sent + len(data), n + 1
        await asyncio.sleep(0.001)  # the server runs on this loop too
    await asyncio.wait_for(client.closed.wait(), 5)
    transport.close()
    return bytes(client.received), sent


def many_headers(n: int) -> bytes:
    """A hundred short header lines, different from those of piece ``n - 1``."""
    return b"".join(b"h%d: v\r\n" % (100 * n + k) for k in range(100))


async def test_endless_header_bytes_are_refused_as_soon_as_they_pass_the_limit(port):
    answer, sent = await send_until_answered(
        port, b"GET / HTTP/1.1\r\nhost: test\r\nx-endless: ", lambda _: b"a" * 1024)
    assert answer.startswith(b"HTTP/1.1 431 ")
    # Answered after the limit and at most a few pieces more (those in flight), not 4 MiB.
    assert MAX_HEAD_BYTES - 100 < sent < MAX_HEAD_BYTES + 64 * 1024


async def test_endless_small_headers_are_refused_as_soon_as_they_pass_the_limit(port):
    answer, sent = await send_until_answered(
        port, b"GET / HTTP/1.1\r\nhost: test\r\n", many_headers)
    assert answer.startswith(b"HTTP/1.1 431 ")
    assert sent < MAX_HEAD_BYTES + 64 * 1024


CHUNKED = b"POST / HTTP/1.1\r\nhost: test\r\ntransfer-encoding: chunked\r\n\r\n1\r\na\r\n0\r\n"


@pytest.mark.parametrize("trailers", ["one endless value", "many small ones"])
async def test_endless_trailers_after_a_chunked_body_are_refused_too(port, trailers):
    if trailers == "one endless value":
        answer, sent = await send_until_answered(
            port, CHUNKED + b"x-trailer: ", lambda _: b"a" * 1024)
    else:
        answer, sent = await send_until_answered(port, CHUNKED, many_headers)
    assert answer.startswith(b"HTTP/1.1 431 ")
    assert sent < MAX_HEAD_BYTES + 64 * 1024


async def test_a_chunked_body_far_larger_than_the_limit_is_not_refused(port):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"POST / HTTP/1.1\r\nhost: test\r\ntransfer-encoding: chunked\r\n\r\n")
    for _ in range(64):  # 64 chunks of 4 KiB, sent one by one
        writer.write(b"1000\r\n" + b"x" * 4096 + b"\r\n")
        await writer.drain()
    writer.write(b"0\r\nx-checksum: 1\r\n\r\n")
    status, _, answer = await read_response(reader)
    assert status == 200
    assert json.loads(answer)["body_bytes"] == 64 * 4096
    writer.close()


async def test_the_limit_is_per_request_on_a_kept_alive_connection(port):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    for _ in range(3):  # together far over the limit, each under it
        writer.write(request(filler=MAX_HEAD_BYTES // 2))
        status, _, _ = await read_response(reader)
        assert status == 200
    writer.close()


async def test_pipelined_requests_in_one_write_are_all_answered(port):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"".join(request(f"/{n}", filler=MAX_HEAD_BYTES // 3) for n in range(4)))
    for _ in range(4):
        status, _, _ = await read_response(reader)
        assert status == 200
    writer.close()


async def test_a_body_larger_than_the_limit_is_not_part_of_the_head(port):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    body = b"x" * (4 * MAX_HEAD_BYTES)
    writer.write(request(body=body))  # head and body in one write
    status, _, answer = await read_response(reader)
    assert status == 200
    assert json.loads(answer)["body_bytes"] == len(body)
    writer.close()


async def test_a_malformed_request_is_still_a_400(port):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"NOT HTTP AT ALL\r\n\r\n")
    status, _, _ = await read_response(reader)
    assert status == 400
    writer.close()
