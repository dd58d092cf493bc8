"""The five canonical storefront queries (and recommendations, for the soak), and the samples that feed them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx

ALBUM_PAGE = """query AlbumPage($id: ID!) { node(id: $id) { ... on Album {
  id title releaseDate artist { id name }
  tracks { id title durationMs trackNumber offers(territory: "US") { format price { amount currency } } }
} } }"""

ARTIST_PAGE = """query ArtistPage($id: ID!) { node(id: $id) { ... on Artist {
  id name
  albums(first: 20) { totalCount edges { node { id title releaseDate trackCount } } }
  topTracks(first: 10) { id title }
} } }"""

SEARCH = """query Search($q: String!) { search(query: $q, first: 10) { edges { score node {
  __typename ... on Artist { id name } ... on Album { id title } ... on Track { id title }
} } } }"""

GENRE_PAGE = """query GenrePage($id: ID!, $first: Int!, $after: String) { node(id: $id) { ... on Genre {
  name albums(first: $first, after: $after) { pageInfo { hasNextPage endCursor } edges { node { id title } } }
} } }"""

BESTSELLERS = """query Bestsellers($territory: String!) { bestsellers(territory: $territory, first: 20) {
  rank units track { id title album { id title } }
} }"""

RECOMMEND = """query Recommend($seeds: [ID!]!) { recommend(seeds: $seeds, first: 10, territory: "US") {
  score track { id title album { id title } } because { id title }
} }"""


@dataclass
class Scenario:
    """A named query and the variable sets its requests cycle through (or why it could not be set up)."""

    name: str
    query: str
    variables: list[dict[str, Any]] = field(default_factory=list)
    setup_error: str | None = None


class SetupError(Exception):
    """The catalog could not provide what a scenario needs."""


def _data(client: httpx.Client, query: str, variables: dict[str, Any] | None = None) -> Any:
    body = client.post("/graphql", json={"query": query, "variables": variables or {}}).json()
    if body.get("errors"):
        raise SetupError("; ".join(e.get("message", "?") for e in body["errors"]))
    return body["data"]


def _ids(client: httpx.Client, root: str) -> list[str]:
    # The best sellers: where a storefront's traffic goes, spread over the catalog, index-ordered.
    order = "{field: POPULARITY, direction: DESC}"
    data = _data(client, f"{{ {root}(first: 100, orderBy: {order}) {{ edges {{ node {{ id }} }} }} }}")
    ids = [e["node"]["id"] for e in data[root]["edges"]]
    if not ids:
        raise SetupError(f"the catalog has no {root}")
    return ids


def _prefixes(client: httpx.Client) -> list[dict[str, Any]]:
    query = "{ tracks(first: 100, orderBy: {field: POPULARITY, direction: DESC}) { edges { node { title } } } }"
    data = _data(client, query)
    titles = [e["node"]["title"] for e in data["tracks"]["edges"]]
    words = list(dict.fromkeys(w.lower() for t in titles for w in t.split() if len(w) >= 6 and w.isalpha()))
    if not words:
        raise SetupError("no track titles to type")
    # what a user types: 3 letters, then 6 letters of the same word
    return [{"q": p} for w in words[:50] for p in (w[:3], w[:6])]


GENRE_PAGE_SIZE = 20
GENRES_PAGED = 4


def _page_three(client: httpx.Client) -> list[dict[str, Any]]:
    """Page 3 of the first genres (by name) that have one: pages 1 and 2 walked, no counts."""
    genres = _data(client, "{ genres { id } }")["genres"]
    if not genres:
        raise SetupError("the catalog has no genres")
    chosen: list[dict[str, Any]] = []
    for genre in genres:
        after = None
        for _ in range(2):
            page = _data(client, GENRE_PAGE, {"id": genre["id"], "first": GENRE_PAGE_SIZE, "after": after})
            albums = page["node"]["albums"]
            after = albums["pageInfo"]["endCursor"]
        if albums["pageInfo"]["hasNextPage"]:
            chosen.append({"id": genre["id"], "first": GENRE_PAGE_SIZE, "after": after})
        if len(chosen) == GENRES_PAGED:
            break
    if not chosen:
        raise SetupError(f"no genre has more than {2 * GENRE_PAGE_SIZE} albums")
    return chosen


def _scenario(name: str, query: str, sample: Any) -> Scenario:
    try:
        return Scenario(name, query, sample())
    except (SetupError, httpx.HTTPError, KeyError, TypeError) as exc:
        return Scenario(name, query, setup_error=f"{type(exc).__name__}: {exc}")


def scenarios(base_url: str) -> list[Scenario]:
    """The five scenarios with variables sampled from the running API's catalog."""
    with httpx.Client(base_url=base_url, timeout=30) as client:
        return [
            _scenario("album page", ALBUM_PAGE, lambda: [{"id": i} for i in _ids(client, "albums")]),
            _scenario("artist page", ARTIST_PAGE, lambda: [{"id": i} for i in _ids(client, "artists")]),
            _scenario("search as you type", SEARCH, lambda: _prefixes(client)),
            _scenario("genre page 3", GENRE_PAGE, lambda: _page_three(client)),
            _scenario("bestsellers", BESTSELLERS, lambda: [{"territory": t} for t in ("US", "GB", "DE", "FR")]),
        ]


def recommendations(base_url: str) -> Scenario:
    """'You may also like' for a basket of one or two best-selling tracks (the model must be trained)."""

    def baskets(client: httpx.Client) -> list[dict[str, Any]]:
        tracks = _ids(client, "tracks")
        return [{"seeds": tracks[i : i + 1 + i % 2]} for i in range(len(tracks))]

    with httpx.Client(base_url=base_url, timeout=30) as client:
        return _scenario("recommendations", RECOMMEND, lambda: baskets(client))


def catalog_size(base_url: str) -> dict[str, int]:
    """How many artists, albums and tracks the API lists (count-store figures, cheap at any size)."""
    query = "{ artists(first: 0) { totalCount } albums(first: 0) { totalCount } tracks(first: 0) { totalCount } }"
    try:
        with httpx.Client(base_url=base_url, timeout=30) as client:
            data = _data(client, query)
    except (SetupError, httpx.HTTPError, KeyError, TypeError):
        return {}
    return {name: int(data[name]["totalCount"]) for name in ("artists", "albums", "tracks")}
