"""The tunegraph ASGI application: `create_app(settings)`; `python server.py` serves it."""

from __future__ import annotations

import gc
import logging
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import uvicorn
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Route
from uvicorn.config import STARTUP_FAILURE

from api import ops, royalty_export, storefront
from api.caching import HttpCaching
from api.graphiql import GraphQLWithGraphiQL, assets, docs
from api.media_routes import media_routes
from api.ratelimit import share_buckets
from api.recommender import POLL_SECONDS as MODEL_POLL_SECONDS
from api.schema import build_schema
from api.services import Services
from settings import Settings
from workers import LOG_FORMAT, Pool


def create_app(settings: Settings, model_poll_seconds: float = MODEL_POLL_SECONDS) -> Starlette:
    """The Starlette app; its lifespan opens the process's services (Neo4j driver, copies, model) and closes them."""

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        services = await Services.open(settings, model_poll_seconds)
        app.state.services = services
        ops.WORKER_STARTS.inc()
        try:
            yield
        finally:
            await services.close()

    graphql = GraphQLWithGraphiQL(build_schema(), graphql_ide="graphiql", allow_queries_via_get=True)
    routes = [
        Route("/graphql", graphql, methods=["GET", "POST"]),
        Route("/healthz", ops.healthz),
        Route("/readyz", ops.readyz),
        Route("/metrics", ops.metrics),
        *royalty_export.routes(),
        assets(),
        docs(),
        *media_routes(),
        *storefront.routes(settings),
    ]
    middleware = [Middleware(ops.RequestMetrics), Middleware(HttpCaching)]
    return Starlette(routes=routes, lifespan=lifespan, middleware=middleware)


GC_THRESHOLDS = (5_000, 20, 50)
"""A request leaves about 75 objects in reference cycles (the Neo4j driver's sessions and results). Python's
default, a young collection every 700, costs about twice the CPU; one every 20,000 costs less CPU but pauses
the worker 6 ms each time, which the requests in flight wait out (on the genre page: 0.8 ms at 5,000)."""


def tune_gc() -> None:
    """Collect garbage less often, and never scan what was loaded at start (modules, schema)."""
    gc.set_threshold(*GC_THRESHOLDS)
    gc.freeze()


def app_from_env() -> Starlette:
    """The app of one uvicorn worker process: settings from the environment it inherits."""
    app = create_app(Settings.from_env())
    tune_gc()
    return app


def serve(settings: Settings) -> None:
    """Serve the API with uvicorn on TUNEGRAPH_HOST:TUNEGRAPH_PORT, in TUNEGRAPH_WORKERS processes."""
    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
    if settings.workers <= 1:
        app = create_app(settings)
        tune_gc()
        uvicorn.run(app, host=settings.host, port=settings.port, log_level="info", access_log=False)
        return
    ops.share_metrics(settings.data_dir / "metrics")
    share_buckets(settings)
    pool = Pool(settings, settings.workers)
    pool.run()
    if pool.failed:
        sys.exit(STARTUP_FAILURE)


if __name__ == "__main__":
    serve(Settings.from_env())
