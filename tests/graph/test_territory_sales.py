"""Territory tallies: kept by the purchase write path, equal to counting the lines, read by an ordered index seek."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from graph import charts, territory_sales
from graph.driver import Cypher, Graph
from graph.purchases import Bought, Item, Order, buy
from tests.graph.test_chart_plans import REFERENCE, plan_of
from tests.store_support import Fixtures

DRIFT = Cypher(
    "t_tally_drift",
    """
    MATCH (p:Purchase)-[:LINE]->(t:Track) WHERE p.purchasedAt IS NOT NULL
    WITH p.territory AS territory, t.key AS track, count(*) AS units
    OPTIONAL MATCH (s:TerritorySales {territory: territory, track: track})
    WITH territory, track, units, s WHERE s IS NULL OR s.units <> units
    RETURN count(*) AS drifted
    """,
)
SET_COMPLETE = Cypher("t_tally_complete", "MATCH (m:SalesTally {key: 'territory'}) SET m.complete = $done")


@pytest.fixture
async def shop(graph: Graph) -> AsyncIterator[Fixtures]:
    made = Fixtures(graph)
    yield made
    await made.cleanup()


async def chart(graph: Graph, territory: str, limit: int = 100) -> list[tuple[int, str]]:
    rows = await graph.read(charts.chart_query(True, False, False, False), {
        "territory": territory, "genre": None, "since": None, "until": None, "limit": limit})
    return [(r["units"], r["row"]["key"]) for r in rows]


async def reference(graph: Graph, territory: str, limit: int = 100) -> list[tuple[int, str]]:
    rows = await graph.read(REFERENCE, {"territory": territory, "genre": None, "since": None, "until": None,
                                        "limit": limit})
    return [(r["units"], r["key"]) for r in rows]


async def test_the_history_import_leaves_complete_tallies_equal_to_the_lines(graph: Graph) -> None:
    assert await territory_sales.complete(graph)
    assert (await graph.read(DRIFT))[0]["drifted"] == 0


async def test_a_purchase_moves_its_territory_chart_at_once(graph: Graph, shop: Fixtures) -> None:
    release = await shop.release()
    track = release.tracks[0].key
    before = await chart(graph, "NO")
    for _ in range(3):  # three buyers: past every Chinook track sold in Norway
        customer = await shop.customer("NO")
        bought = await buy(graph, Order(customer, "NO", "k", (Item("Track", track, "MP3_320", "t"),)),
                           datetime.now(UTC))
        assert isinstance(bought, Bought)
    got = await chart(graph, "NO")
    assert got != before
    assert got == await reference(graph, "NO")
    assert (await graph.read(DRIFT))[0]["drifted"] == 0
    assert track in [key for _, key in got]


async def test_incomplete_tallies_are_not_read(graph: Graph) -> None:
    await graph.write(SET_COMPLETE, {"done": False})
    try:
        assert not await territory_sales.complete(graph)
        for territory in ("US", "CA"):
            assert await chart(graph, territory, 7) == await reference(graph, territory, 7)
    finally:
        await graph.write(SET_COMPLETE, {"done": True})


async def test_a_recount_of_sold_tracks_repairs_their_tallies(graph: Graph) -> None:
    # A tally with lines behind it: one whose lines a test took back out is never counted as drift.
    key = (await graph.read(Cypher("t_sold_track", "MATCH (p:Purchase)-[:LINE]->(t:Track) "
                                                  "WHERE p.purchasedAt IS NOT NULL "
                                                  "MATCH (:TerritorySales {territory: p.territory, track: t.key}) "
                                                  "RETURN t.key AS key LIMIT 1")))[0]["key"]
    bump = Cypher("t_tally_bump", "MATCH (s:TerritorySales {track: $k}) SET s.units = s.units + 5")
    await graph.write(bump, {"k": key})
    assert (await graph.read(DRIFT))[0]["drifted"] >= 1
    assert await territory_sales.recount(graph, [key]) == 1
    assert (await graph.read(DRIFT))[0]["drifted"] == 0


async def test_the_tallied_chart_stops_at_its_limit_in_index_order(graph: Graph) -> None:
    ops = await plan_of(graph, charts.chart_query(True, False, False, False),
                        {"territory": "US", "genre": None, "since": None, "until": None, "limit": 20})
    names = [name for name, _ in ops]
    seek = next(i for i, (name, details) in enumerate(ops)
                if name == "NodeIndexSeek" and "TerritorySales(territory, units)" in details and "CASE" in details)
    # Walking the plan tree down from the floor: a Limit straight over the seek (through the existence check),
    # no Sort or Top that would read every tally of the territory first.
    floor = names.index("EagerAggregation")
    assert names[floor + 1] == "Limit"
    assert not {"Sort", "Top", "PartialTop"} & set(names[floor + 1 : seek]), ops
