"""Through a `neo4j://` URI (routing, as to a cluster or Aura): reads in read mode, writes in write
transactions, and bookmarks that make a later read wait for an earlier write."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator

import pytest
from neo4j import AsyncNeo4jDriver
from neo4j.exceptions import ClientError

from graph.bookmarks import causal
from graph.driver import Cypher, Graph, Tx
from settings import Settings

PROBE_CREATE = Cypher("routing_probe_create", "CREATE (p:RoutingProbe {key: $key}) RETURN p.key AS key")
PROBE_READ = Cypher("routing_probe_read", "MATCH (p:RoutingProbe {key: $key}) RETURN p.key AS key")
PROBE_DELETE = Cypher("routing_probe_delete", "MATCH (p:RoutingProbe) DETACH DELETE p")
ACCESS_MODE = "Neo.ClientError.Statement.AccessMode"


@pytest.fixture
async def routed(settings: Settings) -> AsyncIterator[Graph]:
    assert settings.neo4j_uri.startswith("bolt://")
    graph = Graph.connect(dataclasses.replace(settings, neo4j_uri="neo4j://" + settings.neo4j_uri[len("bolt://"):]))
    try:
        yield graph
    finally:
        await graph.write(PROBE_DELETE)
        await graph.close()


def test_a_neo4j_uri_makes_a_routing_driver(routed: Graph, graph: Graph) -> None:
    assert isinstance(routed.driver, AsyncNeo4jDriver)
    assert not isinstance(graph.driver, AsyncNeo4jDriver)


@pytest.mark.parametrize("how", ["read", "stream", "stream_values"])
async def test_a_read_runs_in_read_access_mode(routed: Graph, how: str) -> None:
    # A write sent down the read path is refused by the server; sent as a write, it would succeed.
    with pytest.raises(ClientError) as refused:
        await _drain(routed, how, {"key": how})
    assert refused.value.code == ACCESS_MODE
    assert await routed.read(PROBE_READ, {"key": how}) == []


async def _drain(graph: Graph, how: str, params: dict[str, str]) -> None:
    if how == "read":
        await graph.read(PROBE_CREATE, params)
        return
    async for _ in getattr(graph, how)(PROBE_CREATE, params):
        pass


async def test_writes_run_in_write_transactions(routed: Graph) -> None:
    assert await routed.write(PROBE_CREATE, {"key": "w"}) == [{"key": "w"}]

    async def work(tx: Tx) -> list[dict[str, object]]:
        return await tx.run(PROBE_CREATE, {"key": "t"})

    assert await routed.transaction(work) == [{"key": "t"}]
    assert await routed.read(PROBE_READ, {"key": "t"}) == [{"key": "t"}]


async def test_a_write_leaves_the_bookmark_later_reads_start_after(routed: Graph, graph: Graph) -> None:
    with causal() as scope:
        assert scope.bookmarks() is None
        await routed.read(PROBE_READ, {"key": "b"})
        assert not scope.wrote
        await routed.write(PROBE_CREATE, {"key": "b"})
        assert scope.wrote
        written = scope.values
        assert written
    # another process (another driver) given the bookmarks reads after the write
    with causal(written) as later:
        assert await graph.read(PROBE_READ, {"key": "b"}) == [{"key": "b"}]
        assert later.values == written
        assert not later.wrote


async def test_reads_carry_the_scope_bookmarks(routed: Graph) -> None:
    # The server judges the bookmarks a read carries: one it never issued is refused, so a read that
    # dropped the scope's bookmarks would pass here.
    with causal(["not-a-bookmark"]), pytest.raises(ClientError) as refused:
        await routed.read(PROBE_READ, {"key": "x"})
    assert "Bookmark" in str(refused.value.code)
