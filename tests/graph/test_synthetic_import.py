"""`tunegraph import synthetic`: the generated store lands whole, twice changes nothing, same seed same graph."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import pytest

from graph.driver import Cypher, Graph
from graph.importers import synthetic
from graph.importers.synthetic_data import SyntheticStore, generate
from graph.slug import slugify

SEED = 4_104_017
TODAY = date(2026, 6, 1)

COUNTS = Cypher(
    "test_synthetic_counts",
    """
    CALL () { UNWIND $albums AS k MATCH (a:Album {key: k})
              RETURN count(a) AS albums, sum(a.popularity) AS albumUnits }
    CALL () { UNWIND $albums AS k MATCH (t:Track)-[:ON_ALBUM]->(:Album {key: k})
              RETURN count(t) AS tracks, sum(t.popularity) AS trackUnits }
    CALL () { UNWIND $albums AS k MATCH (:Album {key: k})-[r:BY|IN_GENRE|RELEASED_BY]->()
              RETURN count(r) AS albumLinks }
    CALL () { UNWIND $albums AS k MATCH (t:Track)-[:ON_ALBUM]->(:Album {key: k})
              MATCH (t)-[r:BY|IN_GENRE]->() RETURN count(r) AS trackLinks }
    CALL () { MATCH (c:Customer) WHERE c.key STARTS WITH $customers RETURN count(c) AS customers }
    CALL () { MATCH (p:Purchase) WHERE p.key STARTS WITH $purchases
              OPTIONAL MATCH (p)-[l:LINE]->(:Track)
              RETURN count(DISTINCT p) AS purchases, count(l) AS lines }
    RETURN albums, albumUnits, tracks, trackUnits, albumLinks, trackLinks, customers, purchases, lines
    """,
)
DELETE_STORE = Cypher(
    "test_synthetic_delete",
    """
    CALL () { MATCH (p:Purchase) WHERE p.key STARTS WITH $purchases DETACH DELETE p }
    CALL () { MATCH (c:Customer) WHERE c.key STARTS WITH $customers DETACH DELETE c }
    CALL () { UNWIND $albums AS k MATCH (a:Album {key: k})
              OPTIONAL MATCH (t:Track)-[:ON_ALBUM]->(a) DETACH DELETE t, a }
    CALL () { UNWIND $parties AS k MATCH (x:Artist|Label {key: k}) WHERE NOT (x)--() DELETE x }
    CALL () { UNWIND $genres AS k MATCH (g:Genre {key: k}) WHERE NOT (g)--() DELETE g }
    """,
)


def keys(store: SyntheticStore) -> dict[str, Any]:
    """The parameters naming everything a store writes."""
    releases = list(store.iter_releases())
    parties = {a.key for r in releases for t in r.tracks for a in t.artists}
    parties |= {a.key for r in releases for a in r.artists} | {r.label.key for r in releases if r.label}
    return {
        "albums": [r.key for r in releases],
        "parties": sorted(parties),
        "genres": [slugify(g) for g in store.genre_names],
        "customers": f"syn{store.seed}-c",
        "purchases": f"syn{store.seed}-p",
    }


@pytest.fixture
async def store(graph: Graph) -> AsyncIterator[SyntheticStore]:
    made = generate(300, SEED, today=TODAY)
    await graph.write(DELETE_STORE, keys(made))  # a clean key space, even after an interrupted run
    yield made
    await graph.write(DELETE_STORE, keys(made))


async def counts(graph: Graph, store: SyntheticStore) -> dict[str, Any]:
    """What of the store is in the graph."""
    params = keys(store)
    return (await graph.read(COUNTS, params))[0]


async def test_store_lands_whole_and_twice_changes_nothing(graph: Graph, store: SyntheticStore) -> None:
    report = await synthetic.load(graph, store, quiet=True)

    got = await counts(graph, store)
    assert report.releases.created == store.release_count
    assert report.purchases == store.purchase_count
    assert got["albums"] == store.release_count
    assert got["tracks"] == store.track_count
    assert got["customers"] == store.customer_count
    assert (got["purchases"], got["lines"]) == (store.purchase_count, store.line_count)
    assert got["trackUnits"] == got["albumUnits"] == store.line_count

    again = await synthetic.load(graph, store, quiet=True)

    assert again.releases.unchanged == store.release_count
    assert again.purchases == 0
    assert await counts(graph, store) == got


async def test_same_seed_gives_the_same_graph(graph: Graph, store: SyntheticStore) -> None:
    await synthetic.load(graph, store, quiet=True)
    first = await counts(graph, store)
    await graph.write(DELETE_STORE, keys(store))
    assert (await counts(graph, store))["albums"] == 0

    twin = generate(300, SEED, today=TODAY)
    await synthetic.load(graph, twin, quiet=True)

    assert keys(twin) == keys(store)
    assert await counts(graph, twin) == first
