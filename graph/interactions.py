"""Purchase history as (customer, track, units) for training, and the artist groups a model's tracks form."""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection

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
# A page of artists at a time in key order, so no one read outlasts a transaction timeout at a million tracks.
ARTIST_TRACKS = Cypher(
    "artist_tracks",
    """
    MATCH (x:Artist) WHERE x.key > $after
    WITH x ORDER BY x.key LIMIT $page
    RETURN x.key AS artist, COLLECT { MATCH (x)<-[:BY]-(t:Track) RETURN t.key } AS tracks
    """,
)
PAGE = 10_000


async def purchase_triples(graph: Graph) -> AsyncIterator[tuple[str, str, float]]:
    """Every (customer key, track key, units bought) of the store."""
    async for user, item, units in graph.stream(PURCHASE_TRIPLES):
        yield str(user), str(item), float(units)


async def purchase_baskets(graph: Graph) -> AsyncIterator[tuple[str, list[str]]]:
    """Each customer with purchases and the track keys they bought, streamed customer by customer."""
    async for user, items in graph.stream_values(PURCHASE_BASKETS):
        yield user, items


async def artist_tracks(graph: Graph, wanted: Collection[str] | None = None) -> dict[str, list[str]]:
    """Track keys credited to each artist (read page by page), keeping only `wanted` tracks if given."""
    groups: dict[str, list[str]] = {}
    after = ""
    while True:
        rows = await graph.read(ARTIST_TRACKS, {"after": after, "page": PAGE})
        for r in rows:
            kept = [str(t) for t in r["tracks"] if wanted is None or t in wanted]
            if kept:
                groups[str(r["artist"])] = kept
        if len(rows) < PAGE:
            return groups
        after = str(rows[-1]["artist"])
