"""search(): ranked, typo tolerant, diacritics folded, safe against Lucene syntax, paged."""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph import discovery
from graph.discovery import SEARCH_DEPTH, SEARCH_QUERIES, SEARCH_TYPES, lucene_query, words
from graph.driver import CYPHER_QUERIES, Graph
from graph.release import PartyRef, Release
from tests.api import releases
from tests.conftest import GraphQL

SEARCH = """
query($q: String!, $types: [SearchType!], $first: Int, $after: String) {
  search(query: $q, types: $types, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage endCursor }
    edges {
      cursor score
      node {
        __typename
        ... on Artist { id name }
        ... on Album { id title }
        ... on Track { id title }
      }
    }
  }
}
"""


async def search(gql: GraphQL, q: str, **variables: Any) -> dict[str, Any]:
    body = await gql(SEARCH, {"q": q, **variables})
    assert "errors" not in body, body
    result: dict[str, Any] = body["data"]["search"]  # type: ignore[index]
    return result


def label(edge: dict[str, Any]) -> str:
    node = edge["node"]
    return str(node.get("name") or node.get("title"))


@pytest.fixture(scope="module")
async def beyonce(graph: Graph) -> AsyncIterator[str]:
    prefix = releases.new_prefix("search")
    await releases.write(graph, [releases.release(prefix, "lemonade", artist="Beyoncé")])
    yield prefix
    await releases.remove(graph, prefix)


TIE_WORD = "qz" + uuid.uuid4().hex[:6]
"""A word no other title has: the tie fixture's hits are all its hits."""


def _tied(prefix: str, n: int, titles: list[str], artist: str) -> Release:
    base = releases.release(prefix, f"tie{n}", tracks=len(titles))
    by = (PartyRef(f"{prefix}artist-tie{n}", artist),)
    tracks = tuple(replace(t, title=title, artists=by) for t, title in zip(base.tracks, titles, strict=True))
    return replace(base, title=titles[0], artists=by, tracks=tracks)


def _tie_releases(prefix: str, draft: bool) -> list[Release]:
    # Mostly the bare word (equal scores in every index), some longer titles (lower, equal among themselves).
    word = TIE_WORD.capitalize()
    out = []
    for n in range(6):
        titles = [word] * 7 + [f"{word} Song", f"Some {word} Song Here"]
        artist = word if n < 4 else f"{word} Band"
        out.append(_tied(prefix, n, [f"Draft {n} {i}" for i in range(len(titles))] if draft else titles, artist))
    return out


@pytest.fixture(scope="module")
async def ties(graph: Graph) -> AsyncIterator[str]:
    prefix = releases.new_prefix("ties")
    await releases.write(graph, _tie_releases(prefix, draft=True))
    # Retitled last-created first: Lucene's own order of equal scores then differs from element ids.
    await releases.write(graph, _tie_releases(prefix, draft=False)[::-1])
    yield TIE_WORD
    await releases.remove(graph, prefix)


async def test_typo_finds_the_artist_first(gql: GraphQL) -> None:
    result = await search(gql, "led zepelin")
    first = result["edges"][0]["node"]
    assert (first["__typename"], first["name"]) == ("Artist", "Led Zeppelin")


async def test_search_as_you_type_prefix(gql: GraphQL) -> None:
    result = await search(gql, "metalli", types=["ARTIST"])
    assert label(result["edges"][0]) == "Metallica"


async def test_diacritics_fold_both_ways(gql: GraphQL, beyonce: str) -> None:
    for typed in ("beyonce", "BEYONCÉ", "Beyoncé"):
        result = await search(gql, typed, types=["ARTIST"])
        assert [label(e) for e in result["edges"]][:1] == ["Beyoncé"], typed


async def test_types_narrow_the_union(gql: GraphQL, sqlite: sqlite3.Connection) -> None:
    everything = await search(gql, "iron maiden", first=100)
    kinds = {e["node"]["__typename"] for e in everything["edges"]}
    assert kinds == {"Artist", "Album", "Track"}
    for only, typename in (("ARTIST", "Artist"), ("ALBUM", "Album"), ("TRACK", "Track")):
        narrowed = await search(gql, "iron maiden", types=[only], first=100)
        assert {e["node"]["__typename"] for e in narrowed["edges"]} == {typename}
        expected = [e["node"]["id"] for e in everything["edges"] if e["node"]["__typename"] == typename]
        assert [e["node"]["id"] for e in narrowed["edges"]][: len(expected)] == expected
    tracks = sqlite.execute("SELECT count(*) FROM Track WHERE Name = 'Iron Maiden'").fetchone()[0]
    exact = [e for e in everything["edges"] if e["node"]["__typename"] == "Track"
             and e["node"]["title"] == "Iron Maiden"]
    assert len(exact) == tracks


