"""A first page by popularity under a big parent: the bounded walk it tries, and its fallback to expanding."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from graph import pages
from graph.driver import Cypher, Graph
from graph.pages import PageRequest

KEY = "t-try-walk"
MAKE = Cypher(
    "t_try_walk_make",
    """
    CREATE (x:Artist {key: $key, name: 'Prolific', popularity: 0})
    CREATE (a:Album {key: $key + '-album', title: 'Everything', releaseDateSort: date('2000-01-01'), popularity: 0})
    CREATE (a)-[:BY {position: 0}]->(x), (a)-[:ALBUM_BY]->(x)
    WITH x, a UNWIND range(0, size($popularity) - 1) AS i
    CREATE (t:Track {key: $key + '-' + right('000' + i, 4), title: 'T' + i, durationMs: 1000,
                     popularity: $popularity[i]})
    CREATE (t)-[:ON_ALBUM]->(a), (t)-[:BY {position: 0}]->(x)
    """,
)
DROP = Cypher("t_try_walk_drop", "MATCH (n) WHERE n.key STARTS WITH $key DETACH DELETE n")
EXPANDED = Cypher(
    "t_try_walk_expanded",
    """
    MATCH (:Artist {key: $key})<-[:BY]-(t:Track)
    RETURN t.key AS key ORDER BY t.popularity DESC, t.key LIMIT $limit
    """,
)
NTH_POPULARITY = Cypher(
    "t_try_walk_nth",
    "MATCH (t:Track) WHERE t.popularity IS NOT NULL RETURN t.popularity AS v ORDER BY v DESC SKIP $n LIMIT 1",
)
LIMIT = 1


@pytest.fixture(autouse=True)
def small_try(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A try of 50 entries: at the test store's size a parent big enough for 200 is walked instead."""
    monkeypatch.setattr(pages, "TRY_SCAN", 50)
    pages.page_query.cache_clear()
    yield
    pages.page_query.cache_clear()


async def sizes(graph: Graph) -> tuple[int, int]:
    """How many tracks the artist gets (more than the try reads, too few to walk) and the try's read."""
    population = (await pages.counts(graph, [("tracks", {})]))[0]
    scan = LIMIT * pages.TRY_SCAN
    n = scan + 10
    assert n * n <= LIMIT * (population + n) * pages.WALK_FACTOR, "the artist would be walked, not tried"
    return n, scan


async def profiled(graph: Graph, limit: int) -> tuple[list[str], dict[str, int]]:
    """The page's keys and, per operator detail, the rows it produced (PROFILE)."""
    query = pages.page_query("tracks", "artist", frozenset({"artist"}), "POPULARITY", True, False, False)
    params = {"f": {"artist": KEY}, "after": None, "limit": limit}
    async with graph.driver.session(database=graph.database) as session:
        result = await session.run("PROFILE " + query.text, params)
        rows = [r async for r in result]
        summary = await result.consume()
    assert summary.profile is not None
    produced: dict[str, int] = {}
    for op in _plans(summary.profile):
        detail = str(op.get("args", {}).get("Details", ""))
        produced[detail] = produced.get(detail, 0) + int(op.get("rows", 0))
    return [r["row"]["key"] for r in rows[0]["page"]], produced


def _plans(plan: Any) -> Iterator[Any]:
    yield plan
    for child in plan.get("children", []):
        yield from _plans(child)


def expanded_rows(produced: dict[str, int]) -> int:
    """Rows of the expand branch's read of every BY of the artist."""
    return sum(n for detail, n in produced.items() if "<-[" in detail and ":BY]-(x)" in detail)


async def make(graph: Graph, popularity: list[int]) -> None:
    await graph.write(DROP, {"key": KEY})
    await graph.write(MAKE, {"key": KEY, "popularity": popularity})


async def expected(graph: Graph, limit: int) -> list[str]:
    return [r["key"] for r in await graph.read(EXPANDED, {"key": KEY, "limit": limit})]


async def test_a_best_selling_artists_top_track_is_found_without_expanding(graph: Graph) -> None:
    n, _ = await sizes(graph)
    top = (await graph.read(NTH_POPULARITY, {"n": 0}))[0]["v"] + 1
    try:
        await make(graph, [top if i == 7 else 0 for i in range(n)])
        keys, produced = await profiled(graph, LIMIT)
        assert keys == [f"{KEY}-0007"] == await expected(graph, LIMIT)
        assert expanded_rows(produced) == 0, produced
    finally:
        await graph.write(DROP, {"key": KEY})


async def test_an_artist_selling_little_falls_back_to_expanding(graph: Graph) -> None:
    n, _ = await sizes(graph)
    try:
        await make(graph, [1 if i == 3 else 0 for i in range(n)])
        keys, produced = await profiled(graph, LIMIT)
        assert keys == [f"{KEY}-0003"] == await expected(graph, LIMIT)
        assert expanded_rows(produced) == n + 1, produced  # and the album's credit
    finally:
        await graph.write(DROP, {"key": KEY})


async def test_ties_at_the_edge_of_the_read_are_not_taken_for_the_answer(graph: Graph) -> None:
    # Every track of the artist ties the last entry the try reads: which of them the read reached
    # is the index's business, and the smallest key may not be among them.
    n, scan = await sizes(graph)
    edge = (await graph.read(NTH_POPULARITY, {"n": scan - 1}))[0]["v"]
    try:
        await make(graph, [edge] * n)
        keys, _ = await profiled(graph, LIMIT)
        assert keys == [f"{KEY}-0000"] == await expected(graph, LIMIT)
        rows = (await pages.pages(graph, [PageRequest("tracks", {"artist": KEY}, "POPULARITY", True, None, 3)]))[0]
        assert [r["key"] for r in rows.rows] == await expected(graph, 3)
    finally:
        await graph.write(DROP, {"key": KEY})
