"""search(): ranked, typo tolerant, diacritics folded, safe against Lucene syntax, paged."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from typing import Any

import pytest

from graph.discovery import SEARCH_QUERIES, SEARCH_TYPES, lucene_query, words
from graph.driver import Graph
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


async def test_search_is_one_query(gql: GraphQL) -> None:
    await search(gql, "love", first=1)
    small = gql.last_cypher
    await search(gql, "love", first=100)
    assert small == gql.last_cypher == 1


async def test_ranking_reads_no_property_of_hits_off_the_page(graph: Graph) -> None:
    # A typed prefix can match tens of thousands of titles: only the page's rows are read.
    params = {"lucene": lucene_query("a"), "offset": 0, "limit": 5}
    async with graph.driver.session(database=graph.database) as session:
        result = await session.run("PROFILE " + SEARCH_QUERIES[SEARCH_TYPES].text, params)
        total = (await result.single(strict=True))["total"]
        summary = await result.consume()
    assert summary.profile is not None

    def hits(plan: Any) -> int:
        return int(plan.get("dbHits", 0)) + sum(hits(c) for c in plan.get("children", []))

    assert total > 100
    assert hits(summary.profile) < 100
