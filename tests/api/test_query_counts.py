"""No N+1: the Cypher a storefront query costs depends on its depth, never on how much it lists."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from api.ids import to_global
from tests.conftest import GraphQL

ALBUM_PAGE = """
query($ids: [ID!]!) {
  nodes(ids: $ids) {
    ... on Album {
      title releaseDate trackCount durationMs availableIn(territory: "GB")
      releaseType explicit copyright phonographicCopyright popularity territories worldwide
      artist { name } label { name } genres { name }
      offers(territory: "GB") { format price { amount currency } }
      tracks {
        title durationMs availableIn(territory: "GB") isrc explicit popularity discNumber trackNumber
        offers(territory: "GB") { format sizeBytes price { amount currency } }
        artists { name } genre { name }
      }
    }
  }
}
"""
ARTIST_PAGE = """
query($first: Int!) {
  artists(first: $first, orderBy: {field: POPULARITY, direction: DESC}) {
    totalCount
    edges {
      node {
        name
        albums(first: 10) { totalCount edges { node { title trackCount genres { name } label { name } } } }
        topTracks(territory: "US", first: 5) { title album { title } offers(territory: "US") { format } }
      }
    }
  }
}
"""
SEARCH = """
query($first: Int!) {
  search(query: "lov", first: $first) {
    totalCount
    edges {
      score
      node {
        __typename
        ... on Artist { name albums(first: 3) { edges { node { title } } } }
        ... on Album { title artist { name } trackCount }
        ... on Track { title album { title artist { name } } offers(territory: "DE") { format } }
      }
    }
  }
}
"""
GENRE_PAGE = """
query($id: ID!, $first: Int!, $after: String) {
  node(id: $id) {
    ... on Genre {
      name
      albums(first: $first, after: $after) {
        totalCount
        pageInfo { endCursor hasNextPage }
        edges { node { title artist { name } genres { name } offers(territory: "FR") { format } } }
      }
    }
  }
}
"""
BESTSELLERS = """
query($first: Int!) {
  bestsellers(territory: "US", first: $first) {
    rank units
    track { title genre { name } artists { name } album { title artist { name } label { name } } }
  }
}
"""


async def cost(gql: GraphQL, query: str, variables: dict[str, Any]) -> tuple[float, dict[str, Any]]:
    body = await gql(query, variables)
    assert "errors" not in body, body
    data: dict[str, Any] = body["data"]  # type: ignore[assignment]
    return gql.last_cypher, data


async def genre_page_three(gql: GraphQL, first: int) -> tuple[float, dict[str, Any]]:
    genre = to_global("Genre", "rock")
    after = None
    for _ in range(2):
        _, data = await cost(gql, GENRE_PAGE, {"id": genre, "first": first, "after": after})
        after = data["node"]["albums"]["pageInfo"]["endCursor"]
    return await cost(gql, GENRE_PAGE, {"id": genre, "first": first, "after": after})


@pytest.mark.parametrize("name", ["album page", "artist page", "search", "genre page 3", "bestsellers"])
async def test_cypher_count_is_bounded_by_depth(gql: GraphQL, name: str) -> None:
    async def run(n: int) -> tuple[float, dict[str, Any]]:
        if name == "album page":
            return await cost(gql, ALBUM_PAGE, {"ids": [to_global("Album", str(k)) for k in range(1, n + 1)]})
        if name == "artist page":
            return await cost(gql, ARTIST_PAGE, {"first": n})
        if name == "search":
            return await cost(gql, SEARCH, {"first": n})
        if name == "genre page 3":
            return await genre_page_three(gql, n)
        return await cost(gql, BESTSELLERS, {"first": n})

    # The album page lists albums by id; the cost limit prices each album's tracks, so fewer.
    small, small_data = await run(1 if name == "album page" else 2)
    large, large_data = await run(8 if name == "album page" else 30)
    assert small == large, (name, small, large)
    assert small <= 8, (name, small)
    assert len(str(large_data)) > 5 * len(str(small_data))


STOREFRONT_ALBUM = """
query($id: ID!) {
  node(id: $id) {
    ... on Album {
      id title releaseDate artist { id name } releaseType explicit copyright phonographicCopyright
      popularity territories worldwide
      tracks { id title durationMs trackNumber discNumber isrc explicit popularity offers(territory: "US") { format price { amount currency } } }
    }
  }
}
"""


def sent_by_name() -> dict[str, float]:
    """tunegraph_cypher_queries_total per query name."""
    from prometheus_client import REGISTRY

    return {
        s.labels["query"]: s.value
        for metric in REGISTRY.collect() if metric.name == "tunegraph_cypher_queries"
        for s in metric.samples if s.name.endswith("_total")
    }


@pytest.mark.parametrize(("compiled", "read"), [(False, "album_pages_by_keys"), (True, "album_node")])
async def test_storefront_album_page_is_one_cypher_query(
    gql: GraphQL, plain_client: httpx.AsyncClient, compiled: bool, read: str
) -> None:
    before = sent_by_name()
    cypher, data = await cost(gql if compiled else GraphQL(plain_client), STOREFRONT_ALBUM,
                              {"id": to_global("Album", "1")})
    after = sent_by_name()
    assert cypher == 1
    assert after.get(read, 0) - before.get(read, 0) == 1
    album = data["node"]
    assert album["artist"]["name"] == "AC/DC"
    assert [t["trackNumber"] for t in album["tracks"]] == list(range(1, 11))
    assert all(t["offers"] and t["offers"][0]["price"]["currency"] == "USD" for t in album["tracks"])


async def test_album_without_children_reads_only_its_own_row(plain_client: httpx.AsyncClient) -> None:
    before = sent_by_name()  # the executor's lookahead (a compiled plan reads what it asks for: test_compiled)
    cypher, data = await cost(GraphQL(plain_client), "query($id: ID!) { node(id: $id) { ... on Album { title } } }",
                              {"id": to_global("Album", "1")})
    after = sent_by_name()
    assert cypher == 1
    assert data["node"]["title"] == "For Those About To Rock We Salute You"
    assert after.get("albums_by_keys", 0) - before.get("albums_by_keys", 0) == 1
    assert after.get("album_pages_by_keys", 0) == before.get("album_pages_by_keys", 0)
