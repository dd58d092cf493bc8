"""Named, batched catalog reads: nodes by key, their children, and every genre."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Required, TypedDict, TypeVar, cast

from graph.driver import Cypher, Graph

Row = dict[str, Any]
"""A row read without a declared shape (per-query maps that only their own module reads)."""
R = TypeVar("R", bound=Mapping[str, Any])

# The shapes of the node rows below (graph/MODEL.md lists every property). Functional syntax: the keys
# are the graph's camelCase property names. Every key but `key` may be absent from an older node.
class ArtistRow(TypedDict, total=False):
    key: Required[str]
    name: str
    popularity: int
    searchJoined: str
    searchInitial: str
    searchStart: str
class AlbumRow(TypedDict, total=False):
    key: Required[str]
    title: str
    upc: str | None
    type: str
    releaseDate: Any
    currency: str
    territories: list[str]
    rightsStart: Any
    rightsEnd: Any
    royaltyRate: str
    offerFormats: list[str]
    offerPrices: list[str]
    priceLists: str
    priceFallback: bool
    trackCount: int
    durationMs: int
    popularity: int
    contentHash: str
    fieldDigests: list[str]
    updatedAt: Any
    explicit: bool
    labelKey: str | None
    copyright: str
    phonographicCopyright: str
    searchJoined: str
    searchInitial: str
    searchStart: str
class TrackRow(TypedDict, total=False):
    key: Required[str]
    title: str
    isrc: str | None
    durationMs: int
    discNumber: int
    trackNumber: int
    composer: str | None
    explicit: bool
    offerFormats: list[str]
    offerPrices: list[str]
    offerSizes: list[int]
    popularity: int
    updatedAt: Any
    albumKey: str
    genreKey: str | None
    searchJoined: str
    searchInitial: str
    searchStart: str


class NamedRow(TypedDict):
    """A Genre or a Label: key and name."""

    key: str
    name: str

# Every read of a node returns the same map shape, so any loader can prime another. The instant a
# release changed travels as its ISO text, read back only when a field asks for it (`row_instant`):
# the driver's decoding of a DateTime cost more client CPU than the rest of a row.
ALBUM_MAP = "a{.*, updatedAt: toString(a.updatedAt), labelKey: [(a)-[:RELEASED_BY]->(l:Label) | l.key][0]}"
TRACK_MAP = ("t{.*, updatedAt: toString(t.updatedAt), albumKey: a.key, "
             "genreKey: [(t)-[:IN_GENRE]->(g:Genre) | g.key][0]}")


def row_instant(value: Any) -> datetime | None:
    """An instant of a row: as the driver gave it, or from the ISO text the catalog maps carry."""
    return datetime.fromisoformat(value) if isinstance(value, str) else value

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


async def rows_by_key(graph: Graph, query: Cypher, keys: Sequence[str], shape: type[R]) -> list[R | None]:
    """One row per key, in the keys' order, None where there is no such node; `shape` is the query's row type."""
    found = {r["key"]: r["row"] for r in await graph.read(query, {"keys": list(set(keys))})}
    return cast(list[R | None], [found.get(k) for k in keys])


async def children_by_key(graph: Graph, query: Cypher, keys: Sequence[str], shape: type[R]) -> list[list[R]]:
    """The ordered child rows of each key, in the keys' order; `shape` is the query's row type."""
    found = {r["key"]: r["rows"] for r in await graph.read(query, {"keys": list(set(keys))})}
    return cast(list[list[R]], [found.get(k, []) for k in keys])


async def all_genres(graph: Graph) -> list[NamedRow]:
    """Every genre, by name."""
    return [r["row"] for r in await graph.read(ALL_GENRES)]
