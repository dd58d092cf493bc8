"""The five canonical storefront queries, and the catalog samples that feed their variables."""

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
    data = _data(client, f"{{ {root}(first: 100) {{ edges {{ node {{ id }} }} }} }}")
    ids = [e["node"]["id"] for e in data[root]["edges"]]
    if not ids:
        raise SetupError(f"the catalog has no {root}")
    return ids


def _prefixes(client: httpx.Client) -> list[dict[str, Any]]:
    data = _data(client, "{ tracks(first: 100) { edges { node { title } } } }")
    words = [w for e in data["tracks"]["edges"] for w in e["node"]["title"].split() if len(w) >= 6 and w.isalpha()]
    if not words:
        raise SetupError("no track titles to type")
    # what a user types: 3 letters, then 6 letters of the same word
    return [{"q": p} for w in words[:50] for p in (w[:3].lower(), w[:6].lower())]


def _page_three(client: httpx.Client) -> list[dict[str, Any]]:
    genres = _data(client, "{ genres { id albums(first: 1) { totalCount } } }")["genres"]
    if not genres:
        raise SetupError("the catalog has no genres")
    genre = max(genres, key=lambda g: g["albums"]["totalCount"])
    first = max(1, min(20, genre["albums"]["totalCount"] // 3))
    after = None
    for _ in range(2):
        page = _data(client, GENRE_PAGE, {"id": genre["id"], "first": first, "after": after})
        after = page["node"]["albums"]["pageInfo"]["endCursor"]
    return [{"id": genre["id"], "first": first, "after": after}]


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
