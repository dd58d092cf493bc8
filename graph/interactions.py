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
# One row per customer, their purchased track keys (a key twice for two units): few, large rows
# stream far faster than a row per purchase, and nothing is aggregated over the whole store.
PURCHASE_BASKETS = Cypher(
    "purchase_baskets",
    """
    MATCH (c:Customer)
    CALL (c) {
      MATCH (c)-[:MADE]->(:Purchase)-[:LINE]->(t:Track)
      RETURN collect(t.key) AS items
    }
    WITH c, items WHERE size(items) > 0
    RETURN c.key AS user, items
    """,
)
ARTIST_TRACK_PAIRS = Cypher(
    "artist_track_pairs",
    "MATCH (x:Artist)<-[:BY]-(t:Track) RETURN x.key AS artist, t.key AS track",
)
CUSTOMER_TRACKS = Cypher(
    "customer_tracks",
    """
    UNWIND $keys AS k
    MATCH (:Customer {key: k})-[:MADE]->(p:Purchase)-[:LINE]->(t:Track)
    WITH k, t, max(p.purchasedAt) AS last ORDER BY last DESC, t.key
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
TRACK_SALE_KEYS = Cypher(
    "track_sale_keys",
    """
    UNWIND $keys AS k
    MATCH (t:Track {key: k})-[:ON_ALBUM]->(a:Album)
    RETURN k AS key, {key: k, albumKey: a.key, offers: size(coalesce(t.offerFormats, []))} AS row
    """,
)
# Label and genre neighbours are walked album by album (far fewer than tracks) and only to
# recent releases, so a big genre costs its recent albums, not its whole back catalogue.
NEIGHBOURS = Cypher(
    "catalog_neighbours",
    """
    UNWIND $keys AS k
    CALL (k) {
      MATCH (seed:Track {key: k})-[:ON_ALBUM]->(a:Album)
      CALL (seed, a) {
        MATCH (a)<-[:ON_ALBUM]-(t:Track) WHERE t <> seed RETURN t, 3 AS affinity
        UNION
        MATCH (a)-[:BY]->(:Artist)<-[:BY]-(other:Album)<-[:ON_ALBUM]-(t:Track)
        WHERE other <> a RETURN t, 3 AS affinity
        UNION
        MATCH (a)-[:RELEASED_BY]->(:Label)<-[:RELEASED_BY]-(other:Album)
        WHERE other <> a AND other.releaseDate >= date() - duration('P60D')
        MATCH (other)<-[:ON_ALBUM]-(t:Track) RETURN t, 2 AS affinity
        UNION
        MATCH (a)-[:IN_GENRE]->(:Genre)<-[:IN_GENRE]-(other:Album)
        WHERE other <> a AND other.releaseDate >= date() - duration('P60D')
        MATCH (other)<-[:ON_ALBUM]-(t:Track) RETURN t, 1 AS affinity
      }
      WITH t, max(affinity) AS affinity
      MATCH (t)-[:ON_ALBUM]->(ta:Album)
      ORDER BY affinity DESC, coalesce(ta.releaseDate, date('0001-01-01')) DESC,
               coalesce(t.popularity, 0) DESC, t.key
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


async def purchase_baskets(graph: Graph) -> AsyncIterator[tuple[str, list[str]]]:
    """Each customer with purchases and the track keys they bought, streamed customer by customer."""
    async for user, items in graph.stream_values(PURCHASE_BASKETS):
        yield user, items


async def artist_tracks(graph: Graph, wanted: set[str] | None = None) -> dict[str, list[str]]:
    """Track keys credited to each artist (streamed), keeping only `wanted` tracks if given."""
    groups: dict[str, list[str]] = {}
    async for artist, track in graph.stream(ARTIST_TRACK_PAIRS):
        if wanted is None or track in wanted:
            groups.setdefault(str(artist), []).append(str(track))
    return groups


async def keys_by(graph: Graph, query: Cypher, keys: Sequence[str]) -> list[list[str]]:
    """Track keys per key for one of the key-list queries above, in the keys' order."""
    return [[r["key"] for r in rows] for rows in await children_by_key(graph, query, keys)]


async def neighbours(graph: Graph, track_keys: Sequence[str], limit: int) -> list[list[Row]]:
    """Catalog neighbours of each track as {key, affinity} rows, strongest and newest first.

    Affinity 3: same album or artist; 2: a release of the same label in the last 60 days;
    1: a release of the same genre in the last 60 days.
    """
    params = {"keys": list(set(track_keys)), "limit": limit}
    found = {r["key"]: r["rows"] for r in await graph.read(NEIGHBOURS, params)}
    return [found.get(k, []) for k in track_keys]
