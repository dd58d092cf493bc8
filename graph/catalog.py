"""Named, batched catalog reads: nodes by key, their children, and every genre."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from graph.driver import Cypher, Graph

Row = dict[str, Any]

# Every read of a node returns the same map shape, so any loader can prime another.
ALBUM_MAP = "a{.*, labelKey: [(a)-[:RELEASED_BY]->(l:Label) | l.key][0]}"
TRACK_MAP = "t{.*, albumKey: a.key, genreKey: [(t)-[:IN_GENRE]->(g:Genre) | g.key][0]}"

ARTISTS_BY_KEYS = Cypher(
    "artists_by_keys", "UNWIND $keys AS k MATCH (n:Artist {key: k}) RETURN k AS key, n{.*} AS row"
)
ALBUMS_BY_KEYS = Cypher(
    "albums_by_keys",
    f"UNWIND $keys AS k MATCH (a:Album {{key: k}}) RETURN k AS key, {ALBUM_MAP} AS row",
)
TRACKS_BY_KEYS = Cypher(
    "tracks_by_keys",
    f"UNWIND $keys AS k MATCH (t:Track {{key: k}})-[:ON_ALBUM]->(a:Album) "
    f"RETURN k AS key, {TRACK_MAP} AS row",
)
GENRES_BY_KEYS = Cypher(
    "genres_by_keys", "UNWIND $keys AS k MATCH (n:Genre {key: k}) RETURN k AS key, n{.*} AS row"
)
LABELS_BY_KEYS = Cypher(
    "labels_by_keys", "UNWIND $keys AS k MATCH (n:Label {key: k}) RETURN k AS key, n{.*} AS row"
)
ALL_GENRES = Cypher("all_genres", "MATCH (n:Genre) RETURN n{.*} AS row ORDER BY n.name, n.key")

ALBUM_TRACKS = Cypher(
    "album_tracks",
    f"""
    UNWIND $keys AS k
    MATCH (t:Track)-[:ON_ALBUM]->(a:Album {{key: k}})
    WITH k, a, t ORDER BY t.discNumber, t.trackNumber, t.key
    RETURN k AS key, collect({TRACK_MAP}) AS rows
    """,
)
ALBUM_ARTISTS = Cypher(
    "album_artists",
    """
    UNWIND $keys AS k
    MATCH (:Album {key: k})-[b:BY]->(n:Artist)
    WITH k, n, b ORDER BY b.position
    RETURN k AS key, collect(n{.*}) AS rows
    """,
)
TRACK_ARTISTS = Cypher(
    "track_artists",
    """
    UNWIND $keys AS k
    MATCH (:Track {key: k})-[b:BY]->(n:Artist)
    WITH k, n, b ORDER BY b.position
    RETURN k AS key, collect(n{.*}) AS rows
    """,
)
ALBUM_GENRES = Cypher(
    "album_genres",
    """
    UNWIND $keys AS k
    MATCH (:Album {key: k})-[r:IN_GENRE]->(n:Genre)
    WITH k, n, r ORDER BY r.position
    RETURN k AS key, collect(n{.*}) AS rows
    """,
)


async def rows_by_key(graph: Graph, query: Cypher, keys: Sequence[str]) -> list[Row | None]:
    """One row per key, in the keys' order, None where there is no such node."""
    found = {r["key"]: r["row"] for r in await graph.read(query, {"keys": list(set(keys))})}
    return [found.get(k) for k in keys]


async def children_by_key(graph: Graph, query: Cypher, keys: Sequence[str]) -> list[list[Row]]:
    """The ordered child rows of each key, in the keys' order."""
    found = {r["key"]: r["rows"] for r in await graph.read(query, {"keys": list(set(keys))})}
    return [found.get(k, []) for k in keys]


async def all_genres(graph: Graph) -> list[Row]:
    """Every genre, by name."""
    return [r["row"] for r in await graph.read(ALL_GENRES)]
