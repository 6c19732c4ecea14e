"""The ``treffpunkt`` command: serve, migrate, audit, projections."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from events import export, ledger
from events.catalog import registry
from events.store import EventStore, create_pool
from services.platform import projections_cli
from services.accounts.bootstrap import SYSTEM_ACTOR, ensure_admin
from services.commands.handler import CommandHandler
from services.platform.api_process import ensure_port_free, reuse_port_socket
from services.platform.database import migrate
from services.platform.embedded import EmbeddedServers
from services.platform.keys import derive_keys, secret_of
from services.platform.local_mailbox import LocalMailbox
from services.qualifications.seed import seed_catalogue
from services.platform.settings import Settings, data_dir_from_env, env_settings

log = logging.getLogger("treffpunkt")


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    parser = argparse.ArgumentParser(prog="treffpunkt")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the API and a worker (embedded servers if no URLs)")
    serve.add_argument("--demo", action="store_true", help="seed demo data into an empty store")
    serve.add_argument("--api-processes", type=int, default=1)
    serve.add_argument("--worker-processes", type=int, default=1)
    commands.add_parser("migrate", help="apply migrations and create the first admin")
    audit = commands.add_parser("audit", help="auditor's tools")
    audit_commands = audit.add_subparsers(dest="audit_command", required=True)
    verify = audit_commands.add_parser(
        "verify", help="verify every event hash and the ledger chain (of an export FILE: offline)"
    )
    verify.add_argument("file", nargs="?", type=Path,
                        help="an export (GET /api/audit/export); no database is used")
    verify.add_argument("--expected-head", help="the ledger head (hex) recorded for the history")
    audit_commands.add_parser("seal", help="seal every readable event into the ledger now")
    projections_cli.add_commands(commands)
    args = parser.parse_args(argv)

    if args.command == "serve":
        return serve_forever(args)
    if args.command == "audit" and args.audit_command == "verify" and args.file is not None:
        return verify_export_file(args.file, args.expected_head)
    with servers_for_command() as settings:
        if args.command == "migrate":
            asyncio.run(prepare(settings, demo=False))
            return 0
        if args.command == "projections":
            return asyncio.run(projections_cli.run(args, settings.database_url))
        if args.audit_command == "seal":
            count = asyncio.run(_with_pool(settings.database_url, ledger.seal))
            print(f"sealed {count} events")
            return 0
        result = asyncio.run(_with_pool(settings.database_url, ledger.verify))
        if args.expected_head is not None and result.ok and result.head != args.expected_head:
            result = ledger.Verification(
                ok=False, events_checked=result.events_checked, head=result.head,
                problem=f"the history ends at head {result.head}, expected {args.expected_head}",
            )
        print(export.verdict(result))
        return 0 if result.ok else 1


def verify_export_file(path: Path, expected_head: str | None) -> int:
    """``treffpunkt audit verify FILE``: the export alone, without a database."""
    try:
        result = export.verify_export_file(path, expected_head)
    except OSError as error:
        print(f"FAILED: cannot read {path}: {error.strerror}")
        return 1
    print(export.verdict(result))
    return 0 if result.ok else 1


class servers_for_command:
    """Settings with the URLs from the environment, or embedded servers started for the command."""

    def __enter__(self) -> Settings:
        self.embedded = EmbeddedServers(data_dir_from_env())
        database_url, redis_url = self.embedded.start(
            os.environ.get("DATABASE_URL"), os.environ.get("REDIS_URL")
        )
        return env_settings(database_url, redis_url)

    def __exit__(self, *exc: object) -> None:
        self.embedded.stop()


async def _with_pool(database_url: str, action):  # type: ignore[no-untyped-def]
    pool = await create_pool(database_url, min_size=1, max_size=2)
    try:
        return await action(pool)
    finally:
        await pool.close()


async def prepare(settings: Settings, demo: bool) -> None:
    """Migrate, create the first admin, and seed demo data into an empty store."""
    pool = await create_pool(settings.database_url, min_size=1, max_size=4)
    try:
        async with pool.acquire() as connection:
            applied = await migrate(connection)
        log.info("migrations applied: %s", ", ".join(applied) or "none (up to date)")
        store = EventStore(pool, registry)
        if await ensure_admin(CommandHandler(store), pool, derive_keys(secret_of(settings)),
                              settings.admin_email, settings.admin_password):
            log.info("created the admin account (TREFFPUNKT_ADMIN_EMAIL)")
        if added := await seed_catalogue(CommandHandler(store), store, SYSTEM_ACTOR):
            log.info("qualification catalogue: defined the stored codes %s", ", ".join(added))
        if demo:
            from services.demo.seed import seed_demo

            await seed_demo(pool, store, settings)
    finally:
        await pool.close()


def serve_forever(args: argparse.Namespace) -> int:
    embedded = EmbeddedServers(data_dir_from_env())
    local_mailbox = LocalMailbox(data_dir_from_env())
    children: list[subprocess.Popen[bytes]] = []
    stopping = False

    def stop(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        database_url, redis_url = embedded.start(
            os.environ.get("DATABASE_URL"), os.environ.get("REDIS_URL")
        )
        settings = env_settings(database_url, redis_url)
        host = os.environ.get("HOST", "127.0.0.1")
        try:
            ensure_port_free(host, settings.port)
            # Bound at once: a second service started meanwhile finds the port taken.
            listeners = [reuse_port_socket(host, settings.port)
                         for _ in range(args.api_processes)]
        except OSError as error:
            log.error("cannot listen on %s:%s: %s", host, settings.port, error.strerror)
            return 1
        asyncio.run(prepare(settings, args.demo))
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "TREFFPUNKT_SECRET_KEY": secret_of(settings),
        }
        if not os.environ.get("TREFFPUNKT_SMTP_URL", "").strip():
            # No server named: mail goes through a real SMTP hop into the data folder.
            env["TREFFPUNKT_SMTP_URL"] = local_mailbox.start()
            log.info("no TREFFPUNKT_SMTP_URL: e-mails go to the local mailbox %s "
                     "(the admin's page Postausgang)", local_mailbox.folder)
        python = sys.executable
        children.append(
            subprocess.Popen(
                [python, "-m", "dramatiq", "workers.actors", "--processes",
                 str(args.worker_processes), "--threads", "2"],
                env=env,
            )
        )
        # A process per API worker, each on a SO_REUSEPORT socket of its own (see api_process).
        for listener in listeners:
            children.append(
                subprocess.Popen(
                    [python, "-m", "services.platform.api_process", "--fd", str(listener.fileno())],
                    env=env, pass_fds=(listener.fileno(),),
                )
            )
            listener.close()  # the child holds it now
        log.info("Treffpunkt is running on http://%s:%s (Ctrl-C stops it)", host, settings.port)
        failed = False
        while not stopping:
            for child in children:
                if child.poll() is not None:
                    log.error("a child process exited with %s; stopping", child.returncode)
                    stopping = failed = True
            time.sleep(0.3)
        return 1 if failed else 0
    finally:
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for child in children:
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()
        local_mailbox.stop()
        embedded.stop()
        log.info("stopped")


if __name__ == "__main__":
    sys.exit(main())
