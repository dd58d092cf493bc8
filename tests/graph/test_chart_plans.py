"""Bestseller charts: one query text per shape, index-backed, equal to counting every line."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from graph import charts
from graph.driver import Cypher, Graph

SHAPES = list(itertools.product([False, True], repeat=4))
SCANS = {"NodeByLabelScan", "AllNodesScan", "NodeIndexScan", "DirectedRelationshipTypeScan"}
# The plain definition: every line of every matching purchase counted, then ranked.
REFERENCE = Cypher(
    "t_chart_reference",
    """
    MATCH (p:Purchase)-[:LINE]->(t:Track)
    WHERE ($since IS NULL OR p.purchasedAt >= $since) AND ($until IS NULL OR p.purchasedAt < $until)
      AND ($territory IS NULL OR p.territory = $territory)
      AND ($genre IS NULL OR EXISTS { (t)-[:IN_GENRE]->(:Genre {key: $genre}) })
    WITH t, count(*) AS units ORDER BY units DESC, t.title, t.key LIMIT $limit
    RETURN units, t.key AS key
    """,
)
VALUES: dict[str, list[Any]] = {
    "territory": ["US", "CA", "NO"],
    "genre": ["rock", "latin", "bossa-nova", "comedy"],
    "since": [datetime(2023, 1, 1, tzinfo=UTC), datetime(2025, 6, 1, 12, tzinfo=UTC)],
    "until": [datetime(2024, 7, 1, tzinfo=UTC), datetime(2025, 12, 31, tzinfo=UTC), datetime(2022, 3, 1, tzinfo=UTC)],
}


def shape_ids(shape: tuple[bool, ...]) -> str:
    """territory+genre, since+until, ... or all-time."""
    return "+".join(k for k, on in zip(VALUES, shape, strict=True) if on) or "all-time"


def operators(plan: Any) -> Iterator[Any]:
    """Every operator of a plan tree."""
    yield plan
    for child in plan.get("children", []):
        yield from operators(child)


async def plan_of(graph: Graph, query: Cypher, params: dict[str, Any]) -> list[tuple[str, str]]:
    """(operator, details) of each operator Neo4j plans (EXPLAIN: nothing runs)."""
    async with graph.driver.session(database=graph.database) as session:
        summary = await (await session.run("EXPLAIN " + query.text, params)).consume()
    assert summary.plan is not None
    return [(str(op["operatorType"]).split("@")[0], str(op.get("args", {}).get("Details", "")))
            for op in operators(summary.plan)]


def params(shape: tuple[bool, ...], pick: int, limit: int) -> dict[str, Any]:
    """Chart parameters: the set ones from VALUES, the others null."""
    out: dict[str, Any] = {k: v[pick % len(v)] if on else None for (k, v), on in zip(VALUES.items(), shape, strict=True)}
    return {**out, "limit": limit}


@pytest.mark.parametrize("shape", SHAPES, ids=shape_ids)
async def test_every_chart_shape_seeks_an_index(graph: Graph, shape: tuple[bool, bool, bool, bool]) -> None:
    ops = await plan_of(graph, charts.chart_query(*shape), params(shape, 0, 20))
    names = {name for name, _ in ops}
    assert not names & SCANS, ops
    territory, _, since, until = shape
    reads_purchases = any("Purchase" in details for _, details in ops)
    assert reads_purchases == (territory or since or until), ops
    if territory:
        assert any(name == "NodeIndexSeek" and "Purchase(territory, purchasedAt)" in details
                   for name, details in ops), ops


@pytest.mark.parametrize("shape", SHAPES, ids=shape_ids)
async def test_every_chart_shape_equals_counting_every_line(
    graph: Graph, shape: tuple[bool, bool, bool, bool]
) -> None:
    query = charts.chart_query(*shape)
    compared = 0
    for pick, limit in itertools.product(range(4), (0, 1, 7, 100)):
        p = params(shape, pick, limit)
        want = [(r["units"], r["key"]) for r in await graph.read(REFERENCE, p)]
        got = [(r["units"], r["row"]["key"]) for r in await graph.read(query, p)]
        assert got == want, (p, got[:5], want[:5])
        compared += len(want)
    assert compared > 0


async def test_track_popularity_counts_every_line(graph: Graph) -> None:
    # All-time charts read units from Track.popularity; the purchase write path keeps it so.
    drift = await graph.read(Cypher(
        "t_popularity_drift",
        "MATCH (t:Track) WHERE t.popularity <> COUNT { (t)<-[:LINE]-() } RETURN count(t) AS n",
    ))
    sold = await graph.read(Cypher("t_sold", "MATCH (t:Track) WHERE t.popularity > 0 RETURN count(t) AS n"))
    assert drift[0]["n"] == 0
    assert sold[0]["n"] > 0
