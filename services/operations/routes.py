"""Operations: liveness, readiness and metrics."""

from __future__ import annotations

import asyncio

from litestar import Controller, Response, get
from litestar.di import NamedDependency
from litestar.status_codes import HTTP_200_OK, HTTP_503_SERVICE_UNAVAILABLE

from events import ledger
from services.resources import Resources


class OperationsController(Controller):
    tags = ["operations"]

    @get("/health", summary="The process lives")
    async def health(self) -> dict[str, str]:
        return {"status": "ok"}

    @get("/ready", summary="PostgreSQL and Redis are reachable (503 if not)")
    async def ready(self, resources: NamedDependency[Resources]) -> Response[dict[str, str]]:
        database, broker = await asyncio.gather(
            _check(resources.pool.fetchval("SELECT 1")),
            _check(resources.redis.ping()),
        )
        ok = database == "ok" and broker == "ok"
        return Response(
            {"status": "ready" if ok else "unavailable", "database": database, "broker": broker},
            status_code=HTTP_200_OK if ok else HTTP_503_SERVICE_UNAVAILABLE,
            headers={} if ok else {"Retry-After": "2"},
        )

    @get("/metrics", summary="Prometheus metrics", media_type="text/plain; version=0.0.4")
    async def metrics(self, resources: NamedDependency[Resources]) -> str:
        head = await resources.store.head_position()
        sealed, _ = await ledger.ledger_head(resources.pool)
        total = await resources.pool.fetchval("SELECT count(*) FROM events")
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
                "",
            ]
        )


async def _check(probe: object) -> str:
    try:
        await asyncio.wait_for(probe, timeout=1.5)  # type: ignore[arg-type]
    except Exception as error:  # noqa: BLE001 - any failure means "not ready"
        return f"unreachable ({type(error).__name__})"
    return "ok"
