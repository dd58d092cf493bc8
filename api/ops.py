"""Operations endpoints: /healthz, /readyz, /metrics."""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import time
from pathlib import Path
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from api.services import services_of

log = logging.getLogger("tunegraph.ops")
GRAPHQL_REQUESTS = Counter(
    "tunegraph_graphql_requests", "GraphQL requests answered", ["method", "status"]
)
WORKER_STARTS = Counter("tunegraph_worker_starts", "Serving processes that have finished starting")
REQUEST_LATENCY = Histogram(
    "tunegraph_request_latency_seconds",
    "Latency of GraphQL requests",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)


async def healthz(request: Request) -> Response:
    """The process is alive."""
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> Response:
    """Neo4j answers and a model is loaded (its version in `model`); 503 with the reasons otherwise."""
    services = services_of(request)
    problems = []
    try:
        await asyncio.wait_for(services.graph.ping(), timeout=2.0)
    except Exception as exc:  # any failure to answer means not ready; the why stays in the log
        log.warning("readyz: Neo4j did not answer: %s: %s", type(exc).__name__, exc)
        problems.append("neo4j: unavailable")
    if services.models.current is None:
        problems.append("model: no recommender model loaded (run `tunegraph recs train`)")
    if problems:
        return JSONResponse({"status": "unavailable", "problems": problems}, status_code=503)
    return JSONResponse({"status": "ready", "model": services.models.version})


MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


def share_metrics(folder: Path) -> None:
    """Make the worker processes started after this write their metrics to `folder`, emptied first."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    os.environ[MULTIPROC_ENV] = str(folder)


async def metrics(request: Request) -> Response:
    """Prometheus text exposition: every worker's counts summed where several processes serve."""
    if os.environ.get(MULTIPROC_ENV):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return PlainTextResponse(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
    return PlainTextResponse(generate_latest(), media_type=CONTENT_TYPE_LATEST)


class RequestMetrics:
    """ASGI middleware counting GraphQL requests by method and status, and timing them."""

    def __init__(self, app: Any, path: str = "/graphql") -> None:
        self.app = app
        self.path = path

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["path"] != self.path:
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = [500]

        async def send_status(message: Any) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            REQUEST_LATENCY.observe(time.perf_counter() - started)
            GRAPHQL_REQUESTS.labels(scope["method"], str(status[0])).inc()
