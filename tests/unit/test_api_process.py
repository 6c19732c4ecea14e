"""The API process's listening socket: connections accepted on it send without Nagle's delay."""

from __future__ import annotations

import asyncio
import socket

import pytest

from services.platform.api_process import ensure_port_free, reuse_port_socket
from services.platform.embedded import free_port

pytestmark = pytest.mark.unit


async def test_connections_accepted_through_asyncio_have_tcp_nodelay():
    accepted: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    class Probe(asyncio.Protocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            sock = transport.get_extra_info("socket")
            accepted.set_result(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            transport.close()

    listener = reuse_port_socket("127.0.0.1", free_port())
    server = await asyncio.get_running_loop().create_server(Probe, sock=listener)
    try:
        port = listener.getsockname()[1]
        _, writer = await asyncio.open_connection("127.0.0.1", port)
        assert await asyncio.wait_for(accepted, 5) != 0
        writer.close()
    finally:
        server.close()
        await server.wait_closed()


def test_a_port_in_use_is_noticed_although_the_processes_share_theirs():
    port = free_port()
    first = reuse_port_socket("127.0.0.1", port)
    try:
        second = reuse_port_socket("127.0.0.1", port)  # the other API processes bind too
        second.close()
        with pytest.raises(OSError):
            ensure_port_free("127.0.0.1", port)
    finally:
        first.close()
    ensure_port_free("127.0.0.1", port)
