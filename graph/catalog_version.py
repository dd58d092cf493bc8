"""The catalog version: a counter every catalog write bumps in its transaction, so copies can tell they are stale."""

from __future__ import annotations

from graph.driver import Cypher, Graph

BUMP = Cypher(
    "bump_catalog_version",
    "MERGE (v:CatalogVersion {key: 'catalog'}) SET v.version = coalesce(v.version, 0) + 1, v.changedAt = datetime()",
)
CURRENT = Cypher(
    "catalog_version", "OPTIONAL MATCH (v:CatalogVersion {key: 'catalog'}) RETURN coalesce(v.version, 0) AS version"
)


async def current(graph: Graph) -> int:
    """The version of the catalog as committed now (0 before the first write)."""
    rows = await graph.read(CURRENT)
    return int(rows[0]["version"])