async def test_scores_descend(gql: GraphQL) -> None:
    result = await search(gql, "love", first=100)
    scores = [e["score"] for e in result["edges"]]
    assert scores
    assert scores == sorted(scores, reverse=True)


@pytest.mark.parametrize(
    "typed",
    ['"', 'love"', "love~", "*", "lo*ve", "AND", "love AND", "OR NOT", "(", "love)", "\\", "a\\b",
     "title:love", "[1 TO 5]", "{", "^2", "!", "/regex/", "&&", "||", "  ", "", "-", "+love", "🎸", "_"],
)
async def test_user_typed_lucene_syntax_never_breaks(gql: GraphQL, typed: str) -> None:
    result = await search(gql, typed)
    assert result["totalCount"] >= len(result["edges"])


def test_query_is_made_of_plain_words_only() -> None:
    assert words('AC/DC "Back~ in* (Black)\\') == ["ac", "dc", "back", "in", "black"]
    assert lucene_query("(zeppelin") == lucene_query("zeppelin") == "(zeppelin^4 OR zeppelin*^2 OR zeppelin~2)"
    assert lucene_query("zeppeli") == "(zeppeli^4 OR zeppeli*^2 OR zeppeli~1)"  # two typos from 8 letters
    assert lucene_query("zep") == "(zep^4 OR zep*^2)"
    assert lucene_query("zep", titles=True) == "(title:(zep^4 OR zep*^2) OR searchJoined:zep^4)"
    assert lucene_query("( \\ ~ *") is None


