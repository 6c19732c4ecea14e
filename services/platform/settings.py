"""Settings from the environment, read once at start and passed to whatever needs them."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

import msgspec

DEFAULT_DATA_DIR = Path(__file__).resolve().parents[2] / ".treffpunkt"
DEMO_ADMIN_EMAIL = "admin@treffpunkt.example"
DEMO_ADMIN_PASSWORD = "treffpunkt-demo"


class Settings(msgspec.Struct, kw_only=True):
    database_url: str
    redis_url: str
    port: int = 8000
    data_dir: Path = DEFAULT_DATA_DIR
    admin_email: str = DEMO_ADMIN_EMAIL
    admin_password: str = DEMO_ADMIN_PASSWORD
    secret_key: str = ""
    """Signs tokens and sessions. Empty: a random key kept in the data folder."""
    broker_namespace: str = "treffpunkt"
    demo_data: bool = False
    report_job_min_events: int = 20_000
    """A funding report (or changes) over more sealed events than this replays in a worker."""
    report_job_wait_seconds: float = 3.0
    """How long the request waits for that job before answering 202 with where to poll."""
    public_url: str = ""
    """The address links in pages, feeds and e-mails point to (``TREFFPUNKT_PUBLIC_URL``),
    never taken from a request's Host. Empty: ``http://127.0.0.1:<port>``."""
    public_requests_per_minute: int = 300
    """Requests to the public programme allowed per client address and minute
    (``TREFFPUNKT_PUBLIC_REQUESTS_PER_MINUTE``); a poster counts as ten."""
    max_in_flight: int = 16
    """Requests one API process works on at once (``TREFFPUNKT_MAX_IN_FLIGHT``); the next is
    answered 503 with Retry-After at once (``services/platform/in_flight.py``). 0: no bound."""

    def public_base_url(self) -> str:
        """``public_url`` without a trailing slash, or the default."""
        return (self.public_url or f"http://127.0.0.1:{self.port}").rstrip("/")


def env_settings(database_url: str, redis_url: str) -> Settings:
    return Settings(
        database_url=database_url,
        redis_url=redis_url,
        port=int(os.environ.get("PORT", "8000")),
        data_dir=data_dir_from_env(),
        admin_email=os.environ.get("TREFFPUNKT_ADMIN_EMAIL", DEMO_ADMIN_EMAIL),
        admin_password=os.environ.get("TREFFPUNKT_ADMIN_PASSWORD", DEMO_ADMIN_PASSWORD),
        secret_key=os.environ.get("TREFFPUNKT_SECRET_KEY", ""),
        broker_namespace=os.environ.get("TREFFPUNKT_BROKER_NAMESPACE", "treffpunkt"),
        report_job_min_events=int(os.environ.get("TREFFPUNKT_REPORT_JOB_MIN_EVENTS", "20000")),
        report_job_wait_seconds=float(os.environ.get("TREFFPUNKT_REPORT_JOB_WAIT_SECONDS", "3")),
        public_url=public_url_from_env(),
        public_requests_per_minute=int(
            os.environ.get("TREFFPUNKT_PUBLIC_REQUESTS_PER_MINUTE", "300")),
        max_in_flight=max_in_flight_from_env(),
    )


def public_url_from_env() -> str:
    """``TREFFPUNKT_PUBLIC_URL``: an http(s) address with a host and nothing after the path."""
    url = os.environ.get("TREFFPUNKT_PUBLIC_URL", "").strip()
    if url:
        parts = urlsplit(url)
        if (parts.scheme not in ("http", "https") or not parts.netloc or parts.query
                or parts.fragment):
            raise ValueError(
                f"TREFFPUNKT_PUBLIC_URL must be like https://treffpunkt.example, not {url!r}")
    return url


def max_in_flight_from_env() -> int:
    value = os.environ.get("TREFFPUNKT_MAX_IN_FLIGHT", "16").strip()
    if not value.isdigit():
        raise ValueError(
            f"TREFFPUNKT_MAX_IN_FLIGHT must be a whole number, 0 for no bound, not {value!r}")
    return int(value)


def data_dir_from_env() -> Path:
    return Path(os.environ.get("TREFFPUNKT_DATA_DIR", str(DEFAULT_DATA_DIR))).resolve()
