"""Purchase history as (customer, track, units) for the recommender, and item lookups around it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence

from graph.catalog import Row, children_by_key
from graph.driver import Cypher, Graph

PURCHASE_TRIPLES = Cypher(
    "purchase_triples",
    """
    MATCH (c:Customer)-[:MADE]->(:Purchase)-[l:LINE]->(t:Track)
    RETURN c.key AS user, t.key AS item, count(l) AS units
    """,
)
CUSTOMER_TRACKS = Cypher(
    "customer_tracks",
    """
    UNWIND $keys AS k
    MATCH (:Customer {key: k})-[:MADE]->(p:Purchase)-[:LINE]->(t:Track)
    WITH k, t, max(p.purchasedAt) AS last ORDER BY last DESC
    RETURN k AS key, collect(t{.key}) AS rows
    """,
)
ALBUM_TRACK_KEYS = Cypher(
    "album_track_keys",
    """
    UNWIND $keys AS k
    MATCH (t:Track)-[:ON_ALBUM]->(:Album {key: k})
    WITH k, t ORDER BY t.discNumber, t.trackNumber
    RETURN k AS key, collect(t{.key}) AS rows
    """,
)
ARTIST_TRACK_KEYS = Cypher(
    "artist_track_keys",
    """
    UNWIND $keys AS k
    MATCH (:Artist {key: k})<-[:BY]-(t:Track)
    RETURN k AS key, collect(t{.key}) AS rows
    """,
)
NEIGHBOURS = Cypher(
    "catalog_neighbours",
    """
    UNWIND $keys AS k
    CALL (k) {
      MATCH (seed:Track {key: k})-[:ON_ALBUM]->(a:Album)
      CALL (seed, a) {
        MATCH (a)<-[:ON_ALBUM]-(t:Track) WHERE t <> seed RETURN t, 3 AS affinity
        UNION
        MATCH (a)-[:BY]->(:Artist)<-[:BY]-(:Album)<-[:ON_ALBUM]-(t:Track) WHERE t <> seed RETURN t, 3 AS affinity
        UNION
        MATCH (a)-[:RELEASED_BY]->(:Label)<-[:RELEASED_BY]-(other:Album)<-[:ON_ALBUM]-(t:Track)
        WHERE other.releaseDate >= date() - duration('P60D') RETURN t, 2 AS affinity
        UNION
        MATCH (seed)-[:IN_GENRE]->(:Genre)<-[:IN_GENRE]-(t:Track)-[:ON_ALBUM]->(other:Album)
        WHERE other.releaseDate >= date() - duration('P60D') RETURN t, 1 AS affinity
      }
      WITH t, max(affinity) AS affinity
      ORDER BY affinity DESC, coalesce(t.popularity, 0) DESC, t.key
      LIMIT $limit
      RETURN collect({key: t.key, affinity: affinity}) AS rows
    }
    RETURN k AS key, rows
    """,
)


async def purchase_triples(graph: Graph) -> AsyncIterator[tuple[str, str, float]]:
    """Every (customer key, track key, units bought) of the store."""
    async for user, item, units in graph.stream(PURCHASE_TRIPLES):
        yield str(user), str(item), float(units)


async def keys_by(graph: Graph, query: Cypher, keys: Sequence[str]) -> list[list[str]]:
    """Track keys per key for one of the key-list queries above, in the keys' order."""
    return [[r["key"] for r in rows] for rows in await children_by_key(graph, query, keys)]


async def neighbours(graph: Graph, track_keys: Sequence[str], limit: int) -> list[list[Row]]:
    """Catalog neighbours of each track (same album and artist, recent same label or genre)."""
    found = {r["key"]: r["rows"] for r in await graph.read(NEIGHBOURS, {"keys": list(set(track_keys)), "limit": limit})}
    return [found.get(k, []) for k in track_keys]
