"""Catalog page and count queries: index-backed plans, per-filter text, batched = single answers."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from typing import Any

import pytest

from graph import pages
from graph.driver import Cypher, Graph
from graph.pages import PageRequest

SORTED_LISTS = [(e.name, sort) for e in (pages.ARTIST, pages.ALBUM, pages.TRACK) for sort in e.sorts]
INDEX_OPERATORS = {"NodeIndexScan", "NodeIndexSeekByRange"}
CURSOR_VALUE: dict[str, Any] = {"NAME": "M", "TITLE": "M", "RELEASE_DATE": date(2000, 1, 1), "POPULARITY": 0, "DURATION": 0}
FULL_SORTS = {"Sort", "Top", "NodeByLabelScan"}
MISSING_SORT_VALUE = {
    "artists": "MATCH (n:Artist) WHERE n.name IS NULL OR n.popularity IS NULL RETURN count(n) AS n",
    "albums": "MATCH (n:Album) WHERE n.title IS NULL OR n.releaseDateSort IS NULL OR n.popularity IS NULL "
    "RETURN count(n) AS n",
    "tracks": "MATCH (n:Track) WHERE n.title IS NULL OR n.durationMs IS NULL OR n.popularity IS NULL "
    "RETURN count(n) AS n",
}


def operators(plan: Any) -> Iterator[str]:
    """Every operator of a plan tree, without its runtime suffix."""
    yield str(plan["operatorType"]).split("@")[0]
    for child in plan.get("children", []):
        yield from operators(child)


async def plan_of(graph: Graph, query: Cypher, params: dict[str, Any]) -> set[str]:
    """The operators Neo4j plans for a query (EXPLAIN: nothing runs)."""
    async with graph.driver.session(database=graph.database) as session:
        summary = await (await session.run("EXPLAIN " + query.text, params)).consume()
    assert summary.plan is not None
    return set(operators(summary.plan))


# (after, before, backward): first; first after; last; last before; between two cursors, either end.
CURSOR_MODES = {
    "first": (False, False, False), "after": (True, False, False), "last": (False, False, True),
    "before": (False, True, True), "between": (True, True, False), "between-last": (True, True, True),
}


def cursor_params(sort: str, after: bool, before: bool) -> dict[str, Any]:
    cursor = {"v": CURSOR_VALUE[sort], "k": "0"}
    return {"after": cursor if after else None, "before": cursor if before else None}


@pytest.mark.parametrize("mode", list(CURSOR_MODES))
@pytest.mark.parametrize("desc", [False, True], ids=["asc", "desc"])
@pytest.mark.parametrize(("entity", "sort"), SORTED_LISTS)
async def test_unfiltered_pages_read_the_sort_index_in_order(
    graph: Graph, entity: str, sort: str, desc: bool, mode: str
) -> None:
    after, before, backward = CURSOR_MODES[mode]
    query = pages.page_query(entity, "all", frozenset(), sort, desc, after, False, before, backward)
    ops = await plan_of(graph, query, {"f": {}, **cursor_params(sort, after, before), "limit": 21})
    assert ops & INDEX_OPERATORS, ops
    assert not ops & FULL_SORTS, ops


@pytest.mark.parametrize("entity", list(pages.ENTITIES))
async def test_unfiltered_count_is_the_count_store(graph: Graph, entity: str) -> None:
    ops = await plan_of(graph, pages.count_query(entity, "all", frozenset(), False), {"f": {}})
    assert "NodeCountFromCountStore" in ops, ops


@pytest.mark.parametrize("entity", list(pages.ENTITIES))
async def test_every_listed_node_has_its_sort_values(graph: Graph, entity: str) -> None:
    # The index-backed order skips nulls, so the write path must leave none.
    assert (await graph.read(Cypher("t_missing_sort", MISSING_SORT_VALUE[entity])))[0]["n"] == 0


def test_query_text_holds_only_the_set_filters() -> None:
    keys = pages.set_keys("albums", {"genre": "rock", "title": None, "territory": "DE", "nope": 1})
    assert keys == frozenset({"genre", "territory"})
    text = pages.page_query("albums", "genre", keys, "TITLE", False, False, False).text
    assert not re.search(r"\$f\.\w+ IS NULL", text)
    assert "$f.territory" in text
    assert "$f.title" not in text
    assert "EXISTS { (a)-[:IN_GENRE]" not in text  # the scope's own filter is the MATCH


async def test_batched_pages_equal_single_pages(graph: Graph) -> None:
    artists = await graph.read(
        Cypher("t_busy_artists", "MATCH (x:Artist)<-[:BY]-(:Album) WITH x, count(*) AS c "
               "ORDER BY c DESC, x.key LIMIT 3 RETURN x.key AS key")
    )
    requests = [PageRequest("albums", {"artist": r["key"]}, "TITLE", False, None, 3) for r in artists]
    together = await pages.pages(graph, requests)
    alone = [(await pages.pages(graph, [r]))[0] for r in requests]
    assert together == alone
    assert all(page.rows for page in together)
    totals = await pages.counts(graph, [("albums", r.filter) for r in requests])
    assert totals == [(await pages.counts(graph, [("albums", r.filter)]))[0] for r in requests]
    assert all(total >= len(page.rows) for total, page in zip(totals, together, strict=True))


async def test_release_date_order_lists_undated_albums_as_year_one(graph: Graph) -> None:
    undated = await graph.read(
        Cypher("t_undated", "MATCH (a:Album) WHERE a.releaseDate IS NULL RETURN count(a) AS n, "
               "all(x IN collect(a.releaseDateSort) WHERE x = date('0001-01-01')) AS year_one")
    )
    assert undated[0]["year_one"]
    total = (await pages.counts(graph, [("albums", {})]))[0]
    page = (await pages.pages(graph, [PageRequest("albums", {}, "RELEASE_DATE", True, None, total)]))[0]
    assert len(page.rows) == total
    assert sum(1 for row in page.rows if row.get("releaseDate") is None) == undated[0]["n"]


@pytest.mark.parametrize(
    ("entity", "scope"), [(e.name, scope) for e in (pages.ALBUM, pages.TRACK) for scope in e.scopes]
)
async def test_batched_pages_expand_from_each_parent(graph: Graph, entity: str, scope: str) -> None:
    query = pages.page_query(entity, scope, frozenset({scope}), "TITLE", False, False, True)
    ops = await plan_of(graph, query, {"requests": [], "limit": 21})
    assert "NodeUniqueIndexSeek" in ops, ops
    assert not ops & {"NodeIndexScan", "NodeIndexSeekByRange", "NodeByLabelScan"}, ops


ONE_PARENT = [(e.name, scope, sort) for e in (pages.ALBUM, pages.TRACK) for scope in e.scopes for sort in e.sorts]
PARENTS = {
    "genre": "MATCH (p:Genre) RETURN p.key AS key",
    "label": "MATCH (p:Label) RETURN p.key AS key",
    "artist": "MATCH (p:Artist)<-[:BY]-() WITH p, count(*) AS n ORDER BY n DESC, p.key RETURN p.key AS key LIMIT 4",
    "album": "MATCH (p:Album) RETURN p.key AS key ORDER BY p.key LIMIT 4",
}


async def parent_keys(graph: Graph, scope: str) -> list[str]:
    """Every genre and label, the busiest artists and a few albums."""
    return [r["key"] for r in await graph.read(Cypher("t_parents", PARENTS[scope]))]


@pytest.mark.parametrize("mode", list(CURSOR_MODES))
@pytest.mark.parametrize("desc", [False, True], ids=["asc", "desc"])
@pytest.mark.parametrize(("entity", "scope", "sort"), ONE_PARENT)
async def test_one_parent_pages_seek_the_sort_index_or_expand(
    graph: Graph, entity: str, scope: str, sort: str, desc: bool, mode: str
) -> None:
    after, before, backward = CURSOR_MODES[mode]
    query = pages.page_query(entity, scope, frozenset({scope}), sort, desc, after, False, before, backward)
    ops = await plan_of(graph, query, {"f": {scope: "x"}, **cursor_params(sort, after, before), "limit": 21})
    assert "NodeIndexSeekByRange" in ops, ops
    assert "Expand(All)" in ops, ops
    assert not ops & {"NodeIndexScan", "NodeByLabelScan", "AllNodesScan"}, ops


@pytest.mark.parametrize(("entity", "scope", "sort"), ONE_PARENT)
async def test_one_parent_pages_equal_batched_pages(graph: Graph, entity: str, scope: str, sort: str) -> None:
    # Batched pages always expand; a lone page may walk the index instead, with the same rows.
    for key in await parent_keys(graph, scope):
        for desc in (False, True):
            alone = PageRequest(entity, {scope: key}, sort, desc, None, 5)
            other = PageRequest(entity, {scope: key + "-none"}, sort, desc, None, 5)
            first = (await pages.pages(graph, [alone]))[0]
            assert first == (await pages.pages(graph, [alone, other]))[0], (key, desc)
            if len(first.rows) < 5:
                continue
            cursor = (first.values[-1], first.rows[-1]["key"])
            later = PageRequest(entity, {scope: key}, sort, desc, cursor, 5)
            page = (await pages.pages(graph, [later]))[0]
            assert page == (await pages.pages(graph, [later, PageRequest(
                entity, {scope: key + "-none"}, sort, desc, cursor, 5)]))[0], (key, desc, "after")
            assert not {r["key"] for r in page.rows} & {r["key"] for r in first.rows}
            last = PageRequest(entity, {scope: key}, sort, desc, None, 5, cursor, True)
            back = (await pages.pages(graph, [last]))[0]
            assert back == (await pages.pages(graph, [last, replace(last, filter={scope: key + "-none"})]))[0]
            assert back.rows == first.rows[-2::-1], (key, desc, "before")  # the rows before the cursor, last first


async def seek_rows(graph: Graph, query: Cypher, params: dict[str, Any]) -> int:
    """Rows the sort-index seek of a lone page produced (PROFILE)."""
    async with graph.driver.session(database=graph.database) as session:
        summary = await (await session.run("PROFILE " + query.text, params)).consume()
    assert summary.profile is not None
    seeks = [op for op in _plans(summary.profile) if str(op["operatorType"]).startswith("NodeIndexSeekByRange")]
    assert len(seeks) == 1
    return int(seeks[0]["rows"])


async def profiled_hits(graph: Graph, query: Cypher, params: dict[str, Any]) -> int:
    """The db hits of one run of a query (PROFILE)."""
    async with graph.driver.session(database=graph.database) as session:
        summary = await (await session.run("PROFILE " + query.text, params)).consume()
    assert summary.profile is not None
    return sum(int(op.get("dbHits", 0)) for op in _plans(summary.profile))


COUNTED = {
    ("albums", "artist"): "MATCH (:Artist {key: $key})<-[:BY]-(n:Album) RETURN count(n) AS n",
    ("albums", "genre"): "MATCH (:Genre {key: $key})<-[:IN_GENRE]-(n:Album) RETURN count(n) AS n",
    ("albums", "label"): "MATCH (:Label {key: $key})<-[:RELEASED_BY]-(n:Album) RETURN count(n) AS n",
    ("tracks", "artist"): "MATCH (:Artist {key: $key})<-[:BY]-(n:Track) RETURN count(n) AS n",
    ("tracks", "genre"): "MATCH (:Genre {key: $key})<-[:IN_GENRE]-(n:Track) RETURN count(n) AS n",
    ("tracks", "album"): "MATCH (:Album {key: $key})<-[:ON_ALBUM]-(n:Track) RETURN count(n) AS n",
}


@pytest.mark.parametrize(("entity", "scope"), list(COUNTED))
async def test_counts_under_a_parent_are_its_nodes_of_the_kind(graph: Graph, entity: str, scope: str) -> None:
    # Read from degrees where a relationship of the kind's own tells (ALBUM_BY), else counted.
    keys = await parent_keys(graph, scope) + ["no-such-parent"]
    expected = [(await graph.read(Cypher("t_counted", COUNTED[(entity, scope)]), {"key": k}))[0]["n"] for k in keys]
    assert await pages.counts(graph, [(entity, {scope: k}) for k in keys]) == expected
    assert [(await pages.counts(graph, [(entity, {scope: k})]))[0] for k in keys] == expected


def _plans(plan: Any) -> Iterator[Any]:
    yield plan
    for child in plan.get("children", []):
        yield from _plans(child)


async def test_a_lone_page_expands_a_small_genre_and_walks_a_big_one(graph: Graph) -> None:
    degrees = await graph.read(Cypher(
        "t_genre_degrees",
        "MATCH (g:Genre) RETURN g.key AS key, COUNT { (g)<-[:IN_GENRE]-(:Track) } AS d ORDER BY d, key"))
    smallest, biggest = degrees[0], degrees[-1]
    population = (await pages.counts(graph, [("tracks", {})]))[0]
    limit = 1
    walks = [d["d"] ** 2 > limit * population * pages.WALK_FACTOR for d in (smallest, biggest)]
    assert walks == [False, True], (smallest, biggest, population)
    query = pages.page_query("tracks", "genre", frozenset({"genre"}), "TITLE", False, False, False)
    assert await seek_rows(graph, query, {"f": {"genre": smallest["key"]}, "after": None, "limit": limit}) == 0
    assert await seek_rows(graph, query, {"f": {"genre": biggest["key"]}, "after": None, "limit": limit}) > 0

MANY_ALBUMS = Cypher(
    "t_many_albums",
    """
    CREATE (x:Artist {key: $key, name: 'Various', popularity: 0})
    WITH x UNWIND range(1, $n) AS i
    CREATE (a:Album {key: $key + '-' + i, title: 'A' + i, releaseDateSort: date('2000-01-01'), popularity: 0})
    CREATE (a)-[:BY {position: 0}]->(x), (a)-[:ALBUM_BY]->(x)
    """,
)
DROP_MANY_ALBUMS = Cypher(
    "t_drop_many_albums",
    "MATCH (n) WHERE (n:Artist OR n:Album) AND n.key STARTS WITH $key DETACH DELETE n",
)


async def test_an_artist_of_many_albums_and_no_tracks_walks_for_albums_and_reads_no_credit_for_tracks(
    graph: Graph,
) -> None:
    # BY holds an artist's albums and tracks alike: its degree alone would walk the whole track index.
    key, limit = "t-various-many", 1
    tracks = (await pages.counts(graph, [("tracks", {})]))[0]
    n = int((limit * tracks * pages.WALK_FACTOR) ** 0.5) + 50
    await graph.write(MANY_ALBUMS, {"key": key, "n": n})
    try:
        albums = (await pages.counts(graph, [("albums", {})]))[0]
        assert n**2 > limit * albums * pages.WALK_FACTOR
        params = {"f": {"artist": key}, "after": None, "limit": limit}
        track_page = pages.page_query("tracks", "artist", frozenset({"artist"}), "TITLE", False, False, False)
        album_page = pages.page_query("albums", "artist", frozenset({"artist"}), "TITLE", False, False, False)
        assert await seek_rows(graph, track_page, params) == 0
        assert await seek_rows(graph, album_page, params) > 0
        rows = (await pages.pages(graph, [PageRequest("albums", {"artist": key}, "TITLE", False, None, 3)]))[0].rows
        assert [r["key"] for r in rows] == [f"{key}-1", f"{key}-10", f"{key}-100"]
        assert (await pages.pages(graph, [PageRequest("tracks", {"artist": key}, "TITLE", False, None, 3)]))[0].rows == []
        top = pages.page_query("tracks", "artist", frozenset({"artist"}), "POPULARITY", True, False, False)
        assert await profiled_hits(graph, top, params) < n  # its BY holds n album credits and no track's
        assert await pages.counts(graph, [("tracks", {"artist": key}), ("albums", {"artist": key})]) == [0, n]
    finally:
        await graph.write(DROP_MANY_ALBUMS, {"key": key})
