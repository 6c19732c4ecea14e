"""One API process: uvicorn on a listening socket of its own, bound with SO_REUSEPORT.

``treffpunkt serve --api-processes N`` binds N such sockets right after checking that nothing
listens on the port (so two services started together cannot end up sharing it) and starts a
process for each, passing the socket as ``--fd``. With one shared socket (``uvicorn --workers
N``) whichever process wakes first accepts, and under load one process took nearly every
keep-alive connection while the other idled; with a socket per process the kernel spreads new
connections over them by their address hash.

    python -m services.platform.api_process --host 127.0.0.1 --port 8000   # alone, binding its own
"""

from __future__ import annotations

import argparse
import socket

import uvicorn

from services.platform.http_protocol import BoundedHttpToolsProtocol

KEEP_ALIVE_SECONDS = 75
"""Longer than clients' idle pools: a connection closed just as a client reuses it fails that
request (seen under load with uvicorn's default 5 s)."""


def _family(host: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def ensure_port_free(host: str, port: int) -> None:
    """Raise OSError if anything listens on the port: SO_REUSEPORT would otherwise let the new
    processes share it silently with, say, a forgotten server on another database."""
    with socket.socket(_family(host), socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind((host, port))


def reuse_port_socket(host: str, port: int) -> socket.socket:
    # IPPROTO_TCP, not the default 0: asyncio sets TCP_NODELAY only on accepted sockets whose
    # proto says TCP. Without it, Nagle held back the body uvicorn writes after the headers
    # until the client's delayed ACK: 40 ms on every keep-alive request after the first.
    sock = socket.socket(_family(host), socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int)
    parser.add_argument("--fd", type=int, help="a listening socket bound by the parent")
    args = parser.parse_args()
    if args.fd is not None:
        sock = socket.socket(fileno=args.fd)
    elif args.port is not None:
        sock = reuse_port_socket(args.host, args.port)
    else:
        parser.error("give --fd or --port")
    config = uvicorn.Config(
        "services.platform.asgi:app", access_log=False, timeout_keep_alive=KEEP_ALIVE_SECONDS,
        http=BoundedHttpToolsProtocol,
    )
    uvicorn.Server(config).run(sockets=[sock])


if __name__ == "__main__":
    main()
