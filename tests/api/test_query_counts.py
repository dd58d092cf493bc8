"""No N+1: the Cypher a storefront query costs depends on its depth, never on how much it lists."""

from __future__ import annotations

from typing import Any

import pytest

from api.ids import to_global
from tests.conftest import GraphQL

ALBUM_PAGE = """
query($ids: [ID!]!) {
  nodes(ids: $ids) {
    ... on Album {
      title releaseDate trackCount durationMs availableIn(territory: "GB")
      artist { name } label { name } genres { name }
      offers(territory: "GB") { format price { amount currency } }
      tracks {
        title durationMs availableIn(territory: "GB")
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
