"""Fixtures over the real Neo4j that `make test` starts (NEO4J_URI; Chinook imported once)."""

from __future__ import annotations

import dataclasses
import sqlite3
import subprocess
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from graph.driver import Graph, queries_sent
from graph.importers import chinook
from server import create_app
from settings import PROJECT_ROOT, Settings
from tests.servers import free_port, two_workers_serving
from tests.spare_neo4j import SpareNeo4j

CHINOOK = PROJECT_ROOT / "data" / "chinook" / "Chinook_Sqlite.sqlite"


@pytest.fixture(scope="session")
def settings() -> Settings:
    # Without the album page copy, the chart copy and the response cache, a query's Cypher count is what the
    # tests measure; test_album_cache.py, test_chart_cache.py and test_response_cache.py serve apps with them on.
    return dataclasses.replace(Settings.from_env(), album_cache=0, chart_seconds=0, response_cache=0)


@pytest.fixture(scope="session")
async def graph(settings: Settings) -> AsyncIterator[Graph]:
    g = Graph.connect(settings)
    await chinook.load(g, chinook.read_chinook(CHINOOK), quiet=True)
    yield g
    await g.close()


@pytest.fixture(scope="session")
async def client(graph: Graph, settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://tunegraph.test") as c:
            yield c


@pytest.fixture(scope="session")
async def plain_client(graph: Graph, settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """The same app with compiled plans off (TUNEGRAPH_COMPILED=0): Strawberry's executor answers everything."""
    app = create_app(dataclasses.replace(settings, compiled=False))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://tunegraph.test") as c:
            yield c


@pytest.fixture
async def spare(tmp_path: Path) -> AsyncIterator[SpareNeo4j]:
    """A throw-away Neo4j of the test's own, for the tests that stop and restart one."""
    server = SpareNeo4j(tmp_path, free_port())
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture(scope="session")
def sqlite() -> Iterator[sqlite3.Connection]:
    conn = sqlite3.connect(f"file:{CHINOOK}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    yield conn
    conn.close()


class GraphQL:
    """Posts queries and counts the Cypher they cost."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client
        self.last_cypher = 0.0

    async def __call__(
        self, query: str, variables: dict[str, object] | None = None, headers: dict[str, str] | None = None
    ) -> dict[str, object]:
        before = queries_sent()
        response = await self.client.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers or {}
        )
        self.last_cypher = queries_sent() - before
        assert response.status_code in (200, 400, 503), response.text
        body: dict[str, Any] = response.json()
        if response.status_code == 503:  # failed whole for want of Neo4j or a model: UNAVAILABLE, retry later
            assert {e["extensions"]["code"] for e in body["errors"]} == {"UNAVAILABLE"}, body
            assert response.headers["Retry-After"].isdigit()
        return body


@pytest.fixture(scope="session")
def gql(client: httpx.AsyncClient) -> GraphQL:
    return GraphQL(client)


def chinook_path() -> Path:
    """The bundled Chinook file tests compare against."""
    return CHINOOK


@pytest.fixture
def two_workers(tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`python server.py` with two workers and no rate limit, once both have started."""
    with two_workers_serving(tmp_path) as served:
        yield served
