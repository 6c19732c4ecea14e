"""Operations: liveness, readiness and metrics."""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg
from redis.asyncio import Redis
from litestar import Controller, Response, get
from litestar.di import NamedDependency
from litestar.status_codes import HTTP_200_OK, HTTP_503_SERVICE_UNAVAILABLE

from events.store import EventStore
from projections import admin
from projections.catalog import PROJECTIONS

_PROJECTION_GAUGES = (
    ("treffpunkt_projection_position", "Position of the last event a read model applied.",
     lambda status: status.position),
    ("treffpunkt_projection_lag_events", "Readable events a read model has not applied yet.",
     lambda status: status.lag.events),
    ("treffpunkt_projection_lag_seconds", "Age of the oldest event a read model has not applied.",
     lambda status: round(status.lag.seconds, 3)),
    ("treffpunkt_projection_repaired_values",
     "Values of stored events a read model wrote made safe (a NUL as U+FFFD), each once.",
     lambda status: status.repaired),
    ("treffpunkt_projection_failures", "Catch-ups of a read model that failed in a row.",
     lambda status: status.failures),
    ("treffpunkt_projection_stalled", "1 while a read model is stalled (README), else 0.",
     lambda status: int(status.stalled is not None)),
)


class OperationsController(Controller):
    tags = ["operations"]

    @get("/health", summary="The process lives")
    async def health(self) -> dict[str, str]:
        return {"status": "ok"}

    @get("/ready", summary="PostgreSQL and Redis are reachable and no read model is stalled "
                           "(503 if not)")
    async def ready(
        self, store: NamedDependency[EventStore], pool: NamedDependency[asyncpg.Pool],
        redis: NamedDependency[Redis],
    ) -> Response[dict[str, Any]]:
        database, broker = await asyncio.gather(
            _check(pool.fetchval("SELECT 1")),
            _check(redis.ping()),
        )
        ok = database == "ok" and broker == "ok"
        body: dict[str, Any] = {
            "status": "ready" if ok else "unavailable", "database": database, "broker": broker
        }
        if database == "ok":
            # A read model behind is information only; a stalled one makes the service unready.
            body["projection_lag_events"], stalled = await _read_models(store, pool)
            if stalled:
                body["read_models_stalled"] = stalled
                if ok:
                    body["status"] = "stalled"
                ok = False
        return Response(
            body,
            status_code=HTTP_200_OK if ok else HTTP_503_SERVICE_UNAVAILABLE,
            headers={} if ok else {"Retry-After": "2"},
        )

    @get("/metrics", summary="Prometheus metrics", media_type="text/plain; version=0.0.4")
    async def metrics(
        self, store: NamedDependency[EventStore], pool: NamedDependency[asyncpg.Pool]
    ) -> str:
        head = await store.head_position()
        sealed, _ = await store.ledger_head()
        total = await store.count()
        return "\n".join(
            [
                "# HELP treffpunkt_events_total Events stored.",
                "# TYPE treffpunkt_events_total gauge",
                f"treffpunkt_events_total {total}",
                "# HELP treffpunkt_head_position Position of the newest readable event.",
                "# TYPE treffpunkt_head_position gauge",
                f"treffpunkt_head_position {head}",
                "# HELP treffpunkt_ledger_unsealed_events Events not yet sealed into the ledger.",
                "# TYPE treffpunkt_ledger_unsealed_events gauge",
                f"treffpunkt_ledger_unsealed_events {total - sealed}",
                *_projection_metrics(
                    await admin.status(pool, store, PROJECTIONS)),
                "",
            ]
        )


def _projection_metrics(statuses: list[admin.ProjectionStatus]) -> list[str]:
    lines: list[str] = []
    for metric, help_text, value in _PROJECTION_GAUGES:
        lines += [f"# HELP {metric} {help_text}", f"# TYPE {metric} gauge"]
        lines += [f'{metric}{{name="{status.name}"}} {value(status)}' for status in statuses]
    return lines


async def _read_models(
    store: EventStore, pool: asyncpg.Pool
) -> tuple[dict[str, int] | str, dict[str, str]]:
    """Each read model's lag in events, and why each stalled one is (README, "Projections")."""
    try:
        statuses = await asyncio.wait_for(admin.status(pool, store, PROJECTIONS), timeout=1.5)
    except Exception as error:  # noqa: BLE001 - unknown is information, not a reason to be unready
        return f"unknown ({type(error).__name__})", {}
    lag = {status.name: status.lag.events for status in statuses}
    return lag, {status.name: status.stalled for status in statuses if status.stalled}


async def _check(probe: object) -> str:
    try:
        await asyncio.wait_for(probe, timeout=1.5)  # type: ignore[arg-type]
    except Exception as error:  # noqa: BLE001 - any failure means "not ready"
        return f"unreachable ({type(error).__name__})"
    return "ok"
