"""`tunegraph import synthetic`: the generated store lands whole, twice changes nothing, same seed same graph,
and a load killed mid-way (SIGKILL) continues where it stopped when run again, doubling nothing."""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from typing import Any

import pytest

from graph import territory_sales
from graph.driver import Cypher, Graph
from graph.importers import synthetic
from graph.importers.synthetic_checkpoint import import_key
from graph.importers.synthetic_data import SyntheticStore, generate
from graph.slug import slugify
from settings import PROJECT_ROOT

SEED = 4_104_017
TODAY = date(2026, 6, 1)
KILLED_SEED = 4_104_019
KILLED_TRACKS = 3_000
KILLED_KEY = import_key(KILLED_TRACKS, KILLED_SEED, KILLED_TRACKS // 10, KILLED_TRACKS * 5)

TALLIED = Cypher(
    "test_synthetic_tallied",
    "UNWIND $albums AS k MATCH (t:Track)-[:ON_ALBUM]->(:Album {key: k}) "
    "MATCH (s:TerritorySales {track: t.key}) RETURN sum(s.units) AS units",
)
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
    CALL () { UNWIND $albums AS k MATCH (t:Track)-[:ON_ALBUM]->(:Album {key: k})
              MATCH (s:TerritorySales {track: t.key}) DELETE s }
    CALL () { UNWIND $albums AS k MATCH (a:Album {key: k})
              OPTIONAL MATCH (t:Track)-[:ON_ALBUM]->(a) DETACH DELETE t, a }
    CALL () { UNWIND $parties AS k MATCH (x:Artist|Label {key: k}) WHERE NOT (x)--() DELETE x }
    CALL () { UNWIND $genres AS k MATCH (g:Genre {key: k}) WHERE NOT (g)--() DELETE g }
    """,
)


CHECKPOINT = Cypher(
    "test_synthetic_checkpoint",
    """
    OPTIONAL MATCH (x:SyntheticImport {key: $key})
    RETURN x.today AS today, x.releases AS releases, x.customers AS customers, x.purchases AS purchases,
           x.popularity AS popularity, x.finishedAt IS NOT NULL AS finished
    """,
)
DELETE_CHECKPOINT = Cypher("test_synthetic_delete_checkpoint", "MATCH (x:SyntheticImport {key: $key}) DELETE x")


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
    assert await territory_sales.complete(graph)  # charts by territory read the tallies, not every line
    tallied = await graph.read(TALLIED, keys(store))
    assert tallied[0]["units"] == store.line_count

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


def import_command(*extra: str) -> list[str]:
    """`tunegraph import synthetic` of the killed store, checkpointed every 100 records."""
    return [sys.executable, str(PROJECT_ROOT / "cli.py"), "import", "synthetic", "--tracks", str(KILLED_TRACKS),
            "--seed", str(KILLED_SEED), "--checkpoint-every", "100", *extra]


@pytest.fixture
async def killed_store(graph: Graph) -> AsyncIterator[None]:
    """A clean key space for the killed store (and its checkpoint), before and after."""

    async def clean() -> None:
        row = (await graph.read(CHECKPOINT, {"key": KILLED_KEY}))[0]
        for today in {row["today"] or TODAY, datetime.now(UTC).date()}:
            await graph.write(DELETE_STORE, keys(generate(KILLED_TRACKS, KILLED_SEED, today=today)))
        await graph.write(DELETE_CHECKPOINT, {"key": KILLED_KEY})

    await clean()
    yield
    await clean()


async def test_a_killed_import_continues_where_it_stopped_and_doubles_nothing(
    graph: Graph, killed_store: None
) -> None:
    first = await asyncio.create_subprocess_exec(
        *import_command(), cwd=PROJECT_ROOT, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL
    )
    for _ in range(6_000):  # a generous bound (10 minutes): the kill comes in the purchase history
        checkpoint = (await graph.read(CHECKPOINT, {"key": KILLED_KEY}))[0]
        if (checkpoint["purchases"] or 0) > 0 or first.returncode is not None:
            break
        await asyncio.sleep(0.1)
    first.send_signal(signal.SIGKILL)
    assert await first.wait() == -signal.SIGKILL
    at_kill = (await graph.read(CHECKPOINT, {"key": KILLED_KEY}))[0]
    store = generate(KILLED_TRACKS, KILLED_SEED, today=at_kill["today"])
    partial = await counts(graph, store)
    assert not at_kill["finished"]
    assert at_kill["releases"] == store.release_count
    assert at_kill["customers"] == store.customer_count
    assert 0 < at_kill["purchases"] < store.purchase_count
    assert partial["albums"] == store.release_count
    assert partial["purchases"] < store.purchase_count

    second = await asyncio.create_subprocess_exec(
        *import_command(), cwd=PROJECT_ROOT, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL
    )
    output = (await second.communicate())[0].decode()

    assert second.returncode == 0, output
    assert f"resumed after {store.release_count} releases, {store.customer_count} customers" in output
    got = await counts(graph, store)
    assert got["albums"] == store.release_count
    assert got["tracks"] == store.track_count
    assert got["customers"] == store.customer_count
    assert (got["purchases"], got["lines"]) == (store.purchase_count, store.line_count)
    assert got["trackUnits"] == got["albumUnits"] == store.line_count
    assert (got["albumLinks"], got["trackLinks"]) == (partial["albumLinks"], partial["trackLinks"])
    done = (await graph.read(CHECKPOINT, {"key": KILLED_KEY}))[0]
    assert done["finished"]
    assert done["purchases"] == store.purchase_count
    assert done["popularity"] == store.track_count

    third = await asyncio.create_subprocess_exec(*import_command(), cwd=PROJECT_ROOT, stdout=asyncio.subprocess.PIPE)
    assert "already imported" in (await third.communicate())[0].decode()
    assert await counts(graph, store) == got
