"""Units sold per track and territory, kept as purchases are written: a territory's chart from an index.

A territory's all-time chart counted from purchase lines reads every line sold there (1.5 s and more at
5M purchased tracks). Where the store keeps tallies, a `TerritorySales {territory, track, units}` node
per track sold in a territory, the chart is a seek down the (territory, units) index instead.

A store keeps them once `recount` has run on it (the history import runs it; a store older than the
tallies runs `tunegraph sales recount` once): it creates the schema, marks the store as tallying (from then on the
purchase write path adds every line), sets every tally from the lines, then marks the tallies complete.
Until they are complete the chart is counted from the lines, as before, in the same query.
"""

from __future__ import annotations

from collections.abc import Iterable

from graph.bulk_rows import Rows
from graph.driver import Cypher, Graph
from settings import Settings

KEYS_PER_TRANSACTION = 2_000

SCHEMA = (
    Cypher("schema", "CREATE CONSTRAINT sales_tally IF NOT EXISTS FOR (m:SalesTally) REQUIRE m.key IS UNIQUE"),
    Cypher("schema", "CREATE CONSTRAINT territory_sales IF NOT EXISTS FOR (s:TerritorySales) "
                     "REQUIRE (s.territory, s.track) IS UNIQUE"),
    Cypher("schema", "CREATE INDEX territory_sales_units IF NOT EXISTS FOR (s:TerritorySales) "
                     "ON (s.territory, s.units)"),
    Cypher("schema_await", "CALL db.awaitIndexes(300)"),
)
START = Cypher("territory_sales_start", "MERGE (m:SalesTally {key: 'territory'}) SET m.complete = false")
FINISH = Cypher("territory_sales_finish", "MATCH (m:SalesTally {key: 'territory'}) SET m.complete = true")
SOLD_TRACKS = Cypher("territory_sales_sold", "MATCH (t:Track) WHERE t.popularity >= 1 RETURN t.key AS key")

# The write path's share: one row per (territory, track) a batch sells, only in a store that tallies.
ADD_UNITS = Cypher(
    "add_territory_units",
    """
    CYPHER replan=skip
    OPTIONAL MATCH (m:SalesTally {key: 'territory'})
    WITH m WHERE m IS NOT NULL
    UNWIND $counts AS c
    MERGE (s:TerritorySales {territory: c.territory, track: c.key})
    ON CREATE SET s.units = 0
    SET s.units = s.units + c.units
    RETURN count(s) AS tallied
    """,
)
# Absolute values from the lines, as the chart counts them (purchases with a time, in a territory).
RECOUNT = Cypher(
    "recount_territory_sales",
    """
    CYPHER replan=skip
    UNWIND $keys AS k
    MATCH (t:Track {key: k})
    CALL (t) {
      MATCH (p:Purchase)-[:LINE]->(t) WHERE p.territory IS NOT NULL AND p.purchasedAt IS NOT NULL
      WITH t, p.territory AS territory, count(*) AS units
      MERGE (s:TerritorySales {territory: territory, track: t.key})
      SET s.units = units
    }
    RETURN count(t) AS tracks
    """,
)

# A territory's all-time top $limit as (t, units): from the tallies where complete (the limit-th best
# sets the floor; every track at or above it competes on title for the ties), else from the lines.
# The branch not taken has a null seek bound and reads nothing. Ordered by territory too (one value
# here) so the (territory, units) index gives the order and the seek stops at the limit.
TERRITORY_TOP = """
    OPTIONAL MATCH (m:SalesTally {key: 'territory'})
    WITH coalesce(m.complete, false) AS tallied
    CALL (tallied) {
      MATCH (s:TerritorySales) WHERE s.territory = CASE WHEN tallied THEN $territory END AND s.units >= 1
        AND EXISTS { (:Track {key: s.track}) }
      WITH s ORDER BY s.territory DESC, s.units DESC LIMIT $limit
      WITH min(s.units) AS floor
      MATCH (s:TerritorySales) WHERE s.territory = $territory AND s.units >= floor
      MATCH (t:Track {key: s.track})
      RETURN t, s.units AS units
      UNION ALL
      MATCH (p:Purchase) WHERE p.territory = CASE WHEN NOT tallied THEN $territory END AND p.purchasedAt IS NOT NULL
      MATCH (p)-[:LINE]->(t)
      WITH t, count(*) AS units
      RETURN t, units
    }
    WITH t, units ORDER BY units DESC, t.title, t.key LIMIT $limit
"""


def territory_units(purchases: Iterable[dict[str, object]]) -> Rows:
    """Units per (territory, track) of purchase statement rows, as ADD_UNITS takes them."""
    units: dict[tuple[object, object], int] = {}
    for p in purchases:
        for line in p["lines"]:  # type: ignore[attr-defined]
            key = (p["territory"], line["trackKey"])
            units[key] = units.get(key, 0) + 1
    return Rows({"territory": t, "key": k, "units": n} for (t, k), n in units.items())


async def complete(graph: Graph) -> bool:
    """Whether this store's tallies are complete (charts by territory read them)."""
    rows = await graph.read(Cypher(
        "territory_sales_complete", "OPTIONAL MATCH (m:SalesTally {key: 'territory'}) RETURN m.complete AS done"))
    return bool(rows and rows[0]["done"])


async def recount(graph: Graph, track_keys: Iterable[str] | None = None) -> int:
    """Set the tallies of these tracks from their lines (of every track sold, unless the tallies are complete).

    Returns how many tracks were recounted.
    """
    for statement in SCHEMA:
        await graph.write(statement)
    done = await complete(graph)
    if not done:
        await graph.write(START)  # from here the write path adds every line it writes
        track_keys = [r["key"] for r in await graph.read(SOLD_TRACKS)]
    ordered = sorted(set(track_keys or ()))
    for i in range(0, len(ordered), KEYS_PER_TRANSACTION):
        await graph.write(RECOUNT, {"keys": Rows(ordered[i : i + KEYS_PER_TRANSACTION])})
    if not done:
        await graph.write(FINISH)
    return len(ordered)


async def run(settings: Settings) -> str:
    """`tunegraph sales recount`: every tally set from the lines (the write path keeps them from then on)."""
    graph = Graph.connect(settings)
    try:
        if await complete(graph):
            await graph.write(START)  # recounted whole: until it ends, charts count the lines
        tracks = await recount(graph)
    finally:
        await graph.close()
    return f"territory tallies recounted for {tracks} tracks sold"
