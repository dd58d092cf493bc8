"""One-off data migrations: a SchemaMigration node per migration says it is done."""

from __future__ import annotations

from graph.driver import Cypher, Graph

_DONE = Cypher("migration_done", "MATCH (m:SchemaMigration {key: $key}) RETURN count(m) AS done")
_MARK = Cypher("migration_mark", "MERGE (:SchemaMigration {key: $key})")


async def done(graph: Graph, key: str) -> bool:
    """Whether the migration `key` has run to its end."""
    return bool((await graph.read(_DONE, {"key": key}))[0]["done"])


async def mark(graph: Graph, key: str) -> None:
    """Record that the migration `key` ran to its end."""
    await graph.write(_MARK, {"key": key})