async def test_paging_visits_every_hit_once(gql: GraphQL) -> None:
    whole = await search(gql, "rock", first=100)
    total = whole["totalCount"]
    assert total > 15
    seen: list[str] = []
    after = None
    while True:
        page = await search(gql, "rock", first=7, after=after)
        assert page["totalCount"] == total
        seen += [e["node"]["id"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert len(seen) == total
    assert len(set(seen)) == total
    assert seen[:100] == [e["node"]["id"] for e in whole["edges"]]


async def test_bad_cursor_and_first_are_client_errors(gql: GraphQL) -> None:
    for variables in ({"after": "nonsense"}, {"first": 101}, {"first": -1}):
        body = await gql(SEARCH, {"q": "rock", **variables})
        errors: list[dict[str, Any]] = body["errors"]  # type: ignore[assignment]
        assert errors[0]["extensions"]["code"] == "BAD_REQUEST"


def sent(name: str) -> float:
    """How many queries of this name the process has sent."""
    return float(CYPHER_QUERIES.labels(name)._value.get())


PAGE = """
query($q: String!, $first: Int, $after: String) {
  search(query: $q, first: $first, after: $after) {
    pageInfo { hasNextPage endCursor }
    edges { cursor score node { __typename ... on Artist { id } ... on Album { id } ... on Track { id } } }
  }
}
"""


async def test_search_is_one_query(gql: GraphQL, ties: str) -> None:
    for q in ("love", ties, ties[:3]):
        for first in (1, 100):
            before = sent("search")
            await search(gql, q, first=first)  # asks totalCount
            assert gql.last_cypher == 1
            body = await gql(PAGE, {"q": q, "first": first})
            assert "errors" not in body, body
            assert gql.last_cypher == 1
            assert sent("search") == before + 2


async def walk(gql: GraphQL, q: str, first: int, query: str) -> list[tuple[str, float]]:
    """(id, score) of every hit, page by page."""
    seen: list[tuple[str, float]] = []
    after = None
    while True:
        body = await gql(query, {"q": q, "first": first, "after": after})
        assert "errors" not in body, body
        page = body["data"]["search"]  # type: ignore[index]
        seen += [(e["node"]["id"], e["score"]) for e in page["edges"]]
        assert len(page["edges"]) == first or not page["pageInfo"]["hasNextPage"]
        if not page["pageInfo"]["hasNextPage"]:
            return seen
        after = page["pageInfo"]["endCursor"]


@pytest.mark.parametrize("first", [1, 3, 7, 9])
async def test_pages_without_a_count_walk_the_counted_order(gql: GraphQL, ties: str, first: int) -> None:
    for q in (ties, f"{ties} song", "lov"):
        counted = await walk(gql, q, first, SEARCH)
        windowed = await walk(gql, q, first, PAGE)
        assert len(counted) > 3 * first
        assert windowed == counted, q
        assert len({i for i, _ in windowed}) == len(windowed)


async def test_the_last_page_has_no_next(gql: GraphQL, ties: str) -> None:
    total = (await search(gql, ties))["totalCount"]
    assert total == 6 * 9 + 6 + 4 + 2  # tracks, albums, the word's artists (4 share one name) and the bands
    for first in (total - 1, total, total + 1):
        body = await gql(PAGE, {"q": ties, "first": first})
        page = body["data"]["search"]  # type: ignore[index]
        assert len(page["edges"]) == min(first, total)
        assert page["pageInfo"]["hasNextPage"] == (first < total)


TYPE_SETS = list(SEARCH_QUERIES)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    which=st.sampled_from(["word", "prefix", "two words", "rock", "a", "lov"]),
    types=st.sampled_from(TYPE_SETS),
    offset=st.integers(0, 80),
    limit=st.integers(0, 12),
)
async def test_windowed_pages_equal_the_whole_ranking(
    graph: Graph, ties: str, which: str, types: tuple[str, ...], offset: int, limit: int
) -> None:
    q = {"word": ties, "prefix": ties[:4], "two words": f"{ties} band"}.get(which, which)
    whole = await discovery.search(graph, q, types, 0, 10_000, count=True)
    assert whole.total == len(whole.hits)
    page = await discovery.search(graph, q, types, offset, limit)
    assert page.total is None
    assert page.hits == whole.hits[offset: offset + limit]
    assert page.more == (offset + limit < len(whole.hits))


async def test_each_index_is_read_only_to_the_depth(graph: Graph, ties: str) -> None:
    # However many hits tie (a typed prefix can share one score with 300,000 titles), no index
    # gives more than the depth, and every page of one search reads the same hits.
    async def most_rows(q: str, depth: int) -> int:
        """The most rows any operator of the search query produced."""
        params = query_params(q, offset=0, limit=2, depth=depth)
        async with graph.driver.session(database=graph.database) as session:
            result = await session.run("PROFILE " + SEARCH_QUERIES[SEARCH_TYPES].text, params)
            summary = await result.consume()
        assert summary.profile is not None
        return max(int(op["rows"]) for op in operators(summary.profile) if op.get("rows") is not None)

    for q in ("love", ties):
        whole = await discovery.search(graph, q, SEARCH_TYPES, 0, 1_000, count=True)
        assert whole.total is not None
        assert whole.total > 3 * 12
        for depth in (1, 5, 12):
            assert await most_rows(q, depth) <= 3 * depth, (q, depth)
        assert await most_rows(q, whole.total) >= whole.total / 3  # what the bound is measured against


async def test_the_ranking_holds_the_best_hits_of_each_type_to_the_depth(graph: Graph, ties: str) -> None:
    for q in (ties, "love", "ro", ties[:4]):
        whole = (await discovery.search(graph, q, SEARCH_TYPES, 0, 1_000, count=True)).hits
        for depth in (1, 4, 7):
            capped = await discovery.search(graph, q, SEARCH_TYPES, 0, 1_000, count=True, depth=depth)
            assert capped.total == len(capped.hits) == sum(min(depth, sum(h.type == t for h in whole))
                                                           for t in SEARCH_TYPES)
            for t in SEARCH_TYPES:
                kept = [h.score for h in capped.hits if h.type == t]
                left = [h.score for h in whole if h.type == t and h not in capped.hits]
                assert not kept or not left or min(kept) >= max(left), (q, depth, t)
            walked = []
            for offset in range(0, capped.total + 1, 3):
                page = await discovery.search(graph, q, SEARCH_TYPES, offset, 3, depth=depth)
                assert page.more == (offset + 3 < capped.total)
                walked += page.hits
            assert walked == capped.hits, (q, depth)


async def test_total_count_is_what_pages_reach(gql: GraphQL, graph: Graph) -> None:
    every = await discovery.search(graph, "s", ["TRACK"], 0, 10, count=True, depth=10 * SEARCH_DEPTH)
    assert every.total is not None
    assert every.total > SEARCH_DEPTH  # more tracks start with "s" than are listed
    result = await search(gql, "s", types=["TRACK"], first=100)
    assert result["totalCount"] == SEARCH_DEPTH
    listed = [e["node"]["id"] for e in result["edges"]]
    for _ in range(2):
        result = await search(gql, "s", types=["TRACK"], first=100, after=result["pageInfo"]["endCursor"])
        listed += [e["node"]["id"] for e in result["edges"]]
    assert len(set(listed)) == SEARCH_DEPTH
    assert not result["pageInfo"]["hasNextPage"]
    last = await gql('query { search(query: "s", types: [TRACK], last: 3) { edges { node { ... on Track { id } } } } }')
    assert [e["node"]["id"] for e in last["data"]["search"]["edges"]] == listed[-3:]  # type: ignore[index]


def query_params(q: str, **page: int) -> dict[str, Any]:
    """The parameters `discovery.search` gives SEARCH_QUERIES for this text and page."""
    return {"lucene": lucene_query(q), "titles": lucene_query(q, titles=True), **page}


def operators(plan: Any) -> list[Any]:
    """Every operator of a plan tree."""
    return [plan] + [op for child in plan.get("children", []) for op in operators(child)]


async def test_ranking_reads_no_property_of_hits_off_the_page(graph: Graph) -> None:
    # A typed prefix can match tens of thousands of titles: only the page's rows are read.
    params = query_params("a", offset=0, limit=5, depth=SEARCH_DEPTH)
    async with graph.driver.session(database=graph.database) as session:
        result = await session.run("PROFILE " + SEARCH_QUERIES[SEARCH_TYPES].text, params)
        total = (await result.single(strict=True))["total"]
        summary = await result.consume()
    assert summary.profile is not None

    def hits(plan: Any) -> int:
        return int(plan.get("dbHits", 0)) + sum(hits(c) for c in plan.get("children", []))

    assert total > 100
    assert hits(summary.profile) < 100


BACK = """
query($q: String!, $last: Int, $before: String, $first: Int, $after: String) {
  search(query: $q, last: $last, before: $before, first: $first, after: $after) {
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor score node { __typename ... on Artist { id } ... on Album { id } ... on Track { id } } }
  }
}
"""


async def walk_back(gql: GraphQL, q: str, last: int) -> list[tuple[str, float]]:
    """(id, score) of every hit, page by page backward from the last, in ranking order."""
    pages: list[list[tuple[str, float]]] = []
    before = None
    while True:
        body = await gql(BACK, {"q": q, "last": last, "before": before})
        assert "errors" not in body, body
        page = body["data"]["search"]  # type: ignore[index]
        assert page["pageInfo"]["hasNextPage"] is (before is not None)
        pages.append([(e["node"]["id"], e["score"]) for e in page["edges"]])
        if not page["pageInfo"]["hasPreviousPage"]:
            return [hit for p in reversed(pages) for hit in p]
        assert len(page["edges"]) == last
        before = page["pageInfo"]["startCursor"]


@pytest.mark.parametrize("last", [1, 4, 9])
async def test_search_pages_backward_through_the_same_ranking(gql: GraphQL, ties: str, last: int) -> None:
    for q in (ties, "lov"):
        forward = await walk(gql, q, 7, PAGE)
        assert len(forward) > 3 * last
        assert await walk_back(gql, q, last) == forward, q


async def test_search_between_cursors_from_either_end(gql: GraphQL, ties: str) -> None:
    whole = (await gql(BACK, {"q": ties, "first": 100}))["data"]["search"]["edges"]  # type: ignore[index]
    ids, cursors = [e["node"]["id"] for e in whole], [e["cursor"] for e in whole]
    between = {"q": ties, "after": cursors[3], "before": cursors[20]}
    for arg, size in (("first", 5), ("last", 5), ("first", 50), ("last", 50)):
        page = (await gql(BACK, {**between, arg: size}))["data"]["search"]  # type: ignore[index]
        want = ids[4:20][:size] if arg == "first" else ids[4:20][-size:]
        assert [e["node"]["id"] for e in page["edges"]] == want, (arg, size)
        assert (page["pageInfo"]["hasPreviousPage"], page["pageInfo"]["hasNextPage"]) == (True, True)
    tail = (await gql(BACK, {"q": ties, "after": cursors[-3], "last": 10}))["data"]["search"]  # type: ignore[index]
    assert [e["node"]["id"] for e in tail["edges"]] == ids[-2:]
    refused = await gql(BACK, {"q": ties, "last": 3, "first": 3})
    assert refused["errors"][0]["extensions"]["argument"] == "last"  # type: ignore[index]
