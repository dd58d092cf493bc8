"""The tunegraph ASGI application: `create_app(settings)`; `python server.py` serves it."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import uvicorn
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Route

from api import ops
from api.caching import HttpCaching
from api.graphiql import GraphQLWithGraphiQL, assets
from api.ratelimit import RateLimiter
from api.schema import build_schema
from graph.driver import Graph
from graph.schema import ensure_schema
from settings import Settings

log = logging.getLogger("tunegraph")


def create_app(settings: Settings) -> Starlette:
    """The Starlette app; its lifespan opens one Neo4j driver for the process."""

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        graph = Graph.connect(settings)
        app.state.graph = graph
        app.state.settings = settings
        try:
            await ensure_schema(graph)
        except Exception as exc:  # the API still starts; /readyz reports Neo4j until it is back
            log.warning("could not ensure the graph schema at start: %s", exc)
        try:
            yield
        finally:
            await graph.close()

    graphql = GraphQLWithGraphiQL(build_schema(), graphql_ide="graphiql", allow_queries_via_get=True)
    routes = [
        Route("/graphql", graphql, methods=["GET", "POST"]),
        Route("/healthz", ops.healthz),
        Route("/readyz", ops.readyz),
        Route("/metrics", ops.metrics),
        assets(),
    ]
    middleware = [Middleware(ops.RequestMetrics), Middleware(HttpCaching)]
    app = Starlette(routes=routes, lifespan=lifespan, middleware=middleware)
    app.state.rate_limiter = RateLimiter(settings.rate_limit)
    return app


def serve(settings: Settings) -> None:
    """Serve the API with uvicorn on TUNEGRAPH_HOST:TUNEGRAPH_PORT."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port,
                log_level="info", access_log=False)


if __name__ == "__main__":
    serve(Settings.from_env())
