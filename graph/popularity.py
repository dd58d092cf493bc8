"""Popularity recounted from the purchase lines, once after a bulk load of purchase history.

A track's popularity is its units sold (its LINE relationships), an album's the sum of its tracks'
and an artist's the sum of the albums credited to them: what `ADD_POPULARITY` adds up purchase by
purchase. A history import skips those increments (rewriting three indexed properties per line
was a third of its Neo4j time) and recounts the tracks it sold, then their albums and artists.
The recount sets absolute values, so an import killed before it is repaired by running it again.
"""

from __future__ import annotations

from collections.abc import Iterable

from graph.bulk_rows import Rows
from graph.driver import Cypher, Graph

KEYS_PER_TRANSACTION = 10_000

# Each level returns the keys of the next one up; only changed values are written (and re-indexed).
RECOUNT_TRACKS = Cypher(
    "recount_tracks",
    """
    CYPHER replan=skip
    UNWIND $keys AS k
    MATCH (t:Track {key: k})
    CALL (t) {
      WITH t, COUNT { (t)<-[:LINE]-() } AS units
      WHERE t.popularity IS NULL OR t.popularity <> units
      SET t.popularity = units
    }
    MATCH (t)-[:ON_ALBUM]->(a:Album)
    RETURN DISTINCT a.key AS key
    """,
)
RECOUNT_ALBUMS = Cypher(
    "recount_albums",
    """
    CYPHER replan=skip
    UNWIND $keys AS k
    MATCH (a:Album {key: k})
    CALL (a) {
      MATCH (a)<-[:ON_ALBUM]-(t:Track)
      WITH a, sum(t.popularity) AS units
      WHERE a.popularity IS NULL OR a.popularity <> units
      SET a.popularity = units
    }
    MATCH (a)-[:BY]->(x:Artist)
    RETURN DISTINCT x.key AS key
    """,
)
RECOUNT_ARTISTS = Cypher(
    "recount_artists",
    """
    CYPHER replan=skip
    UNWIND $keys AS k
    MATCH (x:Artist {key: k})
    CALL (x) {
      MATCH (x)<-[:ALBUM_BY]-(a:Album)
      WITH x, sum(a.popularity) AS units
      WHERE x.popularity IS NULL OR x.popularity <> units
      SET x.popularity = units
    }
    RETURN count(*) AS artists
    """,
)


def _chunks(keys: Iterable[str]) -> list[Rows]:
    ordered = sorted(set(keys))
    return [Rows(ordered[i : i + KEYS_PER_TRANSACTION]) for i in range(0, len(ordered), KEYS_PER_TRANSACTION)]


async def _recount(graph: Graph, query: Cypher, keys: Iterable[str]) -> set[str]:
    """Run one level's recount over `keys`, a transaction per chunk; the keys of the next level up."""
    above: set[str] = set()
    for chunk in _chunks(keys):
        above.update(row["key"] for row in await graph.write(query, {"keys": chunk}) if "key" in row)
    return above


async def recount_popularity(graph: Graph, track_keys: Iterable[str]) -> None:
    """Set the popularity of these tracks, then of their albums and those albums' artists, from the lines."""
    albums = await _recount(graph, RECOUNT_TRACKS, track_keys)
    artists = await _recount(graph, RECOUNT_ALBUMS, albums)
    await _recount(graph, RECOUNT_ARTISTS, artists)
