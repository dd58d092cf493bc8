"""An album page in one read: albums by key with their credited artists and their tracks."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from graph.catalog import ALBUM_MAP, TRACK_MAP, AlbumRow, ArtistRow, TrackRow
from graph.driver import Cypher, Graph

# The same row shapes as ALBUMS_BY_KEYS, ALBUM_ARTISTS and ALBUM_TRACKS, so the result primes their loaders.
ALBUM_PAGES_BY_KEYS = Cypher(
    "album_pages_by_keys",
    f"""
    UNWIND $keys AS k
    MATCH (a:Album {{key: k}})
    RETURN k AS key, {ALBUM_MAP} AS row,
      COLLECT {{ MATCH (a)-[b:BY]->(n:Artist) WITH n, b ORDER BY b.position RETURN n{{.*}} }} AS artists,
      COLLECT {{
        MATCH (t:Track)-[:ON_ALBUM]->(a) WITH a, t ORDER BY t.discNumber, t.trackNumber, t.key RETURN {TRACK_MAP}
      }} AS tracks
    """,
)


@dataclass(frozen=True, slots=True)
class AlbumPage:
    """An album's row, its artists (main first) and its tracks (disc, then track order)."""

    row: AlbumRow
    artists: list[ArtistRow]
    tracks: list[TrackRow]


async def album_pages(graph: Graph, keys: Sequence[str]) -> list[AlbumPage | None]:
    """One AlbumPage per key, in the keys' order, None where there is no such album."""
    found = {
        r["key"]: AlbumPage(r["row"], r["artists"], r["tracks"])
        for r in await graph.read(ALBUM_PAGES_BY_KEYS, {"keys": list(set(keys))})
    }
    return [found.get(k) for k in keys]
