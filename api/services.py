"""What a serving process holds open for its requests: the graph, its copies, the model, the limits."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field

from starlette.requests import HTTPConnection

from api.media import Media
from api.panel_cache import PanelCache
from api.persisted import QueryStore
from api.ratelimit import RateLimiter, rate_limiter
from api.recommender import POLL_SECONDS, Recommender
from api.response_cache import ResponseCache
from api.taste_reads import TasteReads
from graph.album_cache import AlbumCache
from graph.catalog_watch import CatalogWatch
from graph.chart_cache import ChartCache
from graph.driver import Graph
from graph.schema import ensure_schema
from settings import Settings

log = logging.getLogger("tunegraph")
MB = 1024 * 1024
PURCHASES_IN_FLIGHT = 16
"""Purchases contend for the same rows (popularity counters, the customer): past a few dozen
transactions in flight they only wait on locks while holding pooled connections, so orders
beyond this queue at the gate instead of timing out on the connection pool."""


@dataclass
class Services:
    """One process's services, opened by the app's lifespan and closed with it."""

    settings: Settings
    graph: Graph
    catalog_watch: CatalogWatch
    album_cache: AlbumCache | None
    chart_cache: ChartCache | None
    models: Recommender
    rate_limiter: RateLimiter
    persisted_queries: QueryStore
    media: Media
    purchase_gate: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(PURCHASES_IN_FLIGHT))
    watcher: asyncio.Task[None] | None = None
    response_cache: ResponseCache | None = None
    panel_cache: PanelCache | None = None
    taste_reads: TasteReads | None = None

    @classmethod
    async def open(cls, settings: Settings, model_poll_seconds: float = POLL_SECONDS) -> Services:
        """Connect to Neo4j (ensuring its schema), load the model, start the polls `settings` ask for."""
        persisted = QueryStore.from_files(settings.persisted_queries, settings.persisted_only)
        media = Media.from_settings(settings)
        graph = Graph.connect(settings)
        try:
            await ensure_schema(graph)
        except Exception as exc:  # the API still starts; /readyz reports Neo4j until it is back
            log.warning("could not ensure the graph schema at start: %s", exc)
        watch = CatalogWatch(graph)
        albums = AlbumCache(graph, watch, settings.album_cache) if settings.album_cache > 0 else None
        charts = ChartCache(graph, settings.chart_seconds, watch) if settings.chart_seconds > 0 else None
        # One poll of the catalog version serves every copy; its first read runs while the model loads.
        watched = albums is not None or charts is not None or settings.response_cache > 0
        watcher = asyncio.create_task(watch.watch()) if watched else None
        try:
            models = await Recommender.open(settings.model_dir, graph, model_poll_seconds)
        except BaseException:
            await _stop(watcher)
            await graph.close()
            raise
        responses = response_cache(settings, watch, models)
        panels = PanelCache(settings.panel_cache) if settings.panel_cache > 0 else None
        return cls(
            settings=settings, graph=graph, catalog_watch=watch, album_cache=albums, chart_cache=charts,
            models=models, rate_limiter=rate_limiter(settings), persisted_queries=persisted, media=media,
            watcher=watcher, response_cache=responses, panel_cache=panels,
            taste_reads=TasteReads(graph) if panels is not None else None,
        )

    async def close(self) -> None:
        """Stop the polls, cancel chart reads in flight, close the limiter's stores and the driver."""
        await self.models.close()
        await _stop(self.watcher)
        if self.chart_cache is not None:
            await self.chart_cache.close()
        await self.rate_limiter.close()
        await self.graph.close()


def response_cache(settings: Settings, watch: CatalogWatch, models: Recommender) -> ResponseCache | None:
    """The whole-response cache TUNEGRAPH_RESPONSE_CACHE asks for (entries; 0 is off), following `watch` and the
    model `models` serves."""
    if settings.response_cache <= 0:
        return None
    return ResponseCache(watch, settings.response_cache, settings.response_cache_mb * MB, settings.chart_seconds,
                         model=lambda: models.version)


async def _stop(task: asyncio.Task[None] | None) -> None:
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def services_of(connection: HTTPConnection) -> Services:
    """The services of the app serving this request (set by its lifespan)."""
    services: Services = connection.app.state.services
    return services
