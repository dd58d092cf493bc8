"""The tunegraph ASGI application: `create_app(settings)`; `python server.py` serves it."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import uvicorn
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Route

from api import ops, royalty_export
from api.caching import HttpCaching
from api.graphiql import GraphQLWithGraphiQL, assets, docs
from api.media import Media
from api.media_routes import media_routes
from api.persisted import QueryStore
from api.ratelimit import rate_limiter, share_buckets
from api.recommendations import ModelDerived
from api.response_cache import ResponseCache
from api.schema import build_schema
from graph.album_cache import AlbumCache
from graph.catalog_watch import CatalogWatch
from graph.chart_cache import ChartCache
from graph.driver import Graph
from graph.schema import ensure_schema
from recommend.store import ModelHolder
from settings import Settings

log = logging.getLogger("tunegraph")
MODEL_POLL_SECONDS = 2.0
MB = 1024 * 1024


def create_app(settings: Settings, model_poll_seconds: float = MODEL_POLL_SECONDS) -> Starlette:
    """The Starlette app; its lifespan opens one Neo4j driver and the recommender model holder."""

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        graph = Graph.connect(settings)
        app.state.graph = graph
        app.state.settings = settings
        try:
            await ensure_schema(graph)
        except Exception as exc:  # the API still starts; /readyz reports Neo4j until it is back
            log.warning("could not ensure the graph schema at start: %s", exc)
        app.state.album_cache = AlbumCache(graph, settings.album_cache) if settings.album_cache > 0 else None
        # One poll of the catalog version serves both copies: the album cache's, or a bare watch.
        watched = settings.chart_seconds > 0 or settings.response_cache > 0
        versions = app.state.album_cache or (CatalogWatch(graph) if watched else None)
        watcher = asyncio.create_task(versions.watch()) if versions else None
        charts = ChartCache(graph, settings.chart_seconds, versions) if versions and settings.chart_seconds else None
        app.state.chart_cache = charts
        app.state.response_cache = response_cache(settings, versions)
        app.state.models = await asyncio.to_thread(ModelHolder, settings.model_dir)
        app.state.derived = ModelDerived()
        poller = asyncio.create_task(
            _poll_models(app.state.models, app.state.derived, graph, model_poll_seconds))
        ops.WORKER_STARTS.inc()
        try:
            yield
        finally:
            for task in (poller, watcher):
                if task is not None:
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await task
            if charts is not None:
                await charts.close()
            await app.state.rate_limiter.close()
            await graph.close()

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
    ]
    middleware = [Middleware(ops.RequestMetrics), Middleware(HttpCaching)]
    app = Starlette(routes=routes, lifespan=lifespan, middleware=middleware)
    app.state.rate_limiter = rate_limiter(settings)
    app.state.persisted_queries = QueryStore.from_files(settings.persisted_queries, settings.persisted_only)
    app.state.media = Media.from_settings(settings)
    return app


def response_cache(settings: Settings, versions: CatalogWatch | None) -> ResponseCache | None:
    """The whole-response cache TUNEGRAPH_RESPONSE_CACHE asks for (entries; 0 is off), following `versions`."""
    if settings.response_cache <= 0 or versions is None:
        return None
    return ResponseCache(versions, settings.response_cache, settings.response_cache_mb * MB, settings.chart_seconds)


async def _poll_models(models: ModelHolder, derived: ModelDerived, graph: Graph, every: float) -> None:
    """Swap in newer model versions as `tunegraph recs train` saves them, without a restart,
    and build what each version derives (artist vectors) before a request has to wait for it."""
    swapped = models.current is not None
    while True:
        try:
            if swapped and (model := models.current) is not None:
                await derived.artist_space(graph, model)
        except Exception as exc:  # requests build it themselves when the graph is back
            log.warning("could not prepare recommender model version %s: %s", models.version, exc)
        await asyncio.sleep(every)
        try:
            swapped = await asyncio.to_thread(models.reload_if_newer)
            if swapped:
                log.info("recommender model version %s loaded", models.version)
        except Exception:  # a bad poll must not end polling; the next one retries
            swapped = False
            log.exception("could not check for a new recommender model")


GC_THRESHOLDS = (20_000, 20, 50)
"""A request allocates thousands of short-lived objects; collecting every 700 costs ~10% of its CPU."""


def tune_gc() -> None:
    """Collect garbage less often, and never scan what was loaded at start (modules, schema)."""
    gc.set_threshold(*GC_THRESHOLDS)
    gc.freeze()


def app_from_env() -> Starlette:
    """The app of one uvicorn worker process: settings from the environment it inherits."""
    app = create_app(Settings.from_env())
    tune_gc()
    return app


WORKER_PING_SECONDS = 30
"""uvicorn kills a worker that answers its supervisor's ping later than this; its default, 5 s, kills
workers still starting (imports, model) on a busy host over and over."""


def serve(settings: Settings) -> None:
    """Serve the API with uvicorn on TUNEGRAPH_HOST:TUNEGRAPH_PORT, in TUNEGRAPH_WORKERS processes."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    if settings.workers <= 1:
        app = create_app(settings)
        tune_gc()
        uvicorn.run(app, host=settings.host, port=settings.port, log_level="info", access_log=False)
        return
    ops.share_metrics(settings.data_dir / "metrics")
    share_buckets(settings)
    uvicorn.run("server:app_from_env", factory=True, workers=settings.workers, host=settings.host,
                port=settings.port, log_level="info", access_log=False,
                timeout_worker_healthcheck=WORKER_PING_SECONDS)


if __name__ == "__main__":
    serve(Settings.from_env())
